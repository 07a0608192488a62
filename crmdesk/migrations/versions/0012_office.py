"""the live office: change counter, object locks, sessions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

``office_sessions``: who works from which computer since when, kept alive by a heartbeat,
ended by the administrator. ``object_locks``: an object open for editing (one row per
object, owned by a session; a dead session's locks are taken over). ``change_counters``:
a counter per table bumped by every committed write, which SQLite desktops compare every
second (PostgreSQL desktops are told by LISTEN/NOTIFY instead).
"""

import sqlalchemy as sa
from alembic import op

from crmdesk.models.base import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("computer", sa.String(200), nullable=False),
        sa.Column("program", sa.String(100), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("end_reason", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_office_sessions_user_id_users")),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"],
                                name=op.f("fk_office_sessions_ended_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_sessions")),
    )
    op.create_index(op.f("ix_office_sessions_user_id"), "office_sessions", ["user_id"])
    op.create_index(op.f("ix_office_sessions_ended_at"), "office_sessions", ["ended_at"])
    op.create_table(
        "object_locks",
        sa.Column("object_type", sa.String(50), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["office_sessions.id"],
                                name=op.f("fk_object_locks_session_id_office_sessions")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_object_locks_user_id_users")),
        sa.PrimaryKeyConstraint("object_type", "object_id", name=op.f("pk_object_locks")),
    )
    op.create_index(op.f("ix_object_locks_session_id"), "object_locks", ["session_id"])
    op.create_table(
        "change_counters",
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("counter", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_change_counters")),
    )


def downgrade() -> None:
    op.drop_table("change_counters")
    op.drop_index(op.f("ix_object_locks_session_id"), table_name="object_locks")
    op.drop_table("object_locks")
    op.drop_index(op.f("ix_office_sessions_ended_at"), table_name="office_sessions")
    op.drop_index(op.f("ix_office_sessions_user_id"), table_name="office_sessions")
    op.drop_table("office_sessions")
