"""Clients out: every format read back by the import gives the same clients."""

from __future__ import annotations

import csv
import shutil
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crmdesk.db import make_engine
from crmdesk.models import Client
from crmdesk.services.clients import create_client, set_deletion_mark
from crmdesk.services.context import unit_of_work
from crmdesk.services.errors import CrmError, ValidationError
from crmdesk.services.exports import export_clients, export_format
from crmdesk.services.imports import import_clients
from tests.conftest import new_pg_database, pg_admin_execute, pg_url

CLIENTS = [
    {
        "name": "ООО «Ромашка; и partners, ltd»",
        "full_name": "Общество с ограниченной ответственностью «Ромашка»",
        "inn": "7707083893",
        "kpp": "773601001",
        "ogrn": "1027700132195",
        "phones": ["8 (912) 345-67-89", "+7 495 123-45-67 доб. 105"],
        "emails": ["info@romashka.ru", "buh@romashka.ru"],
        "groups": ["Оптовые", "VIP"],
        "source": "выставка",
        "status": "активный",
        "comment": "Первая строка\nвторая; с запятой, и «кавычками»",
        "addresses": [
            {"kind": "legal", "text": "г. Москва, ул. Ленина, д. 1"},
            {"kind": "actual", "text": "г. Москва, ул. Мира, д. 5, оф. 12"},
        ],
        "contacts": [
            {"name": "Сидоров Семён Семёнович", "position": "директор",
             "birthday": date(1975, 3, 8)},
            {"name": "Ёжикова Анна", "position": "бухгалтер"},
        ],
    },
    {
        "name": "Иванов Иван Иванович",
        "kind": "person",
        "inn": "500100732259",
        "phones": ["+7 999 000-11-22"],
        "emails": ["ivanov@example.com"],
        "groups": ["Розничные"],
    },
    {"name": "ИП «Берёза»", "phones": ["+44 20 7946 0958"]},
    {"name": "Без телефона", "emails": ["only@mail.ru"], "comment": "одна почта"},
]


def fill(engine) -> None:
    with unit_of_work(engine) as ctx:
        for data in CLIENTS:
            create_client(ctx, data)
        gone = create_client(ctx, {"name": "Помеченный", "phones": ["89120000000"]})
        set_deletion_mark(ctx, gone.id)


def snapshot(engine, addresses_by_kind: bool = True) -> list[tuple]:
    """What a client is, independent of ids, order and storage details."""
    with unit_of_work(engine) as ctx:
        rows = ctx.session.scalars(
            select(Client)
            .where(Client.deletion_mark.is_(False))
            .options(*(selectinload(getattr(Client, r)) for r in (
                "phones", "emails", "groups", "addresses", "contacts", "owner")))
        )
        out = []
        for c in rows:
            out.append((
                c.kind, c.name, c.full_name, c.inn, c.kpp, c.ogrn, c.source, c.status,
                c.comment,
                c.owner.login if c.owner else None,
                sorted((p.e164, p.ext) for p in c.phones),
                sorted(e.email.lower() for e in c.emails),
                sorted(g.name for g in c.groups),
                sorted((a.kind if addresses_by_kind else "", a.text) for a in c.addresses),
                sorted((p.name, p.position, p.birthday) for p in c.contacts),
            ))
        return sorted(out, key=lambda t: t[1])


@pytest.fixture
def other(engine, request, tmp_path, sqlite_template):
    """A second empty database of the same kind as ``engine``."""
    if engine.dialect.name == "sqlite":
        path = tmp_path / "other.sqlite"
        shutil.copy(sqlite_template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    name = new_pg_database(request.getfixturevalue("pg_template"))
    eng = make_engine(pg_url(name))
    yield eng
    eng.dispose()
    pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    "file,fmt", [("c.xlsx", None), ("c.csv", None), ("c.vcf", None), ("g.csv", "google")]
)
def test_export_then_import_gives_back_the_same_clients(engine, other, tmp_path, file, fmt):
    fill(engine)
    path = tmp_path / file
    assert export_clients(engine, path, fmt=fmt) == len(CLIENTS)  # the marked one stays out
    assert not list(tmp_path.glob("*.part"))
    report = import_clients(other, path)
    assert (report.rows, report.created, report.merged, report.rejected, report.warnings) == (
        len(CLIENTS), len(CLIENTS), 0, 0, 0)
    by_kind = fmt is None and not file.endswith(".vcf")
    original = snapshot(engine, by_kind)
    assert snapshot(other, by_kind) == original
    assert len(original) == len(CLIENTS)
    # and once more into the same database: nothing new
    again = import_clients(other, path)
    assert (again.created, again.merged) == (0, len(CLIENTS))
    assert snapshot(other, by_kind) == original


def test_csv_opens_in_russian_excel(engine, tmp_path):
    fill(engine)
    path = tmp_path / "clients.csv"
    export_clients(engine, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Cyrillic right
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0][:3] == ["Код", "Клиент", "Полное наименование"]
    ivanov = next(r for r in rows if r[1] == "Иванов Иван Иванович")
    assert ivanov[rows[0].index("Телефон")] == "+7 (999) 000-11-22"


def test_xlsx_and_vcard_content(engine, tmp_path):
    fill(engine)
    export_clients(engine, tmp_path / "c.xlsx")
    ws = load_workbook(tmp_path / "c.xlsx", read_only=True)["Клиенты"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    romashka = next(r for r in rows if r[1] == CLIENTS[0]["name"])
    assert romashka[head.index("Телефон")] == "+7 (912) 345-67-89, +7 (495) 123-45-67 доб. 105"
    assert romashka[head.index("ИНН")] == "7707083893"
    export_clients(engine, tmp_path / "c.vcf")
    text = (tmp_path / "c.vcf").read_bytes().decode("utf-8")
    assert text.count("BEGIN:VCARD") == len(CLIENTS) and "VERSION:3.0\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "ORG:ООО «Ромашка\\; и partners\\, ltd»" in text.replace("\r\n ", "")


def test_export_of_found_clients_and_bad_names(engine, tmp_path):
    fill(engine)
    assert export_clients(engine, tmp_path / "one.csv", find="Иванов") == 1
    with unit_of_work(engine) as ctx:
        ids = sorted(ctx.session.scalars(select(Client.id).where(Client.name.like("И%"))))
    assert len(ids) == 2
    # the desktop's list filter: any number of ids (far past a statement's parameter limit)
    wanted = [*range(10**6, 10**6 + 70000), *ids]
    assert export_clients(engine, tmp_path / "some.csv", ids=wanted) == 2
    with pytest.raises(ValidationError, match="«.txt»"):
        export_format(tmp_path / "c.txt")
    with pytest.raises(ValidationError, match="неизвестный формат «pdf»"):
        export_format(tmp_path / "c.csv", "pdf")
    assert export_format("x.csv", "google") == "google"
    with pytest.raises(CrmError, match="отменена"):
        export_clients(engine, tmp_path / "c.xlsx", cancelled=lambda: True)
    assert not (tmp_path / "c.xlsx").exists()
