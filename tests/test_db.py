"""The database file itself: pragmas, upgrading older schemas, refusing newer ones."""

import hashlib

import pytest
from sqlalchemy import text

from crmdesk.db import checkpoint, make_engine, open_database, schema_state, upgrade
from crmdesk.services import search
from crmdesk.services.errors import SchemaError
from crmdesk.services.setup import initialize
from crmdesk.services.users import find_user


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_older_database_file_is_copied_aside_then_upgraded(tmp_path):
    path = tmp_path / "old.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")  # a database made by the first release, with a client in it
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clients (kind, name, search_name, search_text, deletion_mark, version,"
                " updated_at, created_at) VALUES ('company', 'Старый клиент', 'старый клиент',"
                " 'старый клиент 79120000000', 0, 1, '2025-01-01', '2025-01-01')"
            )
        )
    engine.dispose()
    engine = open_database(f"sqlite:///{path}")
    assert schema_state(engine)[0] == schema_state(engine)[1]
    initialize(engine)  # today's defaults, on today's schema
    copies = list(tmp_path.glob("old.before-*.sqlite"))
    assert len(copies) == 1
    old = make_engine(f"sqlite:///{copies[0]}")
    assert schema_state(old)[0] == "0001"
    from crmdesk.db import session_factory

    with session_factory(engine)() as s:
        admin = find_user(s, "admin")
        assert [c.name for c in search.find_clients(s, admin, "12000000")] == ["Старый клиент"]


def test_database_from_a_newer_program_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "new.sqlite"
    engine = open_database(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    checkpoint(engine)
    engine.dispose()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(SchemaError, match="более новой версией crmdesk"):
        open_database(f"sqlite:///{path}")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not list(tmp_path.glob("new.before-*"))


def test_postgres_schema_is_the_same_program_schema(engine):
    current, head = schema_state(engine)
    assert current == head
