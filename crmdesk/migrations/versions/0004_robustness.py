"""limits and normalized codes (robustness)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

No schema change is needed: the columns already declare the limits both databases share
(NUMERIC(18, 2) money, NUMERIC(15, 3) quantities, VARCHAR lengths), and the rules enforce
them before writing (crmdesk/services/limits.py, its flush guard, and the exchange load).
CHECK constraints were left out on purpose: a base written before the limits may hold
values outside them, and an upgrade must never fail on old data; «crmdesk db copy» and
«load» name such a value instead.
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
