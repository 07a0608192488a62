"""users: signing in without a password becomes a setting

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Before this version any user without a password signed in with an empty one. Now that takes
the ``allow_empty_passwords`` setting. A database that has active users without a password
gets the setting switched on, so nobody is locked out by the upgrade; the administrator sets
passwords and switches it off («crmdesk settings set allow_empty_passwords off»). A new,
empty database gets no row: its first administrator is given a password by the wizard or
«crmdesk db upgrade».
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.JSON))
users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("password_hash", sa.String),
    sa.column("active", sa.Boolean),
)


def upgrade() -> None:
    conn = op.get_bind()
    without = conn.scalar(
        sa.select(sa.func.count())
        .select_from(users)
        .where(users.c.password_hash.is_(None), users.c.active.is_(True))
    )
    present = conn.scalar(
        sa.select(sa.func.count()).select_from(settings).where(
            settings.c.key == "allow_empty_passwords"
        )
    )
    if without and not present:
        op.bulk_insert(settings, [{"key": "allow_empty_passwords", "value": True}])


def downgrade() -> None:
    op.execute(settings.delete().where(settings.c.key == "allow_empty_passwords"))
