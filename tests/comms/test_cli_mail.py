"""The command line: mail account, send, fetch; sms; templates; mailing; list leads."""

from __future__ import annotations

import json

import pytest

from crmdesk.cli import main
from crmdesk.services.settings import set_setting


@pytest.fixture
def cli(office, team, keyring_store, capsys, monkeypatch):
    with office.uow() as ctx:
        set_setting(ctx.session, "allow_empty_passwords", True)  # a one-person office
    monkeypatch.setenv("CRMDESK_PASSWORD", "")
    url = team.url.render_as_string(hide_password=False)

    def run(*args, code=0):
        capsys.readouterr()
        rc = main(["--db", url, *args])
        out, err = capsys.readouterr()
        assert rc == code, (out, err)
        return json.loads(out) if "--json" in args and rc == 0 else (out + err)

    return run


def test_account_and_sending_an_invoice(cli, office, smtp_server):
    out = cli("mail", "account", "--smtp", f"smtp://127.0.0.1:{smtp_server.port}",
              "--from", "office@teplodom.example")
    assert "Общая почта офиса" in out
    sent = cli("mail", "send", "invoice", "1", "--to", "kotova@stroymarket.example",
               "--format", "xlsx", "--json")
    assert sent["document"] == office.invoice_number
    assert sent["to"] == "kotova@stroymarket.example"
    (_, rcpts, msg), = smtp_server.items
    assert [p.get_filename() for p in msg.iter_attachments()][0].endswith(".xlsx")
    err = cli("mail", "send", "invoice", "777", code=1)
    assert "Документ № 777 (invoice) не найден" in err and "Traceback" not in err
    history = cli("list", "interactions", "--json")
    assert history[0]["kind_text"] == "Исходящее письмо"


def test_templates_list_and_preview(cli, office):
    names = {t["name"] for t in cli("templates", "list", "--json")}
    assert {"Счёт отправлен", "Напоминание о долге", "Поздравление с днём рождения",
            "Заявка зарегистрирована"} <= names
    text = cli("templates", "preview", "Напоминание о долге", "--client", str(office.market))
    assert "задолженность 90 000,00 руб." in text


def test_login_account_takes_the_password_from_the_environment(cli, monkeypatch,
                                                               smtp_server, keyring_store):
    monkeypatch.delenv("CRMDESK_MAIL_PASSWORD", raising=False)
    err = cli("mail", "account", "--smtp", "smtps://office@smtp.example:465",
              "--from", "office@teplodom.example", code=1)
    assert "CRMDESK_MAIL_PASSWORD" in err
    monkeypatch.setenv("CRMDESK_MAIL_PASSWORD", "s3cret-Пароль")
    cli("mail", "account", "--smtp", "smtps://office@smtp.example:465",
        "--from", "office@teplodom.example")
    assert "s3cret-Пароль" in keyring_store.items.values()


def test_sms_provider_and_one_message(cli, office, sms_server, monkeypatch):
    monkeypatch.setenv("CRMDESK_SMS_KEY", "test-key")
    extra = ["--login", "office"] if sms_server.kind == "smsc" else []
    cli("sms", "provider", sms_server.kind, "--url", sms_server.url, "--sender", "TeploDom",
        *extra)
    row = cli("sms", "send", "+79161112233", "Ваш заказ готов", "--client", str(office.market),
              "--json")
    assert row["status"] == "sent" and row["parts"] == 1
    sms_server.errors["79160000000"] = 202 if sms_server.kind == "smsru" else 7
    out = cli("sms", "send", "+79160000000", "Ваш заказ готов", code=1)
    assert "номер" in out


def test_mailing_dry_run_then_run(cli, office, smtp_server):
    cli("mail", "account", "--smtp", f"smtp://127.0.0.1:{smtp_server.port}",
        "--from", "office@teplodom.example")
    look = cli("mailing", "run", "--template", "Заявка зарегистрирована", "--dry-run", "--json")
    assert sorted(r["status"] for r in look["recipients"]) == ["would_send", "would_send"]
    assert smtp_server.items == []
    done = cli("mailing", "run", "--template", "Заявка зарегистрирована", "--json")
    assert done["counts"] == {"sent": 2}
    assert {r["address"] for r in done["recipients"]} == {"zakaz@stroymarket.example",
                                                          "logist@agrosnab.example"}


def test_fetch_and_leads(cli, office, mailbox, smtp_server, monkeypatch, tmp_path):
    from pathlib import Path

    monkeypatch.setenv("CRMDESK_MAIL_PASSWORD", mailbox.password)
    cli("mail", "account", "--smtp", f"smtp://127.0.0.1:{smtp_server.port}",
        "--imap", f"imap://office@127.0.0.1:{mailbox.port}", "--from", "office@teplodom.example",
        "--lead-manager", "ivanov", "--check")
    samples = Path(__file__).resolve().parent / "samples"
    mailbox.deliver((samples / "05_unknown_sender_lead.eml").read_bytes())
    mailbox.deliver((samples / "01_cp1251_quoted_printable.eml").read_bytes())
    got = cli("mail", "fetch", "--json")
    assert sorted(g["kind"] for g in got) == ["interaction", "lead"]
    assert cli("mail", "fetch", "--json") == []
    (lead,) = cli("list", "leads", "--json")
    assert (lead["name"], lead["phone"], lead["manager"]) == ("Андрей", "+79165554433", "ivanov")
    out = cli("leads", "convert", str(lead["id"]))
    assert "Создан клиент «Андрей»" in out
    assert cli("list", "leads", "--json")[0]["status"] == "converted"


def test_consent_from_the_command_line(cli, office):
    row = cli("mailing", "consent", str(office.market), "--email", "yes", "--json")
    assert row == {"name": "ООО «СтройМаркет»", "consent_email": True, "consent_sms": False,
                   "opt_out_at": None}
    out = cli("mailing", "consent", str(office.market), "--contact", str(office.kotova),
              "--opt-out")
    assert "Котова Ирина Сергеевна: e-mail — нет, SMS — нет, отказ с" in out
    err = cli("mailing", "consent", "424242", "--sms", "yes", code=1)
    assert "Клиент с кодом 424242 не найден" in err
