"""telephony: calls and extensions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Users get their PBX extension; calls (unique by the PBX's linkedid, so several listeners log a
call once) and the ringing signals desktops poll when a cloud PBX feeds ``crmdesk call event``.
"""

import sqlalchemy as sa
from alembic import op

from crmdesk.models.base import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("extension", sa.String(20), nullable=True))
        batch.create_unique_constraint("uq_users_extension", ["extension"])
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("linkedid", sa.String(100), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("number", sa.String(50), nullable=False),
        sa.Column("e164", sa.String(20), nullable=True),
        sa.Column("ext", sa.String(20), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("answered_ext", sa.String(20), nullable=True),
        sa.Column(
            "answered_by_id",
            sa.Integer,
            sa.ForeignKey("users.id", name="fk_calls_answered_by_id_users"),
            nullable=True,
        ),
        sa.Column("transferred_to", sa.String(20), nullable=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("answered_at", UTCDateTime, nullable=True),
        sa.Column("ended_at", UTCDateTime, nullable=True),
        sa.Column("duration_sec", sa.Integer, nullable=True),
        sa.Column("recording", sa.String(300), nullable=True),
        sa.Column(
            "client_id",
            sa.Integer,
            sa.ForeignKey("clients.id", name="fk_calls_client_id_clients"),
            nullable=True,
        ),
        sa.Column(
            "contact_id",
            sa.Integer,
            sa.ForeignKey("contact_persons.id", name="fk_calls_contact_id_contact_persons"),
            nullable=True,
        ),
        sa.Column(
            "interaction_id",
            sa.Integer,
            sa.ForeignKey("interactions.id", name="fk_calls_interaction_id_interactions"),
            nullable=True,
        ),
        sa.Column("called_back_at", UTCDateTime, nullable=True),
        sa.Column("noted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_calls"),
        sa.UniqueConstraint("linkedid", name="uq_calls_linkedid"),
    )
    op.create_index("ix_calls_e164", "calls", ["e164"])
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_index("ix_calls_client_id", "calls", ["client_id"])
    op.create_index("ix_calls_missed", "calls", ["direction", "state", "called_back_at"])
    op.create_table(
        "call_signals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("linkedid", sa.String(100), nullable=False),
        sa.Column("ext", sa.String(20), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_call_signals"),
    )
    op.create_index("ix_call_signals_ext", "call_signals", ["ext", "id"])


def downgrade() -> None:
    op.drop_index("ix_call_signals_ext", "call_signals")
    op.drop_table("call_signals")
    for name in ("ix_calls_missed", "ix_calls_client_id", "ix_calls_started_at", "ix_calls_e164"):
        op.drop_index(name, "calls")
    op.drop_table("calls")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_extension", type_="unique")
        batch.drop_column("extension")
