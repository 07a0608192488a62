"""the pipeline's links (deal, contact person, responsible on documents, interactions, tasks): no schema change yet in this version

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

A slot in the one linear chain; whoever changes the schema of this area fills it.
"""

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
