"""The mail password and the SMS key never reach the database, a dump or an error text."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from crmdesk.services import mail, secrets, sms
from crmdesk.services.exchange import dump

PASSWORD = "Пароль-почты-7731"
KEY = "sms-key-0c1d2e3f"


def test_secrets_are_only_referenced(office, team, keyring_store, tmp_path):
    with office.uow() as ctx:
        account, where = mail.set_account(ctx, "smtps://office@smtp.example:465",
                                          "office@teplodom.example", password=PASSWORD)
        provider, _ = sms.set_provider(ctx, "smsru", KEY, "https://sms.example", "TeploDom")
        ref = account.secret_ref
    assert where == "keyring" and keyring_store.items[("crmdesk", ref)] == PASSWORD
    dump(team, tmp_path / "dump.json")
    data = (tmp_path / "dump.json").read_text(encoding="utf-8")
    assert PASSWORD not in data and KEY not in data and ref in data
    with team.connect() as conn:
        for table in ("mail_accounts", "sms_providers", "settings"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                assert PASSWORD not in str(row) and KEY not in str(row)
    if team.dialect.name == "sqlite":
        team.dispose()
        raw = Path(team.url.database).read_bytes()
        wal = Path(team.url.database + "-wal")
        raw += wal.read_bytes() if wal.exists() else b""
        assert PASSWORD.encode() not in raw and KEY.encode() not in raw


def test_without_a_system_store_it_is_kept_for_this_session_only(office, monkeypatch):
    secrets.use_backend(None)
    monkeypatch.setenv("CRMDESK_NO_KEYRING", "1")
    secrets._keyring_state.clear()
    try:
        with office.uow() as ctx:
            account, where = mail.set_account(ctx, "smtps://office@smtp.example:465",
                                              "office@teplodom.example", password=PASSWORD)
            assert where == "memory"
            assert mail.smtp_settings(account).password == PASSWORD
            secrets.forget_secret(account.secret_ref)  # the program was closed
            monkeypatch.delenv("CRMDESK_MAIL_PASSWORD", raising=False)
            try:
                mail.smtp_settings(account)
            except secrets.SecretMissing as exc:
                assert "CRMDESK_MAIL_PASSWORD" in str(exc) and PASSWORD not in str(exc)
            else:
                raise AssertionError("a forgotten password must be asked for again")
    finally:
        secrets._keyring_state.clear()
