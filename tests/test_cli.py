"""The command line, run as a user would run it: a separate process per command."""

import json
import os
import subprocess
import sys

import pytest


def crm(db, *args, ok=True, password=None):
    env = {**os.environ, "CRMDESK_DB": db, "CRMDESK_TEST_SCRYPT_N": "1024"}
    if password is not None:
        env["CRMDESK_PASSWORD"] = password
    proc = subprocess.run(
        [sys.executable, "-m", "crmdesk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'demo.sqlite'}"
    crm(db, "db", "upgrade")
    crm(db, "demo", "--clients", "60", "--seed", "7")
    return db


def test_list_clients_as_json_has_key_fields(demo_db):
    rows = json.loads(crm(demo_db, "list", "clients", "--limit", "5", "--json").stdout)
    assert len(rows) == 5
    assert set(rows[0]) >= {"name", "inn", "phones", "emails", "groups", "owner"}


def test_every_list_works(demo_db):
    for what in ("users", "orders", "invoices", "payments", "proposals", "tasks"):
        rows = json.loads(crm(demo_db, "list", what, "--json").stdout)
        assert rows, what


def test_find_and_caller_id(demo_db):
    first = json.loads(crm(demo_db, "list", "clients", "--limit", "1", "--json").stdout)[0]
    word = first["name"].split()[-1].strip('«»"')[:5]
    found = json.loads(crm(demo_db, "clients", "find", word.upper(), "--json").stdout)
    assert first["id"] in [r["id"] for r in found]
    assert first["phones"][0].startswith("+")  # --json: E.164
    digits = "".join(ch for ch in first["phones"][0] if ch.isdigit())
    national = "8" + digits[1:] if digits.startswith("7") else digits
    callers = json.loads(crm(demo_db, "clients", "by-phone", national, "--json").stdout)
    assert first["id"] in [r["id"] for r in callers]


def test_manager_sees_only_own_clients_from_the_command_line(demo_db):
    users = json.loads(crm(demo_db, "list", "users", "--json").stdout)
    manager = next(u["login"] for u in users if u["role"] == "manager")
    args = ("--user", manager, "list", "clients", "--limit", "500", "--json")
    assert crm(demo_db, *args, ok=False).returncode == 1  # the demo managers have a password
    rows = json.loads(crm(demo_db, *args, password="demo").stdout)
    assert rows and {r["owner"] for r in rows} == {manager}


def test_errors_are_clear_messages_not_tracebacks(demo_db):
    proc = crm(demo_db, "--user", "nobody", "list", "clients", ok=False)
    assert proc.returncode == 1
    assert "Пользователь «nobody» не найден" in proc.stderr and "Traceback" not in proc.stderr


def test_dump_and_load_round_trip(demo_db, tmp_path):
    dump1, dump2 = tmp_path / "a.json", tmp_path / "b.json"
    crm(demo_db, "dump", str(dump1))
    copy = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    crm(copy, "db", "upgrade")
    crm(copy, "load", str(dump1))  # what db upgrade makes counts as empty
    proc = crm(copy, "load", str(dump1), ok=False)
    assert proc.returncode == 1 and "База данных не пуста" in proc.stderr
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    crm(empty, "load", str(dump1))
    crm(empty, "dump", str(dump2))
    a, b = json.loads(dump1.read_text()), json.loads(dump2.read_text())
    assert a["tables"] == b["tables"]
