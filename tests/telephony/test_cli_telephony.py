"""The telephony commands, each a separate process as a script or a service runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fakeami import wait_for
from sqlalchemy import text

from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from tests.telephony.conftest import ANSWERED_FROM


def crm(url, *args, ok=True, secret="s3cret", **kw):
    env = {**os.environ, "CRMDESK_DB": url, "CRMDESK_NO_KEYRING": "1", "CRMDESK_PASSWORD": ""}
    env.pop("CRMDESK_AMI_SECRET", None)
    if secret:
        env["CRMDESK_AMI_SECRET"] = secret
    proc = subprocess.run([sys.executable, "-m", "crmdesk", *args], capture_output=True,
                          text=True, env=env, timeout=120, stdin=subprocess.DEVNULL, **kw)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def _url(engine):
    """The database's URL for the commands; its users sign in without a password (the
    sign-in rules are tested elsewhere)."""
    from crmdesk.services.settings import set_setting

    with unit_of_work(engine) as ctx:
        set_setting(ctx.session, "allow_empty_passwords", True)
    return engine.url.render_as_string(hide_password=False)


def test_setup_extension_event_and_lists(team, ami):
    with unit_of_work(team) as ctx:
        create_client(ctx, {"name": "ООО «Ромашка»", "phones": [ANSWERED_FROM]})
    url = _url(team)
    out = crm(url, "telephony", "setup", "--host", "127.0.0.1", "--port", str(ami.port),
              "--ami-user", "crm", "--check").stdout
    assert f"127.0.0.1:{ami.port}" in out and "CRMDESK_AMI_SECRET" in out
    with team.connect() as conn:  # the secret is nowhere in the database
        values = [str(v) for (v,) in conn.execute(text("SELECT value FROM settings"))]
    assert values and not any("s3cret" in v for v in values)
    no_secret = crm(url, "telephony", "setup", "--host", "h", "--ami-user", "crm", ok=False,
                    secret=None)
    assert no_secret.returncode == 1 and "CRMDESK_AMI_SECRET" in no_secret.stderr
    assert "Traceback" not in no_secret.stderr

    assert "101" in crm(url, "users", "extension", "ivanov", "101").stdout
    bad = crm(url, "users", "extension", "petrov", "101", ok=False)
    assert bad.returncode == 1 and "уже у пользователя ivanov" in bad.stderr

    ring = json.loads(crm(url, "call", "event", "--direction", "in", "--number", "89131234567",
                          "--ext", "101", "--state", "ringing", "--json").stdout)
    assert ring["client"] == "ООО «Ромашка»" and ring["state"] == "Звонит"
    crm(url, "call", "event", "--direction", "in", "--number", "89131234567", "--ext", "101",
        "--state", "ended", "--id", ring["call_id"])
    missed = json.loads(crm(url, "list", "calls", "--missed", "--json").stdout)
    assert [m["number"] for m in missed] == ["+7 (913) 123-45-67"]
    crm(url, "call", "event", "--direction", "in", "--number", "+79131234567", "--ext", "101",
        "--state", "ended", "--duration", "30", "--id", "x2")
    assert json.loads(crm(url, "list", "calls", "--missed", "--json").stdout) == []
    table = crm(url, "list", "calls").stdout
    assert "Отвечен" in table and "Пропущен" in table
    wrong = crm(url, "call", "event", "--direction", "in", "--number", "abc", "--ext", "x",
                "--state", "ringing", ok=False)
    assert wrong.returncode == 1 and "«Внутренний номер»" in wrong.stderr


def test_headless_run_records_calls_and_dial_rings_the_extension(pbx, ami):
    url = _url(pbx)
    env = {**os.environ, "CRMDESK_DB": url, "CRMDESK_NO_KEYRING": "1", "CRMDESK_PASSWORD": "",
           "CRMDESK_AMI_SECRET": "s3cret"}
    run = subprocess.Popen([sys.executable, "-m", "crmdesk", "telephony", "run", "--once-for",
                            "20"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        ami.wait_clients(1, timeout=20)
        ami.play("incoming_answered")
        dialled = crm(url, "call", "dial", "+7 913 123 45 67", "--user", "ivanov").stdout
        assert "101" in dialled and "89131234567" in dialled

        def two_calls():
            rows = json.loads(crm(url, "list", "calls", "--json").stdout)
            return rows if len(rows) == 2 and all(r["duration_sec"] for r in rows) else None

        rows = wait_for(two_calls, timeout=20, what="two logged calls")
    finally:
        run.terminate()
        out, err = run.communicate(timeout=20)
    assert run.returncode == 0, err
    assert {(r["direction"], r["duration_sec"]) for r in rows} == {("Входящий", 125),
                                                                  ("Исходящий", 47)}
    assert "connected" in err


def test_headless_run_with_a_wrong_secret_says_so_once(pbx, ami):
    proc = crm(_url(pbx), "telephony", "run", "--once-for", "1", ok=False, secret="nope")
    assert proc.returncode == 1 and "Authentication failed" in proc.stderr
    assert "Traceback" not in proc.stderr
