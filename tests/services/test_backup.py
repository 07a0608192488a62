"""Backups: consistent while others write, checked, rotated; restores into a new database."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crmdesk.db import make_engine
from crmdesk.models import Client, ClientPhone
from crmdesk.services import backup as backups
from crmdesk.services.backup import (
    auto_backup_if_due,
    backup,
    backup_due,
    backup_status,
    choose_kept,
    last_backup,
    restore,
    rotate_backups,
)
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.errors import CrmError
from crmdesk.services.settings import set_setting
from tests.conftest import new_pg_database, pg_admin_execute, pg_url


def add_clients(engine, n: int, prefix: str = "Клиент") -> None:
    with unit_of_work(engine) as ctx:
        for i in range(n):
            create_client(ctx, {"name": f"{prefix} {i}", "phones": [f"8912{i:07d}"]})


def count(engine, model=Client) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(model))


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template):
    path = tmp_path / "work.sqlite"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture
def pg_names(pg_available):
    if not pg_available:
        pytest.skip("no PostgreSQL server answers")
    names: list[str] = []
    yield names
    for name in names:
        pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- SQLite ------------------------------------------------------------------------------------
def test_sqlite_backup_while_another_connection_writes_is_consistent(sqlite_engine, tmp_path):
    add_clients(sqlite_engine, 200)
    stop = threading.Event()
    written = []
    path = sqlite_engine.url.database

    def writer():
        # another program's connection: each transaction adds a client and its phone
        conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        i = 0
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute(
                "INSERT INTO clients (kind, name, search_name, search_text, created_at, "
                "updated_at, version, deletion_mark) VALUES ('company', ?, '', '', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1, 0)",
                (f"Пишущий {i}",),
            )
            time.sleep(0.001)  # the half-written state lasts a while
            conn.execute("INSERT INTO client_phones (client_id, e164) VALUES (?, ?)",
                         (cur.lastrowid, f"+7913{i:07d}"))
            conn.execute("COMMIT")
            time.sleep(0.002)  # others get the write lock too (the backup's own state)
            written.append(i)
            i += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        result = backup(sqlite_engine, to_dir=tmp_path / "copies")
        during = len(written)
        while len(written) < during + 20:  # the writer went on during and after the copy
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    assert result.ok, result.message
    assert result.method == "sqlite" and "(integrity_check): ok" in result.message
    assert last_backup(sqlite_engine)["file"] == str(result.path)  # its state was written
    assert backups.integrity(result.path) == "ok"
    copy = sqlite3.connect(result.path)
    clients = copy.execute("SELECT count(*) FROM clients").fetchone()[0]
    orphans = copy.execute(
        "SELECT count(*) FROM clients c WHERE c.name LIKE 'Пишущий%' AND NOT EXISTS "
        "(SELECT 1 FROM client_phones p WHERE p.client_id = c.id)").fetchone()[0]
    journal = copy.execute("PRAGMA journal_mode").fetchone()[0]
    copy.close()
    assert orphans == 0  # no transaction is half in the copy
    assert 200 + 20 <= clients <= 200 + during + 1
    assert journal == "delete"  # one self-contained file
    assert not list(result.path.parent.glob("*.part"))
    # it restores into a new database that opens and is checked
    target = tmp_path / "restored" / "crm.sqlite"
    restored = restore(result.path, str(target))
    assert restored.clients == clients and restored.aside is None
    eng = make_engine(f"sqlite:///{target}")
    assert count(eng) == clients
    assert count(eng, ClientPhone) == 200 + clients - 200
    eng.dispose()


def test_restore_over_the_working_database_keeps_a_copy_of_it(sqlite_engine, tmp_path):
    add_clients(sqlite_engine, 3, "Старый")
    first = backup(sqlite_engine, to_dir=tmp_path / "copies")
    add_clients(sqlite_engine, 2, "Новый")
    work = Path(sqlite_engine.url.database)
    sqlite_engine.dispose()
    result = restore(first.path, f"sqlite:///{work}")
    assert result.clients == 3
    assert result.aside is not None and result.aside.exists()
    assert result.aside.name.startswith("work.before-restore-")
    aside = make_engine(f"sqlite:///{result.aside}")
    assert count(aside) == 5  # the database that was there, whole
    aside.dispose()
    eng = make_engine(f"sqlite:///{work}")
    assert count(eng) == 3
    eng.dispose()
    with pytest.raises(CrmError, match="поверх неё самой"):
        restore(first.path, f"sqlite:///{first.path}")


def test_bad_backup_files_are_refused_by_name(tmp_path, sqlite_engine):
    junk = tmp_path / "notes.txt"
    junk.write_text("просто текст", encoding="utf-8")
    with pytest.raises(CrmError, match="notes.txt не похож на резервную копию"):
        restore(junk, str(tmp_path / "x.sqlite"))
    with pytest.raises(CrmError, match="не найден"):
        restore(tmp_path / "nope.sqlite", str(tmp_path / "x.sqlite"))
    # a broken SQLite copy never replaces anything
    broken = tmp_path / "crmdesk-20260101-000000.sqlite"
    data = bytearray(Path(sqlite_engine.url.database).read_bytes())
    sqlite_engine.dispose()
    data[4096:8192] = b"\xff" * 4096
    broken.write_bytes(bytes(data))
    target = tmp_path / "target.sqlite"
    target.write_bytes(b"keep me")
    with pytest.raises(CrmError, match="crmdesk-20260101-000000.sqlite|целостности"):
        restore(broken, str(target))
    assert target.read_bytes() == b"keep me"
    assert not list(tmp_path.glob("target.sqlite.restoring*"))


def test_failed_backup_is_remembered_and_due(sqlite_engine, tmp_path):
    now = datetime(2026, 11, 20, 10, 0).astimezone()
    assert backup_due(sqlite_engine, now) and last_backup(sqlite_engine) is None
    ok = auto_backup_if_due(sqlite_engine, now)
    assert ok is not None and ok.ok
    assert ok.path.parent == Path(sqlite_engine.url.database).parent / "backups"
    assert auto_backup_if_due(sqlite_engine, now + timedelta(hours=23)) is None
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    bad = backup(sqlite_engine, to_dir=blocker, now=now + timedelta(hours=25))
    assert not bad.ok and bad.path is None and "Резервная копия не сделана" in bad.message
    state = last_backup(sqlite_engine)
    assert state["ok"] is False and state["last_ok_at"] == now.isoformat()
    status = backup_status(sqlite_engine, now + timedelta(hours=25))
    assert status["due"] is True and (status["keep_daily"], status["keep_weekly"]) == (7, 4)
    with unit_of_work(sqlite_engine) as ctx:
        set_setting(ctx.session, "backup_auto", False)
    assert auto_backup_if_due(sqlite_engine, now + timedelta(days=3)) is None


# -- rotation ------------------------------------------------------------------------------------
def test_rotation_keeps_7_daily_and_4_weekly(tmp_path):
    start = datetime(2026, 9, 1, 23, 0)  # a Tuesday; two copies a day for 70 days
    names = []
    for day in range(70):
        for hour in (9, 23):
            t = start.replace(hour=hour) + timedelta(days=day)
            name = f"crmdesk-{t:%Y%m%d-%H%M%S}.sqlite"
            (tmp_path / name).write_bytes(b"x")
            names.append(name)
    (tmp_path / "readme.txt").write_text("не трогать")
    (tmp_path / "crmdesk-keep.sqlite").write_bytes(b"x")  # not a copy's name
    removed = rotate_backups(tmp_path, 7, 4)
    kept = sorted(p.name for p in tmp_path.iterdir())
    last = start + timedelta(days=69)  # 2026-11-09, a Monday
    daily = [f"crmdesk-{last - timedelta(days=d):%Y%m%d}-230000.sqlite" for d in range(7)]
    # newest of each of the last 4 weeks (Mon–Sun): this week's is today's; then Sundays
    weekly = [f"crmdesk-{d}-230000.sqlite" for d in ("20261109", "20261108", "20261101",
                                                     "20261025")]
    assert kept == sorted({*daily, *weekly, "readme.txt", "crmdesk-keep.sqlite"})
    assert len(removed) == len(names) - len({*daily, *weekly})
    assert rotate_backups(tmp_path, 7, 4) == []  # stable


def test_choose_kept_with_gaps_and_other_settings():
    times = [datetime(2026, 1, d, 12) for d in (1, 2, 5, 20, 21, 31)]
    assert choose_kept(times, keep_daily=2, keep_weekly=0) == {4, 5}
    # weeks: 31 (Sat, week 5), 20–21 (week 4), 5 (week 2), 1–2 (week 1)
    assert choose_kept(times, keep_daily=0, keep_weekly=3) == {5, 4, 2}
    assert choose_kept([], 7, 4) == set()


def test_backup_rotates_with_the_configured_counts(sqlite_engine, tmp_path):
    folder = tmp_path / "copies"
    with unit_of_work(sqlite_engine) as ctx:
        set_setting(ctx.session, "backup_keep_daily", 2)
        set_setting(ctx.session, "backup_keep_weekly", 0)
        set_setting(ctx.session, "backup_dir", str(folder))
    base = datetime(2026, 11, 2, 3, 0).astimezone()
    results = [backup(sqlite_engine, now=base + timedelta(days=d)) for d in range(4)]
    assert all(r.ok for r in results)
    assert sorted(p.name for p in folder.iterdir()) == [
        "crmdesk-20261104-030000.sqlite", "crmdesk-20261105-030000.sqlite"]
    assert [p.name for p in results[-1].removed] == ["crmdesk-20261103-030000.sqlite"]


# -- PostgreSQL --------------------------------------------------------------------------------
@pytest.mark.pg
@pytest.mark.parametrize("with_pg_dump", [True, False])
def test_postgres_backup_and_restore_into_a_new_database(
    with_pg_dump, pg_template, pg_names, tmp_path, monkeypatch
):
    if with_pg_dump and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not on PATH")
    pg_names.append(new_pg_database(pg_template))
    src = make_engine(pg_url(pg_names[-1]))
    add_clients(src, 5)
    if not with_pg_dump:
        real = shutil.which
        monkeypatch.setattr(backups.shutil, "which",
                            lambda name: None if name.startswith("pg_") else real(name))
    result = backup(src, to_dir=tmp_path)
    assert result.ok, result.message
    assert result.method == ("pg_dump" if with_pg_dump else "exchange")
    assert result.path.suffix == (".dump" if with_pg_dump else ".json")
    assert (result.method == "pg_dump") == ("pg_dump -Fc" in result.message)
    monkeypatch.undo()
    # a database with data is never restored over
    with pytest.raises(CrmError, match="не пуст"):
        restore(result.path, pg_url(pg_names[-1]))
    pg_names.append(new_pg_database())
    restored = restore(result.path, pg_url(pg_names[-1]))
    assert restored.clients == 5 and restored.method == ("pg_restore" if with_pg_dump
                                                          else "exchange")
    dst = make_engine(pg_url(pg_names[-1]))
    assert count(dst) == 5 and count(dst, ClientPhone) == 5
    add_clients(dst, 1, "После")  # sequences continue past the restored rows
    assert count(dst) == 6
    dst.dispose()
    src.dispose()
    if not with_pg_dump:  # the exchange dump also goes into SQLite
        back = restore(result.path, str(tmp_path / "from-pg.sqlite"))
        assert back.clients == 5


def test_big_sqlite_copies_get_the_quick_check_unless_asked(sqlite_engine, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr(backups, "FULL_CHECK_BYTES", 0)
    quick = backup(sqlite_engine, to_dir=tmp_path / "q")
    assert quick.ok and "(quick_check): ok" in quick.message
    full = backup(sqlite_engine, to_dir=tmp_path / "f", check="full")
    assert full.ok and "(integrity_check): ok" in full.message


@pytest.mark.pg
def test_sqlite_copy_restores_into_an_empty_postgres_database(sqlite_engine, pg_names, tmp_path):
    add_clients(sqlite_engine, 4)
    copy = backup(sqlite_engine, to_dir=tmp_path)
    pg_names.append(new_pg_database())
    result = restore(copy.path, pg_url(pg_names[-1]))
    assert (result.method, result.clients) == ("sqlite", 4)
    dst = make_engine(pg_url(pg_names[-1]))
    assert count(dst, ClientPhone) == 4
    dst.dispose()
