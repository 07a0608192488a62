"""The rights matrix: every command of the command line, run as the administrator, the head of
sales, a manager and an operator. Each is allowed or refused with one message (never an
unexpected error); the administrator's commands refuse everyone else; and nothing a manager
runs reveals the name, INN, phone or e-mail of a client that belongs to another manager —
not in what it prints, not in its refusals, not in the files it writes.

A command added to the command line without a row here fails ``test_every_command_is_in_the
_matrix``: add its invocation to INVOCATIONS (and to ADMIN_ONLY if it is the administrator's).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from crmdesk.cli import _parser, main
from crmdesk.db import checkpoint, make_engine
from crmdesk.models import Client, ClientEmail, ClientPhone, Document, MessageTemplate, User
from crmdesk.services.context import unit_of_work
from crmdesk.services.demo import generate
from crmdesk.services.settings import set_setting
from crmdesk.services.users import create_user

HIDDEN = {
    "name": "ООО «Тайный Заказчик»",
    "inn": "7728168971",
    "phone": "+74957770011",
    "email": "tajny@secret.example",
}
# how the hidden client's data could show up in text: every form of its phone too
SECRETS = [HIDDEN["name"], "Тайный Заказчик", HIDDEN["inn"], HIDDEN["email"], "7770011",
           "777-00-11", "777‑00‑11"]
ROLES = {  # role → (login, password)
    "admin": ("admin", ""),
    "head": ("smirnova", "demo"),
    "manager": ("ivanov", "demo"),
    "operator": ("oper", "demo"),
}
ADMIN_ONLY = {
    "db copy", "demo", "dump", "load", "backup", "restore", "users password", "settings set",
    "settings show", "sessions list", "sessions end", "pg-backup", "housing", "calendar set",
}

# command → invocations; {tmp}, {invoice}, {client}, {template}, {phone}, {inn} are filled in
INVOCATIONS: dict[str, list[list[str]]] = {
    "db upgrade": [["db", "upgrade"]],
    "db info": [["db", "info"]],
    "db copy": [["db", "copy", "--to", "{tmp}/copy.sqlite"]],
    "demo": [["demo", "--clients", "2"]],
    "list": [],  # one per list source, added below
    "clients find": [["clients", "find", "Тайный"], ["clients", "find", "{inn}"],
                     ["clients", "find", "{phone}"]],
    "clients by-phone": [["clients", "by-phone", "{phone}"]],
    "dump": [["dump", "{tmp}/dump.json"]],
    "load": [["load", "{tmp}/none.json"]],
    "report": [["report", "receivables", "-o", "{tmp}/receivables.xlsx"],
               ["report", "gross-profit", "--by", "client"], ["report", "forecast"],
               ["report", "funnel", "--by", "manager", "-o", "{tmp}/funnel.pdf"],
               ["report", "pipeline"], ["report", "plan-fact"]],
    "deals check-rules": [["deals", "check-rules"]],
    "deals plan": [["deals", "plan", "ivanov", "12.2026", "1000"]],
    "deals received": [["deals", "received", "1"]],
    "print": [["print", "invoice", "{invoice}", "-o", "{tmp}/invoice.pdf"]],
    "import": [["import", "clients", "{tmp}/in.csv", "--dry-run"]],
    "export": [["export", "clients", "{tmp}/clients.csv"]],
    "backup": [["backup", "--to", "{tmp}/backups"]],
    "restore": [["restore", "{tmp}/none.sqlite"]],
    "screenshots": [["screenshots", "{tmp}/shots", "--clients", "2", "--db", "{db}"]],
    "bank import": [["bank", "import", "{tmp}/none.txt"]],
    "contracts list": [["contracts", "list"]],
    "contracts add": [["contracts", "add", "--client", "{client}", "--number", "Д-1",
                       "--date", "01.12.2026"]],
    "contracts link": [["contracts", "link", "1", "{invoice}"]],
    "contracts remind": [["contracts", "remind"]],
    "telephony setup": [["telephony", "setup", "--host", "127.0.0.1", "--port", "1",
                         "--ami-user", "crm"]],
    "telephony run": [["telephony", "run", "--once-for", "0.2"]],
    "call event": [["call", "event", "--direction", "in", "--number", "{phone}", "--ext", "101",
                    "--state", "ringing"]],
    "call dial": [["call", "dial", "{phone}"]],
    "mail account": [["mail", "account", "--smtp", "127.0.0.1:1", "--from", "crm@office.ru"]],
    "mail check": [["mail", "check"]],
    "mail send": [["mail", "send", "invoice", "{invoice}"]],
    "mail fetch": [["mail", "fetch"]],
    "sms provider": [["sms", "provider", "smsru"]],
    "sms send": [["sms", "send", "{phone}", "Здравствуйте"]],
    "sms status": [["sms", "status"]],
    "templates list": [["templates", "list"]],
    "templates preview": [["templates", "preview", "{template}", "--client", "{client}"]],
    "mailing run": [["mailing", "run", "--template", "{template}"]],
    "mailing resume": [["mailing", "resume", "1"]],
    "mailing results": [["mailing", "results", "1"]],
    "mailing consent": [["mailing", "consent", "{client}", "--email", "no"]],
    "leads convert": [["leads", "convert", "1"]],
    "leads reject": [["leads", "reject", "1", "--reason", "спам"]],
    "users extension": [["users", "extension", "ivanov", "105"]],
    "users password": [["users", "password", "ivanov"]],
    "settings set": [["settings", "set", "allow_empty_passwords", "off"]],
    "settings show": [["settings", "show"]],
    "sessions list": [["sessions", "list"]],
    "sessions end": [["sessions", "end", "999"]],
    "pg-backup": [["pg-backup", "--to", "{tmp}/pg"]],
    # service requests and the housing module (crmdesk/commands/service.py)
    "request create": [["request", "create", "--client", "{client}", "--text", "Течёт кран"],
                       ["request", "create", "--phone", "{phone}", "--name", "Ким", "--text",
                        "Нет света"]],
    "request status": [["request", "status", "ЗВ-2026-000001", "in_work"]],
    "request assign": [["request", "assign", "ЗВ-2026-000001", "ivanov"]],
    "request done": [["request", "done", "ЗВ-2026-000001", "--result", "Сделано"]],
    "request attach": [["request", "attach", "ЗВ-2026-000001", "{tmp}/in.csv"]],
    "request check-deadlines": [["request", "check-deadlines"]],
    "request act": [["request", "act", "ЗВ-2026-000001", "-o", "{tmp}/act.pdf"]],
    "readings import": [["readings", "import", "{tmp}/in.csv", "--dry-run"]],
    "readings export": [["readings", "export", "--month", "2026-11", "-o", "{tmp}/r.xlsx"]],
    "housing": [["housing", "off"]],
    "calendar list": [["calendar", "list", "--year", "2026"]],
    "calendar set": [["calendar", "set", "31.12.2027", "holiday", "--name", "Перенос"]],
}


def leaf_commands(parser: argparse.ArgumentParser, prefix=()) -> set[str]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {" ".join(prefix)}
    found: set[str] = set()
    for name, child in subs[0].choices.items():
        found |= leaf_commands(child, (*prefix, name))
    return found


@pytest.fixture(scope="module")
def office(tmp_path_factory, sqlite_template):
    """A demo office; the client «Тайный Заказчик» and its invoice belong to petrov's desk
    (not ivanov's); an operator besides the demo's head and managers."""
    import os

    os.environ.setdefault("CRMDESK_TEST_SCRYPT_N", "1024")
    path = tmp_path_factory.mktemp("matrix") / "office.sqlite"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    generate(engine, clients=25, seed=3)
    with unit_of_work(engine) as ctx:
        s = ctx.session
        set_setting(s, "allow_empty_passwords", True)  # the administrator has none
        create_user(s, "oper", "Оператор Ольга", "operator", password="demo")
        ivanov = s.scalar(select(User).where(User.login == "ivanov"))
        invoice = s.scalar(
            select(Document).join(Client)
            .where(Document.doc_type == "invoice", Client.owner_id != ivanov.id)
            .order_by(Document.id).limit(1)
        )
        client = invoice.client
        client.name = HIDDEN["name"]
        client.full_name = HIDDEN["name"]
        client.inn, client.kpp = HIDDEN["inn"], None
        client.phones.append(ClientPhone(e164=HIDDEN["phone"]))
        client.emails.append(ClientEmail(email=HIDDEN["email"]))
        template = s.scalar(select(MessageTemplate.name).order_by(MessageTemplate.id).limit(1))
        facts = {"invoice": invoice.number, "client": str(client.id),
                 "template": template or "нет-такого", "phone": HIDDEN["phone"],
                 "inn": HIDDEN["inn"], "owner": client.owner.login}
    checkpoint(engine)
    engine.dispose()
    assert facts["owner"] != "ivanov"
    return path, facts


def file_text(path: Path) -> str:
    """What a person would read in a file a command wrote."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
        )
    if path.suffix in (".sqlite", ".png"):
        return ""  # a copy of the database is the administrator's; pictures are not text
    return path.read_bytes().decode("utf-8", "replace")


def run_as(role, argv, office, tmp_path, monkeypatch, capsys):
    path, facts = office
    db = tmp_path / "office.sqlite"
    shutil.copy(path, db)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "in.csv").write_text(
        f"Наименование;ИНН\nКлиент из файла;{facts['inn']}\n", encoding="utf-8"
    )
    login, password = ROLES[role]
    monkeypatch.setenv("CRMDESK_PASSWORD", password)
    monkeypatch.setenv("CRMDESK_NEW_PASSWORD", "новый-1")
    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CRMDESK_TEST_SCRYPT_N", "1024")
    filled = [a.format(tmp=out_dir, db=db, **facts) for a in argv]
    if "--db" not in filled:
        filled = ["--db", str(db), *filled]
    capsys.readouterr()
    code = main(["--user", login, *filled])
    out = capsys.readouterr()
    written = [p for p in out_dir.rglob("*") if p.is_file() and p.name != "in.csv"]
    return code, out.out, out.err, written


KNOWN_DEFECTS: dict[tuple[str, str], str] = {
    # (role, command): what is wrong — strict: fixing it fails the marker
}


def cases():
    for command, invocations in INVOCATIONS.items():
        if command == "list":
            from crmdesk.cli import LIST_SOURCES

            _parser()  # the command modules add their lists
            invocations = [["list", name, "--limit", "500"] for name in LIST_SOURCES]
        for argv in invocations:
            for role in ROLES:
                defect = KNOWN_DEFECTS.get((role, command))
                marks = [pytest.mark.xfail(reason=defect, strict=True)] if defect else []
                yield pytest.param(role, command, argv, id=f"{role}:{' '.join(argv[:3])}",
                                   marks=marks)


def test_every_command_is_in_the_matrix():
    missing = leaf_commands(_parser()) - set(INVOCATIONS)
    assert not missing, f"commands without a row in the rights matrix: {sorted(missing)}"


@pytest.mark.parametrize(("role", "command", "argv"), list(cases()))
def test_rights_matrix(role, command, argv, office, tmp_path, monkeypatch, capsys):
    code, out, err, written = run_as(role, argv, office, tmp_path, monkeypatch, capsys)
    # allowed, or refused with one message — never a defect's message or a traceback
    assert "Traceback" not in out + err and "Непредвиденная ошибка" not in out + err, err
    if code != 0:
        assert err.startswith("Ошибка: ") or code == 3, (code, out, err)
    if command in ADMIN_ONLY:
        if role == "admin":
            assert "Недостаточно прав" not in err, err
        else:
            assert code == 1 and "Недостаточно прав" in err, (code, out, err)
            assert not [p for p in written if p.suffix != ".png"], written
    if role == "manager":
        text = out + err + "".join(file_text(p) for p in written)
        allowed = set()
        if "{phone}" in argv:  # the number the user typed may be printed back
            allowed |= {"7770011", "777-00-11", "777‑00‑11"}
        if "{inn}" in argv:
            allowed.add(HIDDEN["inn"])
        if command == "import":  # the duplicate policy: it may say the client exists
            allowed |= {HIDDEN["name"], "Тайный Заказчик", HIDDEN["inn"]}
        leaked = [s for s in SECRETS if s in text and s not in allowed]
        assert not leaked, f"{' '.join(argv)} revealed {leaked}:\n{text[:2000]}"


def test_the_duplicate_policy_says_exists_and_nothing_more(office, tmp_path, monkeypatch,
                                                          capsys):
    """Like 1C: an import may say the client already exists (and whose it is), never its
    phones, e-mails or other requisites."""
    code, out, err, _ = run_as("manager", ["import", "clients", "{tmp}/in.csv", "--json"],
                               office, tmp_path, monkeypatch, capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["created"] == 0 and data["rejected"] == 1
    text = json.dumps(data, ensure_ascii=False)
    assert "уже есть" in text
    assert HIDDEN["phone"] not in text and HIDDEN["email"] not in text and "7770011" not in text
