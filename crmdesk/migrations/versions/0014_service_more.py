"""requests and housing, second round: the applicant's e-mail, a meter's reminded verification

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

``service_requests.applicant_email``: where the applicant's e-mail notices go (a bare
applicant, or one who wrote a letter). ``meters.verify_reminded``: the verification date a
reminder was made for, so the desktop's timer reminds of it once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_email", sa.String(length=200), nullable=True))
    with op.batch_alter_table("meters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verify_reminded", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meters", schema=None) as batch_op:
        batch_op.drop_column("verify_reminded")
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_column("applicant_email")
