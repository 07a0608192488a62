"""forms the 1C way (client kinds, reference fields): no schema change yet in this version

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

A slot in the one linear chain; whoever changes the schema of this area fills it.
"""

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
