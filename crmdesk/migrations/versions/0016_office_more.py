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


# --- area C (quick search): the first name of each frequent trigram ----------------------
# ``search_first_keys``: for each trigram frequent among the clients' search texts, a name no
# greater than that of the first client in name order whose text holds it (filled by
# ``services/search_upkeep.refresh_first_keys``, kept true by these triggers: a client written
# with a smaller name lowers it). A walk along the name index for a dense search starts there
# (``services/search.first_key``). Not in the ORM models: like ``clients_fts``, it is the
# search's own, rebuilt rather than exchanged.
_FIRST_KEYS_LOWER = (
    "UPDATE search_first_keys SET first_name = new.search_name "
    "WHERE first_name > new.search_name AND {pos}(new.search_text, trigram) > 0"
)
_FIRST_KEYS_SQLITE_UP = [
    "CREATE TABLE search_first_keys ("
    "trigram VARCHAR(3) NOT NULL PRIMARY KEY, first_name VARCHAR(300) NOT NULL)",
    "CREATE TRIGGER search_first_keys_ai AFTER INSERT ON clients BEGIN "
    + _FIRST_KEYS_LOWER.format(pos="instr")
    + "; END",
    "CREATE TRIGGER search_first_keys_au AFTER UPDATE OF search_name, search_text ON clients "
    "BEGIN " + _FIRST_KEYS_LOWER.format(pos="instr") + "; END",
]
_FIRST_KEYS_PG_UP = [
    "CREATE TABLE search_first_keys ("
    'trigram VARCHAR(3) NOT NULL PRIMARY KEY, first_name VARCHAR(300) COLLATE "C" NOT NULL)',
    "CREATE FUNCTION crm_search_first_keys() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    + _FIRST_KEYS_LOWER.format(pos="strpos").replace("new.", "NEW.")
    + "; RETURN NULL; END $$",
    "CREATE TRIGGER search_first_keys_aiu AFTER INSERT OR UPDATE OF search_name, search_text "
    "ON clients FOR EACH ROW EXECUTE FUNCTION crm_search_first_keys()",
]
_FIRST_KEYS_DOWN = [
    "DROP TRIGGER IF EXISTS search_first_keys_au",
    "DROP TRIGGER IF EXISTS search_first_keys_ai",
    "DROP TABLE IF EXISTS search_first_keys",
]
_FIRST_KEYS_PG_DOWN = [
    "DROP TRIGGER IF EXISTS search_first_keys_aiu ON clients",
    "DROP FUNCTION IF EXISTS crm_search_first_keys()",
    "DROP TABLE IF EXISTS search_first_keys",
]


def _first_keys(up: bool) -> None:
    from alembic import op

    sqlite = op.get_bind().dialect.name == "sqlite"
    if up:
        steps = _FIRST_KEYS_SQLITE_UP if sqlite else _FIRST_KEYS_PG_UP
    else:
        steps = _FIRST_KEYS_DOWN if sqlite else _FIRST_KEYS_PG_DOWN
    for sql in steps:
        op.execute(sql)
    if up:  # a base with clients gets its walks' bounds now (seconds at a million)
        from crmdesk.services.search_upkeep import fill_first_keys

        fill_first_keys(op.get_bind())


def upgrade() -> None:
    _first_keys(up=True)  # area C


def downgrade() -> None:
    _first_keys(up=False)  # area C
