"""Every class of failure that escapes the rules ends as one message with what to do — on the
command line (one line, exit code 1) and on the desktop (a message box) — never a traceback.

The failures are real ones: a server that does not answer, a host that does not exist, a
database missing on the running PostgreSQL server, PostgreSQL refusing a value, SQLite
finding a duplicate or its file locked, /dev/full, Decimal and date arithmetic.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError

from crmdesk import cli
from crmdesk.db import make_engine
from crmdesk.services.errors import CrmError, friendly

PG_ADMIN = os.environ.get("CRMDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def caught(run):
    try:
        run()
    except BaseException as exc:  # noqa: BLE001
        return exc
    raise AssertionError("no error raised")


def _connect(url):
    def run():
        engine = make_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()

    return caught(run)


def _pg(sql: str):
    def run():
        engine = make_engine(PG_ADMIN)
        try:
            with engine.begin() as conn:
                for statement in sql.split(";"):
                    conn.execute(text(statement))
        finally:
            engine.dispose()

    return caught(run)


def _no_rights_on_the_server():
    """A login role the server knows that has no right on the table it reads."""
    import uuid

    from sqlalchemy.engine import make_url

    role, table = f"crm_role_{uuid.uuid4().hex[:6]}", f"crm_t_{uuid.uuid4().hex[:6]}"
    admin = make_engine(PG_ADMIN)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"CREATE TABLE {table} (x int)"))
    try:
        url = make_url(PG_ADMIN).set(username=role).render_as_string(hide_password=False)
        return caught(lambda: _read(url, f"SELECT * FROM {table}"))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def _read(url, sql):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _sqlite_duplicate(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'dup.sqlite'}")

    def run():
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (login TEXT UNIQUE)"))
            conn.execute(text("INSERT INTO t VALUES ('ivanov'), ('ivanov')"))

    exc = caught(run)
    engine.dispose()
    return exc


def _sqlite_locked(tmp_path):
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})

    def run():
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))

    exc = caught(run)
    holder.rollback()
    holder.close()
    engine.dispose()
    return exc


def _full_disk():
    def run():
        with open("/dev/full", "w") as f:
            f.write("x" * 10)
            f.flush()

    return caught(run)


# (name, producer(tmp_path) -> exception, what the message must say, needs PostgreSQL)
CASES = [
    ("refused", lambda t: _connect("postgresql+psycopg://postgres:Pw-123@127.0.0.1:1/crm"),
     "сервер не отвечает", False),
    ("no such host", lambda t: _connect("postgresql+psycopg://u:Pw-123@nosuch.invalid/crm"),
     "имя сервера не найдено", False),
    ("no such database", lambda t: _connect(PG_ADMIN.rsplit("/", 1)[0] + "/no_such_db_x"),
     "нет базы данных «no_such_db_x»", True),
    ("DataError: not a number", lambda t: _pg("SELECT 'abc'::int"),
     "значение не того вида", True),
    ("DataError: too long",
     lambda t: _pg("CREATE TEMP TABLE t (v varchar(3)); INSERT INTO t VALUES ('abcd')"),
     "строка длиннее 3 символов", True),
    ("DataError: overflow", lambda t: _pg("SELECT 99999999999::numeric(5, 2)"),
     "вне допустимого диапазона", True),
    ("no rights on the server", lambda t: _no_rights_on_the_server(),
     "не хватает прав на сервере", True),
    ("IntegrityError", _sqlite_duplicate, "Такая запись уже есть", False),
    ("locked", _sqlite_locked, "занята другим пользователем", False),
    ("StaleDataError", lambda t: StaleDataError("UPDATE statement on table 'clients' "
                                                "expected to update 1 row(s); 0 were matched."),
     "уже изменён другим пользователем", False),
    ("full disk", lambda t: _full_disk(), "Нет места на диске", False),
    ("no rights", lambda t: PermissionError(errno.EACCES, "Permission denied", "/srv/x.xlsx"),
     "Нет прав на файл или папку (/srv/x.xlsx)", False),
    ("overflow", lambda t: caught(lambda: date(9999, 12, 31) + timedelta(days=1)),
     "Число слишком велико", False),
    ("InvalidOperation", lambda t: caught(lambda: Decimal("12,5 руб")),
     "заполнено неверно", False),
    ("NaN", lambda t: caught(lambda: int(float("nan"))), "не является числом", False),
    ("bad date", lambda t: caught(lambda: date(2026, 2, 30)), "Дата заполнена неверно", False),
]


@pytest.fixture(params=CASES, ids=[c[0] for c in CASES])
def failure(request, tmp_path, pg_available):
    name, make, expected, needs_pg = request.param
    if needs_pg and not pg_available:
        pytest.skip("no PostgreSQL server answers")
    exc = make(tmp_path)
    assert not isinstance(exc, CrmError)  # a raw library or system error
    return exc, expected


def test_friendly_names_what_failed_and_never_a_password(failure):
    exc, expected = failure
    message = friendly(exc)
    assert isinstance(message, CrmError)
    assert expected in str(message)
    assert "Pw-123" not in str(message) and "Traceback" not in str(message)


def test_the_command_line_prints_one_message_and_exits_1(failure, monkeypatch, capsys):
    exc, expected = failure

    def run(_args):
        raise exc

    monkeypatch.setattr(cli, "run", run)
    assert cli.main(["list", "clients"]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("Ошибка: ") and expected in out.err
    assert out.err.count("\n") == 1 and "Pw-123" not in out.err
    assert cli.main(["list", "clients", "--json"]) == 1
    assert expected in json.loads(capsys.readouterr().out)["error"]


def test_the_desktop_shows_a_message_box(failure, monkeypatch, qapp):
    from PySide6.QtWidgets import QMessageBox

    from crmdesk import app
    from crmdesk.ui.generic.base import show_error

    exc, expected = failure
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    app.excepthook(type(exc), exc, exc.__traceback__)  # what escapes a slot
    show_error(None, exc)  # what a form catches
    assert len(shown) == 2
    for text_ in shown:
        assert expected in text_ and "Pw-123" not in text_ and "Traceback" not in text_


def test_a_real_unreachable_server_from_a_real_process():
    proc = subprocess.run(
        [sys.executable, "-m", "crmdesk", "--db",
         "postgresql://office:Pw-123@127.0.0.1:1/crm", "list", "clients"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("Ошибка: Не удалось подключиться к базе (PostgreSQL: "
                                  "127.0.0.1:1/crm): сервер не отвечает.")
    assert "Pw-123" not in proc.stderr and "Traceback" not in proc.stderr


def test_an_unforeseen_error_is_logged_privately_not_shown(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path))

    def run(_args):
        raise KeyError("password=Pw-123")

    monkeypatch.setattr(cli, "run", run)
    assert cli.main(["list", "clients"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Ошибка: Непредвиденная ошибка (KeyError") and "Traceback" not in err
    assert "Pw-123" not in err
    log = tmp_path / "crmdesk-errors.log"
    assert "Traceback" in log.read_text() and "Pw-123" not in log.read_text()
    assert oct(log.stat().st_mode & 0o777) == "0o600"
