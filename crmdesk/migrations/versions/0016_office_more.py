"""the office, second round: no schema change yet in this version

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

A slot in the one linear chain; whoever changes the schema of this area fills it.
"""

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
