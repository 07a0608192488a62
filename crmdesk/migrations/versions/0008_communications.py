"""communications: mail, SMS, mailings, leads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Mail accounts and SMS providers (secrets only by reference), message templates, mailings and
their outbox, letters in and out, leads from the inbox, the IMAP read position per folder;
consent to advertising mailings on clients and contact persons.
"""

import sqlalchemy as sa
from alembic import op

import crmdesk.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_templates",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("advertising", sa.Boolean(), nullable=False),
        sa.Column("doc_type", sa.String(length=10), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_message_templates_name")),
    )
    op.create_table(
        "sms_providers",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=True),
        sa.Column("login", sa.String(length=100), nullable=True),
        sa.Column("secret_ref", sa.String(length=200), nullable=True),
        sa.Column("per_minute", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_providers")),
    )
    op.create_table(
        "mail_accounts",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("from_address", sa.String(length=200), nullable=False),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("smtp_host", sa.String(length=200), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_security", sa.String(length=10), nullable=False),
        sa.Column("smtp_login", sa.String(length=200), nullable=True),
        sa.Column("imap_host", sa.String(length=200), nullable=True),
        sa.Column("imap_port", sa.Integer(), nullable=True),
        sa.Column("imap_security", sa.String(length=10), nullable=True),
        sa.Column("imap_login", sa.String(length=200), nullable=True),
        sa.Column("imap_folder", sa.String(length=200), nullable=False),
        sa.Column("secret_ref", sa.String(length=200), nullable=True),
        sa.Column("per_minute", sa.Integer(), nullable=True),
        sa.Column("fetch_minutes", sa.Integer(), nullable=True),
        sa.Column("lead_rule", sa.String(length=10), nullable=False),
        sa.Column("lead_manager_id", sa.Integer(), nullable=True),
        sa.Column("last_manager_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_manager_id"], ["users.id"], name=op.f("fk_mail_accounts_last_manager_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lead_manager_id"], ["users.id"], name=op.f("fk_mail_accounts_lead_manager_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_accounts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_accounts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_mail_accounts_user_id")),
    )
    op.create_table(
        "mail_folder_state",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("fetched_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["mail_accounts.id"],
            name=op.f("fk_mail_folder_state_account_id_mail_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "folder", name=op.f("pk_mail_folder_state")),
    )
    op.create_table(
        "mailings",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.JSON(), nullable=False),
        sa.Column("advertising", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["mail_accounts.id"], name=op.f("fk_mailings_account_id_mail_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_mailings_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["sms_providers.id"],
            name=op.f("fk_mailings_provider_id_sms_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["message_templates.id"],
            name=op.f("fk_mailings_template_id_message_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailings")),
    )
    op.create_table(
        "leads",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_leads_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_leads_manager_id_users")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_leads_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_email"), ["email"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("mailing_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("parts", sa.Integer(), nullable=True),
        sa.Column("cost", crmdesk.models.base.Money(), nullable=True),
        sa.Column("created_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["mail_accounts.id"], name=op.f("fk_outbox_account_id_mail_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_outbox_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact_persons.id"],
            name=op.f("fk_outbox_contact_id_contact_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["mailing_id"],
            ["mailings.id"],
            name=op.f("fk_outbox_mailing_id_mailings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["sms_providers.id"], name=op.f("fk_outbox_provider_id_sms_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("mailing_id", "address", name=op.f("uq_outbox_mailing_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_external_id"), ["external_id"], unique=False)
        batch_op.create_index("ix_outbox_mailing_status", ["mailing_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)

    op.create_table(
        "letters",
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("folder", sa.String(length=200), nullable=True),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("in_reply_to", sa.String(length=300), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("from_address", sa.String(length=200), nullable=True),
        sa.Column("from_name", sa.String(length=300), nullable=True),
        sa.Column("to_address", sa.Text(), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["mail_accounts.id"], name=op.f("fk_letters_account_id_mail_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_letters_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact_persons.id"],
            name=op.f("fk_letters_contact_id_contact_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_letters_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_letters_interaction_id_interactions"),
        ),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_letters_lead_id_leads")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["letters.id"], name=op.f("fk_letters_parent_id_letters")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_letters_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
        sa.UniqueConstraint(
            "account_id", "folder", "uidvalidity", "uid", name=op.f("uq_letters_account_id")
        ),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letters_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_letters_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letters_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letters_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letters_message_id"), ["message_id"], unique=False)

    op.create_table(
        "letter_files",
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_letter_files_attachment_id_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["letter_id"],
            ["letters.id"],
            name=op.f("fk_letter_files_letter_id_letters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_files")),
    )
    with op.batch_alter_table("letter_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_files_letter_id"), ["letter_id"], unique=False)

    # plain ALTER TABLE … ADD COLUMN on SQLite: a rebuilt «clients» would lose the triggers
    # that keep the search index (clients_fts, migration 0002) in step
    with op.batch_alter_table("clients", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("consent_email", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("consent_sms", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("opt_out_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("contact_persons", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("consent_email", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("consent_sms", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("opt_out_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    _search_triggers()


SEARCH_TRIGGERS = [  # as migration 0002 made them
    "CREATE TRIGGER IF NOT EXISTS clients_fts_ai AFTER INSERT ON clients BEGIN "
    "INSERT INTO clients_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS clients_fts_ad AFTER DELETE ON clients BEGIN "
    "INSERT INTO clients_fts(clients_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS clients_fts_au AFTER UPDATE OF search_text ON clients BEGIN "
    "INSERT INTO clients_fts(clients_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO clients_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def _search_triggers() -> None:
    """SQLite: the search index's triggers on «clients» exist (a rebuilt table drops them)."""
    if op.get_bind().dialect.name == "sqlite":
        for sql in SEARCH_TRIGGERS:
            op.execute(sql)


def downgrade() -> None:
    with op.batch_alter_table("contact_persons", schema=None) as batch_op:
        batch_op.drop_column("opt_out_at")
        batch_op.drop_column("consent_sms")
        batch_op.drop_column("consent_email")

    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("opt_out_at")
        batch_op.drop_column("consent_sms")
        batch_op.drop_column("consent_email")
    _search_triggers()

    with op.batch_alter_table("letter_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_files_letter_id"))

    op.drop_table("letter_files")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letters_message_id"))
        batch_op.drop_index(batch_op.f("ix_letters_lead_id"))
        batch_op.drop_index(batch_op.f("ix_letters_document_id"))
        batch_op.drop_index(batch_op.f("ix_letters_client_id"))
        batch_op.drop_index(batch_op.f("ix_letters_at"))

    op.drop_table("letters")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        batch_op.drop_index("ix_outbox_mailing_status")
        batch_op.drop_index(batch_op.f("ix_outbox_external_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_client_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_email"))

    op.drop_table("leads")
    op.drop_table("mailings")
    op.drop_table("mail_folder_state")
    op.drop_table("mail_accounts")
    op.drop_table("sms_providers")
    op.drop_table("message_templates")
