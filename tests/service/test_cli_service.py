"""The requests and readings commands run as a user runs them: a process per command, one
message and exit code 1 on bad input; the analytics report saved as PDF and read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader


def crm(db, *args, ok=True):
    env = {**os.environ, "CRMDESK_DB": db, "CRMDESK_TEST_SCRYPT_N": "1024",
           "CRMDESK_PASSWORD": "demo"}  # the demo users' password (admin has none)
    env.pop("CRMDESK_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "crmdesk", *args], capture_output=True,
                          text=True, env=env, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The data of «crmdesk demo --clients 10 --housing», made in-process (the command
    itself is run by test_demo_command below), signing in without passwords allowed."""
    from datetime import date

    from crmdesk.db import open_database
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.demo import generate
    from crmdesk.services.demo_housing import generate_housing
    from crmdesk.services.settings import set_setting
    from crmdesk.services.setup import initialize
    from crmdesk.services.users import ALLOW_EMPTY

    db = f"sqlite:///{tmp_path_factory.mktemp('svc') / 'demo.sqlite'}"
    engine = open_database(db)
    initialize(engine)
    generate(engine, clients=10, seed=1, today=date(2026, 12, 1))
    generate_housing(engine, seed=1, today=date(2026, 12, 1))
    with unit_of_work(engine) as ctx:
        set_setting(ctx.session, ALLOW_EMPTY, True)
    engine.dispose()
    return db


def test_demo_command_makes_the_housing_data(tmp_path):
    db = f"sqlite:///{tmp_path / 'd.sqlite'}"
    out = json.loads(crm(db, "demo", "--clients", "5", "--housing", "--json").stdout)
    assert out["houses"] == 3 and out["meters"] == 144 and out["requests"] > 300


def test_demo_registry_filters_and_rights(demo):
    rows = json.loads(crm(demo, "list", "requests", "--overdue", "--json").stdout)
    assert rows and all(r["overdue"] == "да" for r in rows)
    assert all(r["status_code"] in ("new", "assigned", "in_work", "postponed") for r in rows)
    closed = json.loads(crm(demo, "list", "requests", "--status", "closed", "--limit", "5",
                            "--json").stdout)
    assert len(closed) == 5 and {r["status"] for r in closed} == {"Закрыта"}
    own = json.loads(crm(demo, "--user", "elektrik", "list", "requests", "--limit", "500",
                         "--json").stdout)
    assert own and {r["executor"] for r in own} == {"Электриков Эдуард Павлович"}
    bad = crm(demo, "list", "requests", "--status", "done-ish", ok=False)
    assert bad.returncode == 1 and "Поле «--status» заполнено неверно" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_create_by_phone_then_assign_and_finish(demo, tmp_path):
    made = json.loads(crm(demo, "request", "create", "--phone", "8 (912) 345-67-89",
                          "--name", "Сидоров", "--category", "Сантехника", "--text",
                          "Капает с потолка", "--json").stdout)
    assert made["executor"] == "Слесарев Семён Ильич" and made["status"] == "Назначена"
    num = made["number"]
    refused = crm(demo, "--user", "elektrik", "request", "status", num, "in_work", ok=False)
    assert refused.returncode == 1 and "не найдена" in refused.stderr
    crm(demo, "--user", "slesar", "request", "status", num, "in_work")
    done = json.loads(crm(demo, "--user", "slesar", "request", "done", num, "--result",
                          "Подтянуто соединение", "--json").stdout)
    assert done["status"] == "Выполнена"
    # the act of the free request, as its form prints it, in both formats
    crm(demo, "request", "act", num, "-o", str(tmp_path / "act.pdf"))
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "act.pdf").pages)
    assert "Акт" in text and "Подтянуто соединение" in text
    crm(demo, "request", "act", num, "-o", str(tmp_path / "act.xlsx"))
    cells = [str(c.value) for row in load_workbook(tmp_path / "act.xlsx").active.iter_rows()
             for c in row if c.value is not None]
    assert any("Подтянуто соединение" in c for c in cells)
    wrong = crm(demo, "request", "act", num, "-o", str(tmp_path / "act.doc"), ok=False)
    assert wrong.returncode == 1 and "-o" in wrong.stderr and not (tmp_path / "act.doc").exists()
    none = crm(demo, "request", "create", "--text", "x", "--category", "Космос", ok=False)
    assert none.returncode == 1 and "нет категории «Космос»" in none.stderr


def test_readings_import_report_and_export(demo, tmp_path):
    out = tmp_path / "nov.xlsx"
    crm(demo, "readings", "export", "--month", "2026-11", "-o", str(out))
    ws = load_workbook(out).active
    first = next([c.value for c in r] for r in ws.iter_rows(min_row=2) if r[5].value)
    serial, previous = first[3], first[5]  # a November reading below October's is refused
    wb = Workbook()
    sheet = wb.active
    sheet.append(["Заводской номер", "Дата", "Показание"])
    sheet.append([serial, "25.11.2026", float(previous) - 1])
    sheet.append(["НЕТ-ТАКОГО", "25.11.2026", 5])
    src = tmp_path / "in.xlsx"
    wb.save(src)
    rep = tmp_path / "rep.xlsx"
    data = json.loads(crm(demo, "readings", "import", str(src), "--report", str(rep),
                          "--dry-run", "--json").stdout)
    assert (data["accepted"], data["rejected"]) == (0, 2)
    assert data["rows"][0]["message"].startswith("Строка 2: Поле «Показание» заполнено "
                                                  "неверно:")
    assert "меньше предыдущего" in data["rows"][0]["message"]
    assert load_workbook(rep).active.cell(3, 4).value == "Отклонено"
    bad = crm(demo, "readings", "export", "--month", "ноябрь", "-o", str(out), ok=False)
    assert bad.returncode == 1 and "2026-11" in bad.stderr


def test_report_requests_pdf(demo, tmp_path):
    pdf = tmp_path / "a.pdf"
    crm(demo, "report", "requests", "--from", "01.01.2026", "--to", "30.11.2026", "--by",
        "house", "-o", str(pdf))
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Анализ заявок" in text and "ул. Ленина, д. 12" in text and "Итого" in text
    data = json.loads(crm(demo, "report", "requests", "--from", "01.01.2026", "--json").stdout)
    total = data["total"]
    assert total["total"] == sum(r["total"] for g in data["groups"] for r in g["rows"])
    assert 0 < total["on_time"] <= total["done"] <= total["total"]


def test_calendar_list_and_set(demo):
    rows = json.loads(crm(demo, "calendar", "list", "--year", "2027", "--json").stdout)
    assert rows[0]["day"] == "01.01.2027" and rows[0]["edited"] is False
    crm(demo, "calendar", "set", "02.01.2027", "workday", "--name", "Рабочая суббота")
    rows = json.loads(crm(demo, "calendar", "list", "--year", "2027", "--json").stdout)
    assert {"day": "02.01.2027", "kind": "workday", "name": "Рабочая суббота",
            "edited": True, "kind_title": "Рабочий день"} in rows
    refused = crm(demo, "--user", "slesar", "calendar", "set", "03.01.2027", "holiday",
                  ok=False)
    assert refused.returncode == 1 and "Недостаточно прав" in refused.stderr
