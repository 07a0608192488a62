"""bank statements and contracts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Contracts with clients (documents refer to them by documents.contract_id) and the bank
payments loaded from statements, unique by the bank's number, date, sum and payer account.
"""

import sqlalchemy as sa
from alembic import op

import crmdesk.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("amount", crmdesk.models.base.Money(), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("file_data", sa.LargeBinary(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_contracts_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_contracts_manager_id_users")
        ),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name=op.f("fk_contracts_deal_id_deals")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_contracts_updated_by_id_users"),
            use_alter=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts") as batch:
        batch.create_index(batch.f("ix_contracts_client_id"), ["client_id"])
        batch.create_index(batch.f("ix_contracts_manager_id"), ["manager_id"])
        batch.create_index(batch.f("ix_contracts_deal_id"), ["deal_id"])
        batch.create_index(batch.f("ix_contracts_end_date"), ["end_date"])
        batch.create_index("ix_contracts_client_number", ["client_id", "number"])

    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("contract_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_documents_contract_id_contracts"), "contracts", ["contract_id"], ["id"]
        )
        batch.create_index(batch.f("ix_documents_contract_id"), ["contract_id"])

    op.create_table(
        "bank_payments",
        sa.Column("bank_number", sa.String(length=30), nullable=False),
        sa.Column("bank_date", sa.Date(), nullable=False),
        sa.Column("amount", crmdesk.models.base.Money(), nullable=False),
        sa.Column("payer_account", sa.String(length=20), nullable=False),
        sa.Column("payer_inn", sa.String(length=12), nullable=True),
        sa.Column("payer_name", sa.String(length=300), nullable=True),
        sa.Column("account", sa.String(length=20), nullable=True),
        sa.Column("booked", sa.Date(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("loaded_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_bank_payments_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["loaded_by_id"], ["users.id"], name=op.f("fk_bank_payments_loaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_payments")),
        sa.UniqueConstraint(
            "bank_number", "bank_date", "amount", "payer_account",
            name=op.f("uq_bank_payments_bank_number"),
        ),
    )
    with op.batch_alter_table("bank_payments") as batch:
        batch.create_index(batch.f("ix_bank_payments_client_id"), ["client_id"])
    op.create_table(
        "bank_payment_documents",
        sa.Column("bank_payment_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_payment_id"], ["bank_payments.id"], ondelete="CASCADE",
            name=op.f("fk_bank_payment_documents_bank_payment_id_bank_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], ondelete="CASCADE",
            name=op.f("fk_bank_payment_documents_document_id_documents"),
        ),
        sa.PrimaryKeyConstraint(
            "bank_payment_id", "document_id", name=op.f("pk_bank_payment_documents")
        ),
    )


def downgrade() -> None:
    op.drop_table("bank_payment_documents")
    with op.batch_alter_table("bank_payments") as batch:
        batch.drop_index(batch.f("ix_bank_payments_client_id"))
    op.drop_table("bank_payments")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index(batch.f("ix_documents_contract_id"))
        batch.drop_constraint(batch.f("fk_documents_contract_id_contracts"), type_="foreignkey")
        batch.drop_column("contract_id")
    with op.batch_alter_table("contracts") as batch:
        batch.drop_index("ix_contracts_client_number")
        batch.drop_index(batch.f("ix_contracts_end_date"))
        batch.drop_index(batch.f("ix_contracts_deal_id"))
        batch.drop_index(batch.f("ix_contracts_manager_id"))
        batch.drop_index(batch.f("ix_contracts_client_id"))
    op.drop_table("contracts")
