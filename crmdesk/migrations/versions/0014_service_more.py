"""requests and housing, second round: no schema change yet in this version

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

A slot in the one linear chain; whoever changes the schema of this area fills it.
"""

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
