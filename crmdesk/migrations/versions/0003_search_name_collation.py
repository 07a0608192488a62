"""the normalized client name in code-point order on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

``clients.search_name`` is a machine key (case folded, ё = е) that the client list sorts by
and the search matches by prefix. On PostgreSQL its b-tree followed the server's collation,
which LIKE cannot use for a prefix: the prefix went to the ``varchar_pattern_ops`` index of
0002, which cannot give the list's order. With a million clients the first 50 names
starting «моро» took 200 ms (16,000 found, then sorted), and the client list searching «ив»
900 ms (the name index read in order from «а», every row tested).

In collation "C" one b-tree serves both the prefix range and the order, so the column gets
it (its indexes are rebuilt; SQLite compares binary already) and the pattern-ops index
goes. SQLite needs nothing.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

PG_UP = [
    'ALTER TABLE clients ALTER COLUMN search_name TYPE VARCHAR(300) COLLATE "C"',
    "DROP INDEX IF EXISTS ix_clients_search_name_pattern",
]
PG_DOWN = [
    'ALTER TABLE clients ALTER COLUMN search_name TYPE VARCHAR(300) COLLATE "default"',
    "CREATE INDEX ix_clients_search_name_pattern ON clients (search_name varchar_pattern_ops)",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in PG_UP:
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for sql in PG_DOWN:
            op.execute(sql)
