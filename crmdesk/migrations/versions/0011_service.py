"""service requests and the housing-services module

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

New tables: the production calendar's edits (the Russian public holidays and transferred
days off of 2026–2027 ship in services/calendar.py, so a fresh base stays empty), external
contractors, request categories with their SLA, service requests with their status log and
work lines, houses, premises, residents, meters, readings and outage notices.
"""

import sqlalchemy as sa
from alembic import op

import crmdesk.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = (  # in the order they are dropped
    "request_status_log",
    "request_lines",
    "service_requests",
    "residents",
    "outage_houses",
    "meter_readings",
    "request_categories",
    "outages",
    "meters",
    "premises",
    "houses",
    "contractors",
    "calendar_days",
)


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "contractors",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("inn", sa.String(length=12), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contractors")),
    )
    op.create_table(
        "houses",
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_houses")),
        sa.UniqueConstraint("address", name=op.f("uq_houses_address")),
    )
    op.create_table(
        "premises",
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("area", crmdesk.models.base.Quantity(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["house_id"], ["houses.id"], name=op.f("fk_premises_house_id_houses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premises")),
        sa.UniqueConstraint("house_id", "number", name=op.f("uq_premises_house_id")),
    )
    op.create_table(
        "meters",
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("serial", sa.String(length=50), nullable=False),
        sa.Column("verified_until", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["premises.id"], name=op.f("fk_meters_premises_id_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meters")),
        sa.UniqueConstraint("kind", "serial", name=op.f("uq_meters_kind")),
    )
    with op.batch_alter_table("meters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meters_premises_id"), ["premises_id"], unique=False)

    op.create_table(
        "outages",
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.Column("starts_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("notice", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_outages_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outages")),
    )
    op.create_table(
        "request_categories",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sla_days", sa.Integer(), nullable=True),
        sa.Column("sla_hours", sa.Integer(), nullable=True),
        sa.Column("executor_id", sa.Integer(), nullable=True),
        sa.Column("contractor_id", sa.Integer(), nullable=True),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["contractors.id"],
            name=op.f("fk_request_categories_contractor_id_contractors"),
        ),
        sa.ForeignKeyConstraint(
            ["executor_id"], ["users.id"], name=op.f("fk_request_categories_executor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_request_categories_name")),
    )
    op.create_table(
        "meter_readings",
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("value", crmdesk.models.base.Quantity(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_meter_readings_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"],
            ["meters.id"],
            name=op.f("fk_meter_readings_meter_id_meters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_readings")),
        sa.UniqueConstraint("meter_id", "period", name=op.f("uq_meter_readings_meter_id")),
    )
    with op.batch_alter_table("meter_readings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meter_readings_period"), ["period"], unique=False)

    op.create_table(
        "outage_houses",
        sa.Column("outage_id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["house_id"], ["houses.id"], name=op.f("fk_outage_houses_house_id_houses")
        ),
        sa.ForeignKeyConstraint(
            ["outage_id"],
            ["outages.id"],
            name=op.f("fk_outage_houses_outage_id_outages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outage_id", "house_id", name=op.f("pk_outage_houses")),
    )
    op.create_table(
        "residents",
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("share", crmdesk.models.base.Rate(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_residents_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"],
            ["premises.id"],
            name=op.f("fk_residents_premises_id_premises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("premises_id", "client_id", name=op.f("uq_residents_premises_id")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residents_client_id"), ["client_id"], unique=False)

    op.create_table(
        "service_requests",
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("registered_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("applicant_name", sa.String(length=300), nullable=True),
        sa.Column("applicant_phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("premises_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("executor_id", sa.Integer(), nullable=True),
        sa.Column("contractor_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("deadline", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("done_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("deletion_mark", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_service_requests_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["request_categories.id"],
            name=op.f("fk_service_requests_category_id_request_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_service_requests_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact_persons.id"],
            name=op.f("fk_service_requests_contact_id_contact_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["contractors.id"],
            name=op.f("fk_service_requests_contractor_id_contractors"),
        ),
        sa.ForeignKeyConstraint(
            ["executor_id"], ["users.id"], name=op.f("fk_service_requests_executor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["documents.id"], name=op.f("fk_service_requests_order_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["premises.id"], name=op.f("fk_service_requests_premises_id_premises")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_service_requests_updated_by_id_users"),
            use_alter=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_service_requests_number")),
    )
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_requests_applicant_phone"), ["applicant_phone"], unique=False
        )
        batch_op.create_index(
            "ix_service_requests_category", ["category_id", "registered_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_requests_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_service_requests_executor", ["executor_id", "status", "deadline"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_requests_premises_id"), ["premises_id"], unique=False
        )
        batch_op.create_index("ix_service_requests_registered", ["registered_at"], unique=False)
        batch_op.create_index(
            "ix_service_requests_status_deadline", ["status", "deadline"], unique=False
        )

    op.create_table(
        "request_lines",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("quantity", crmdesk.models.base.Quantity(), nullable=False),
        sa.Column("price", crmdesk.models.base.Money(), nullable=False),
        sa.Column("amount", crmdesk.models.base.Money(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_request_lines_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_request_lines_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_lines")),
    )
    with op.batch_alter_table("request_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_lines_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "request_status_log",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", crmdesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_request_status_log_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_request_status_log_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_status_log")),
    )
    with op.batch_alter_table("request_status_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_status_log_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
