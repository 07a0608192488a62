"""bank statements and contracts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

A slot in the chain reserved for this area's schema changes; empty until it has some.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
