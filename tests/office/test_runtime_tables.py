"""The running office's bookkeeping (sessions, object locks, change counters) never travels:
not in an exchange file, not in a backup, and a restore brings back no stale session or
lock — on SQLite and a real PostgreSQL server."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest
from sqlalchemy import func, select

from crmdesk.db import open_database
from crmdesk.models import Client, ObjectLock, OfficeSession
from crmdesk.services import exchange
from crmdesk.services.backup import backup, restore
from crmdesk.services.clients import create_client
from crmdesk.services.exchange import RUNTIME_TABLES, dump
from crmdesk.services.office import take_lock
from crmdesk.services.sessions import start_session
from tests.conftest import new_pg_database, pg_admin_execute, pg_url


def _busy_office(uow) -> int:
    """A client, a desktop's session holding its lock, and the counters/notes it caused."""
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "ООО «Снимок»", "kind": "company"}).id
        sid = start_session(ctx.session, ctx.user.id, computer="PC-ivanov")
        assert take_lock(ctx.session, "clients", cid, sid, ctx.user.id) is None
    return cid


def _runtime_rows(engine) -> dict[str, int]:
    from crmdesk.models import Base

    with engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
                for name in RUNTIME_TABLES}


def _clients(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Client))


def test_exchange_file_leaves_the_runtime_tables_behind(uow, team, tmp_path):
    _busy_office(uow)
    assert _runtime_rows(team)["object_locks"] == 1
    path = tmp_path / "base.json"
    counts = dump(team, path)
    assert not set(RUNTIME_TABLES) & set(counts)
    text = path.read_text(encoding="utf-8")
    assert all(f'"{name}"' not in text for name in RUNTIME_TABLES)
    restored = restore(path, f"sqlite:///{tmp_path / 'loaded.sqlite'}")
    target = open_database(restored.url)
    try:
        assert _clients(target) == 1
        assert _runtime_rows(target) == dict.fromkeys(RUNTIME_TABLES, 0)
    finally:
        target.dispose()


def test_an_older_exchange_file_with_sessions_loads_without_them(
    uow, team, tmp_path, monkeypatch
):
    if team.dialect.name != "sqlite":
        pytest.skip("the file format is the same from either base")
    _busy_office(uow)
    from crmdesk.models import Base

    # a file written before the runtime tables were left out
    first = [Base.metadata.tables["roles"], Base.metadata.tables["users"]]
    monkeypatch.setattr(exchange, "tables", lambda: first + [
        t for t in Base.metadata.sorted_tables if t not in first])
    path = tmp_path / "old.json"
    assert dump(team, path)["office_sessions"] == 1
    monkeypatch.undo()
    result = restore(path, f"sqlite:///{tmp_path / 'from-old.sqlite'}")
    assert result.clients == 1
    back = open_database(f"sqlite:///{tmp_path / 'from-old.sqlite'}")
    try:
        assert _runtime_rows(back) == dict.fromkeys(RUNTIME_TABLES, 0)
    finally:
        back.dispose()


def test_sqlite_backup_and_its_restore_hold_no_session_or_lock(uow, team, tmp_path):
    if team.dialect.name != "sqlite":
        pytest.skip("the SQLite copy")
    _busy_office(uow)
    result = backup(team, to_dir=tmp_path / "copies")
    assert result.ok, result.message
    copy = open_database(f"sqlite:///{result.path}")
    try:
        assert _clients(copy) == 1
        assert _runtime_rows(copy) == dict.fromkeys(RUNTIME_TABLES, 0)
    finally:
        copy.dispose()
    assert _runtime_rows(team)["object_locks"] == 1  # the working base keeps its own
    # an older copy that still holds a session and its lock: the restore empties them
    old = tmp_path / "crmdesk-old.sqlite"
    src, dst = sqlite3.connect(team.url.database), sqlite3.connect(old)
    src.backup(dst)  # page for page, the way copies were made before
    src.close(), dst.close()
    with open_database(f"sqlite:///{old}").connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ObjectLock)) == 1
    restored = restore(old, f"sqlite:///{tmp_path / 'restored.sqlite'}")
    assert restored.clients == 1
    back = open_database(restored.url)
    try:
        assert _runtime_rows(back) == dict.fromkeys(RUNTIME_TABLES, 0)
        with back.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(OfficeSession)) == 0
            assert conn.scalar(select(func.count()).select_from(ObjectLock)) == 0
    finally:
        back.dispose()


def test_pg_dump_holds_the_runtime_tables_schema_not_their_rows(uow, team, tmp_path):
    if team.dialect.name != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("pg_dump of a PostgreSQL base")
    _busy_office(uow)
    result = backup(team, to_dir=tmp_path)
    assert result.ok and result.method == "pg_dump", result.message
    listing = subprocess.run(["pg_restore", "--list", str(result.path)],
                             capture_output=True, text=True, check=True).stdout
    data = [line for line in listing.splitlines() if "TABLE DATA" in line]
    assert any(" clients " in line for line in data)
    assert not [line for line in data if any(f" {n} " in line for n in RUNTIME_TABLES)]
    name = new_pg_database()
    try:
        restored = restore(result.path, pg_url(name))
        assert restored.clients == 1
        back = open_database(pg_url(name))
        try:
            assert _runtime_rows(back) == dict.fromkeys(RUNTIME_TABLES, 0)
        finally:
            back.dispose()
    finally:
        pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_copy_to_postgres_leaves_them_behind(uow, team, tmp_path):
    if team.dialect.name != "sqlite":
        pytest.skip("SQLite → PostgreSQL")
    _busy_office(uow)
    try:
        name = new_pg_database()
    except Exception:
        pytest.skip("no PostgreSQL server answers")
    try:
        counts = exchange.copy_database(team, pg_url(name))
        dst = open_database(pg_url(name))
        try:
            assert not set(RUNTIME_TABLES) & set(counts)
            assert _clients(dst) == 1
            assert _runtime_rows(dst) == dict.fromkeys(RUNTIME_TABLES, 0)
        finally:
            dst.dispose()
    finally:
        pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
