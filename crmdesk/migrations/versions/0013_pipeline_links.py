"""the pipeline's links: a task's contact person (documents and interactions have theirs)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

``tasks.contact_id``: «Контактное лицо» of a task, beside its «Сделка» and «Исполнитель»
(documents carry contact_id/manager_id/deal_id and interactions contact_id/user_id/deal_id
since 0001/0010).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # SQLite adds a referencing column only this way
        if "contact_id" not in {c["name"] for c in sa.inspect(bind).get_columns("tasks")}:
            op.execute("ALTER TABLE tasks ADD COLUMN contact_id INTEGER "
                       "REFERENCES contact_persons (id)")
    else:
        op.add_column("tasks", sa.Column("contact_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_tasks_contact_id_contact_persons"), "tasks",
                              "contact_persons", ["contact_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps the column (see 0010)
        op.drop_constraint(op.f("fk_tasks_contact_id_contact_persons"), "tasks",
                           type_="foreignkey")
        op.drop_column("tasks", "contact_id")
