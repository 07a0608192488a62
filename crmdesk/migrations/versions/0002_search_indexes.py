"""search indexes: trigram full-text over clients.search_text, prefix index on the name

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

SQLite gets an FTS5 trigram table kept in step with ``clients`` by triggers; PostgreSQL
gets pg_trgm GIN and a pattern-ops b-tree, so substring and prefix searches stay indexed.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE clients_fts USING fts5("
    "search_text, content='clients', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER clients_fts_ai AFTER INSERT ON clients BEGIN "
    "INSERT INTO clients_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER clients_fts_ad AFTER DELETE ON clients BEGIN "
    "INSERT INTO clients_fts(clients_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER clients_fts_au AFTER UPDATE OF search_text ON clients BEGIN "
    "INSERT INTO clients_fts(clients_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO clients_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO clients_fts(clients_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS clients_fts_au",
    "DROP TRIGGER IF EXISTS clients_fts_ad",
    "DROP TRIGGER IF EXISTS clients_fts_ai",
    "DROP TABLE IF EXISTS clients_fts",
]
PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_clients_search_trgm ON clients USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX ix_clients_search_name_pattern ON clients (search_name varchar_pattern_ops)",
]
PG_DOWN = [
    "DROP INDEX IF EXISTS ix_clients_search_name_pattern",
    "DROP INDEX IF EXISTS ix_clients_search_trgm",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for sql in SQLITE_UP if sqlite else PG_UP:
        op.execute(sql)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for sql in SQLITE_DOWN if sqlite else PG_DOWN:
        op.execute(sql)
