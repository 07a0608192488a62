"""crmdesk sessions list|end and crmdesk pg-backup (a real pg_dump restored into a scratch
database of the real server) — through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from crmdesk.models import Client
from crmdesk.services.clients import create_client
from crmdesk.services.sessions import heartbeat, start_session


def crm(engine, *args, ok=True):
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "CRMDESK_DB": url, "CRMDESK_TEST_SCRYPT_N": "1024"}
    proc = subprocess.run([sys.executable, "-m", "crmdesk", *args], capture_output=True,
                          text=True, env=env, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_sessions_list_and_end(uow, team):
    with uow("ivanov") as ctx:
        sid = start_session(ctx.session, ctx.user.id, computer="БУХГАЛТЕРИЯ-2")
    rows = json.loads(crm(team, "sessions", "list", "--json").stdout)
    assert [(r["login"], r["computer"], r["alive"]) for r in rows] == [
        ("ivanov", "БУХГАЛТЕРИЯ-2", True)]
    denied = crm(team, "sessions", "end", str(sid), "--user", "ivanov", ok=False)
    assert denied.returncode == 1 and "Traceback" not in denied.stderr
    out = crm(team, "sessions", "end", str(sid), "--reason", "обновление программы").stdout
    assert f"Сеанс {sid} завершён" in out
    assert "обновление программы" in str(heartbeat(team, sid))
    again = crm(team, "sessions", "end", str(sid), ok=False)
    assert again.returncode == 1 and "уже завершён" in again.stderr
    assert json.loads(crm(team, "sessions", "list", "--json").stdout) == []


def test_pg_backup_is_checked_by_restoring(uow, team, tmp_path):
    if team.dialect.name != "postgresql":
        refused = crm(team, "pg-backup", "--to", str(tmp_path), ok=False)
        assert refused.returncode == 1 and "crmdesk backup" in refused.stderr
        return
    with uow("ivanov") as ctx:
        for i in range(3):
            create_client(ctx, {"name": f"ООО «Копия {i}»", "kind": "company"})
    out = json.loads(crm(team, "pg-backup", "--to", str(tmp_path), "--json").stdout)
    assert out["ok"] and out["method"] == "pg_dump"
    assert out["verified"]["clients"] == 3
    dump = tmp_path / os.path.basename(out["file"])
    assert dump.is_file()
    text = crm(team, "pg-backup", "--check", str(dump)).stdout
    assert "восстанавливается: клиентов 3" in text
    # a damaged copy is caught the night it is made
    broken = tmp_path / "crmdesk-broken.dump"
    broken.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    bad = crm(team, "pg-backup", "--check", str(broken), ok=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "НЕ восстанавливается" in bad.stderr, bad.stderr
    with uow() as ctx:  # the working base is untouched
        assert len(ctx.session.scalars(select(Client)).all()) == 3


@pytest.mark.parametrize("engine", ["pg"], indirect=True)
def test_no_scratch_database_is_left_behind(uow, team, tmp_path):
    from sqlalchemy import text

    from crmdesk.services.pg_backup import _admin_engine, scheduled_backup

    scheduled_backup(team, tmp_path)
    admin = _admin_engine(team.url)
    try:
        with admin.connect() as conn:
            left = conn.scalars(text(
                "SELECT datname FROM pg_database WHERE datname LIKE 'crmdesk_verify_%'")).all()
    finally:
        admin.dispose()
    assert left == []
