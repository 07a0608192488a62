"""The command line as a gate: who runs a command, on which database, and what it prints."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
from sqlalchemy import select

from crmdesk.cli import main
from crmdesk.db import make_engine
from crmdesk.models import User
from crmdesk.services.context import unit_of_work
from crmdesk.services.users import create_user, set_password

PG_ADMIN = os.environ.get("CRMDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def empty_pg(pg_available):
    """The URL of a new PostgreSQL database without any table."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    if not pg_available:
        pytest.skip("no PostgreSQL server answers")
    admin = make_url(PG_ADMIN)
    info = dict(host=admin.host, port=admin.port or 5432, user=admin.username,
                dbname=admin.database)
    name = f"crmdesk_acc_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**info, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**info, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def old_hash(password: str, n: int) -> str:
    """A hash of a lower scrypt cost, as older versions made them."""
    import base64
    import hashlib

    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}$8$1${b64(salt).decode()}${b64(key).decode()}"


def crm(*args, env=None, stdin=subprocess.DEVNULL):
    """A separate process, as a user's terminal or script runs it."""
    full = {**os.environ, "CRMDESK_TEST_SCRYPT_N": "1024", **(env or {})}
    full.pop("CRMDESK_DB", None)
    for key, value in list(full.items()):
        if value is None:
            full.pop(key)
    return subprocess.run(
        [sys.executable, "-m", "crmdesk", *args],
        capture_output=True, text=True, env=full, timeout=300, stdin=stdin,
    )


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setenv("CRMDESK_TEST_SCRYPT_N", "1024")
    monkeypatch.delenv("CRMDESK_PASSWORD", raising=False)


@pytest.fixture
def office(tmp_path, sqlite_template):
    """An office database: the administrator and a manager have passwords."""
    path = tmp_path / "office.sqlite"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with unit_of_work(engine) as ctx:
        set_password(ctx.session, "admin", "админ-1")
        create_user(ctx.session, "ivanov", "Иванов Иван", "manager", password="иван-1")
        create_user(ctx.session, "nopass", "Без Пароля", "manager")
    engine.dispose()
    return str(path)


def test_a_mistyped_path_is_never_created(tmp_path):
    typo = tmp_path / "typo" / "x.sqlite"
    for command in (["list", "clients"], ["report", "receivables"], ["dump", "d.json"],
                    ["backup", "--to", str(tmp_path / "b")]):
        proc = crm("--db", str(typo), *command)
        assert proc.returncode == 1, command
        assert "не существует" in proc.stderr or "не найдена" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "typo").exists()


def test_commands_that_create_a_database_may(tmp_path):
    new = tmp_path / "new" / "crm.sqlite"
    proc = crm("--db", str(new), "db", "upgrade")
    assert proc.returncode == 0, proc.stderr
    assert "нет пароля" in proc.stderr  # said how to give the administrator one
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert crm("--db", str(new), "list", "clients").stdout.strip() == "(нет записей)"


def test_db_upgrade_gives_a_new_administrator_the_password(tmp_path):
    new = tmp_path / "crm.sqlite"
    proc = crm("--db", str(new), "db", "upgrade", env={"CRMDESK_PASSWORD": "перв-1"})
    assert proc.returncode == 0 and "нет пароля" not in proc.stderr
    assert crm("--db", str(new), "list", "users").returncode == 1
    ok = crm("--db", str(new), "list", "users", env={"CRMDESK_PASSWORD": "перв-1"})
    assert ok.returncode == 0 and "admin" in ok.stdout


def test_a_server_database_without_the_schema_is_not_made_one(empty_pg):
    from sqlalchemy import inspect

    proc = crm("--db", empty_pg, "list", "clients")
    assert proc.returncode == 1
    assert "схема не создана" in proc.stderr and "Traceback" not in proc.stderr
    probe = make_engine(empty_pg)
    assert inspect(probe).get_table_names() == []
    probe.dispose()


def test_load_accepts_what_db_upgrade_just_prepared(tmp_path, office):
    dump = tmp_path / "office.json"
    assert crm("--db", office, "dump", str(dump),
               env={"CRMDESK_PASSWORD": "админ-1"}).returncode == 0
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.sqlite"
    assert crm("--db", str(fresh), "db", "upgrade").returncode == 0
    proc = crm("--db", str(fresh), "load", str(dump))
    assert proc.returncode == 0, proc.stderr
    again = crm("--db", str(fresh), "load", str(dump), env={"CRMDESK_PASSWORD": "админ-1"})
    assert again.returncode == 1 and "База данных не пуста" in again.stderr
    engine = make_engine(f"sqlite:///{fresh}")
    with engine.connect() as conn:
        logins = set(conn.scalars(select(User.login)))
    engine.dispose()
    assert logins == {"admin", "ivanov", "nopass"}


def test_a_password_is_asked_of_whoever_has_one(office):
    no = crm("--db", office, "--user", "ivanov", "list", "clients")
    assert no.returncode == 1 and "CRMDESK_PASSWORD" in no.stderr
    wrong = crm("--db", office, "--user", "ivanov", "list", "clients",
                env={"CRMDESK_PASSWORD": "не тот"})
    assert wrong.returncode == 1
    assert "Неверное имя пользователя или пароль" in wrong.stderr
    right = crm("--db", office, "--user", "ivanov", "list", "clients",
                env={"CRMDESK_PASSWORD": "иван-1"})
    assert right.returncode == 0, right.stderr
    # without --user the command runs as the administrator: the administrator's password
    assert crm("--db", office, "list", "clients").returncode == 1
    assert crm("--db", office, "list", "clients",
               env={"CRMDESK_PASSWORD": "админ-1"}).returncode == 0


def test_a_user_without_a_password_where_others_have_one(office):
    proc = crm("--db", office, "--user", "nopass", "list", "clients")
    assert proc.returncode == 1 and "вход без пароля запрещён" in proc.stderr
    admin = {"CRMDESK_PASSWORD": "админ-1"}
    assert crm("--db", office, "settings", "set", "allow_empty_passwords", "on",
               env=admin).returncode == 0
    assert crm("--db", office, "--user", "nopass", "list", "clients").returncode == 0
    refused = crm("--db", office, "--user", "nopass", "settings", "set",
                  "allow_empty_passwords", "off")
    assert refused.returncode == 1 and "Администрирование" in refused.stderr


def test_the_administrator_sets_a_password(office):
    admin = {"CRMDESK_PASSWORD": "админ-1", "CRMDESK_NEW_PASSWORD": "новый-2"}
    proc = crm("--db", office, "users", "password", "nopass", env=admin)
    assert proc.returncode == 0, proc.stderr
    assert crm("--db", office, "--user", "nopass", "list", "clients",
               env={"CRMDESK_PASSWORD": "новый-2"}).returncode == 0
    by_manager = crm("--db", office, "--user", "ivanov", "users", "password", "nopass",
                     env={"CRMDESK_PASSWORD": "иван-1", "CRMDESK_NEW_PASSWORD": "x"})
    assert by_manager.returncode == 1 and "Администрирование" in by_manager.stderr


def test_a_login_that_does_not_exist_runs_nothing(office, tmp_path):
    for command in (["backup", "--to", str(tmp_path / "b")], ["dump", str(tmp_path / "d")],
                    ["demo", "--clients", "3"], ["db", "copy", "--to", str(tmp_path / "c")]):
        proc = crm("--db", office, "--user", "nobody", *command)
        assert proc.returncode == 1, command
        assert "Пользователь «nobody» не найден" in proc.stderr
    assert not (tmp_path / "b").exists() and not (tmp_path / "d").exists()


def test_an_old_hash_is_replaced_when_the_command_line_signs_in(office):
    engine = make_engine(f"sqlite:///{office}")
    with unit_of_work(engine) as ctx:
        ctx.session.scalar(select(User).where(User.login == "ivanov")).password_hash = old_hash(
            "старый", n=2**10
        )
    proc = crm("--db", office, "--user", "ivanov", "list", "clients",
               env={"CRMDESK_PASSWORD": "старый", "CRMDESK_TEST_SCRYPT_N": "2048"})
    assert proc.returncode == 0, proc.stderr
    with engine.connect() as conn:
        stored = conn.scalar(select(User.password_hash).where(User.login == "ivanov"))
    engine.dispose()
    assert stored.split("$")[1] == "2048"


def test_demo_prints_its_users_and_how_they_sign_in(tmp_path):
    db = tmp_path / "demo.sqlite"
    proc = crm("--db", str(db), "demo", "--clients", "5")
    assert proc.returncode == 0, proc.stderr
    assert "admin (admin) — без пароля" in proc.stdout
    assert "ivanov (manager) — пароль demo" in proc.stdout
    assert "allow_empty_passwords" in proc.stdout
    data = json.loads(crm("--db", str(db), "list", "clients", "--json").stdout)
    assert data and all(p.startswith("+") and p[1:].isdigit() for r in data for p in r["phones"])
    assert all(len(r["phone_exts"]) == len(r["phones"]) for r in data)
    table = crm("--db", str(db), "list", "clients").stdout
    assert "+7 (" in table  # people read the readable form


def test_a_closed_pipe_ends_quietly(tmp_path):
    db = tmp_path / "demo.sqlite"
    assert crm("--db", str(db), "demo", "--clients", "60").returncode == 0
    proc = subprocess.run(
        f'"{sys.executable}" -m crmdesk --db "{db}" list clients --limit 60 --json | head -c 10',
        shell=True, capture_output=True, text=True, timeout=120,
        env={**os.environ, "CRMDESK_TEST_SCRYPT_N": "1024"},
    )
    assert proc.stdout.startswith("[")
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


def test_backup_and_restore_are_the_administrators(office, tmp_path):
    admin = {"CRMDESK_PASSWORD": "админ-1"}
    manager = {"CRMDESK_PASSWORD": "иван-1"}
    refused = crm("--db", office, "--user", "ivanov", "backup", "--to", str(tmp_path / "b"),
                  env=manager)
    assert refused.returncode == 1 and "Администрирование" in refused.stderr
    proc = crm("--db", office, "backup", "--to", str(tmp_path / "b"), "--json", env=admin)
    assert proc.returncode == 0, proc.stderr
    copy = json.loads(proc.stdout)["file"]
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    over = crm("--db", office, "--user", "ivanov", "restore", copy, env=manager)
    assert over.returncode == 1 and "Администрирование" in over.stderr
    elsewhere = tmp_path / "restored.sqlite"
    done = crm("--db", office, "restore", copy, "--to", str(elsewhere), env=admin)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600


def test_restore_never_prints_the_server_password(tmp_path, office, empty_pg):
    from sqlalchemy.engine import make_url

    admin = {"CRMDESK_PASSWORD": "админ-1"}
    copy = tmp_path / "office.json"  # an exchange file restores into PostgreSQL as well
    assert crm("--db", office, "dump", str(copy), env=admin).returncode == 0
    url = make_url(empty_pg).set(password="Sekr3t-pw").render_as_string(hide_password=False)
    done = crm("restore", str(copy), "--to", url, "--json", env=admin)
    assert done.returncode == 0, done.stderr
    assert "Sekr3t-pw" not in done.stdout + done.stderr
    assert json.loads(done.stdout)["url"].count("***") == 1


def test_main_returns_one_for_a_refusal(office, capsys):
    code = main(["--db", office, "--user", "nobody", "list", "clients", "--json"])
    assert code == 1
    assert json.loads(capsys.readouterr().out) == {
        "error": "Пользователь «nobody» не найден или отключён."
    }


def test_reading_signs_in_while_an_import_holds_the_write_lock(office):
    """Signing in reads; it must not wait for a writer (an import, a backup) on SQLite."""
    import sqlite3

    writer = sqlite3.connect(office, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE settings SET value = value")
    try:
        result = crm("--db", office, "--json", "list", "clients",
                     env={"CRMDESK_PASSWORD": "админ-1"})
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
