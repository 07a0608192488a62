"""limits and normalized codes (robustness)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

A slot in the chain reserved for this area's schema changes; empty until it has some.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
