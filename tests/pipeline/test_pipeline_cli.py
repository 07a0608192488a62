"""The pipeline's commands, run as a user runs them (a process per command), on SQLite and
PostgreSQL."""

from __future__ import annotations

import json

import openpyxl
import pytest
from pypdf import PdfReader

from crmdesk.services.demo import generate
from tests.test_cli import crm as _crm


def crm(db, *args, ok=True):
    """As the head of sales (the demo's users sign in with the password «demo»)."""
    user = [] if "--user" in args else ["--user", "smirnova"]
    return _crm(db, *args, *user, ok=ok, password="demo")


@pytest.fixture
def demo_url(engine):
    generate(engine, clients=40, seed=5)
    return engine.url.render_as_string(hide_password=False)


def test_list_deals_by_stage_and_reports_to_files(demo_url, tmp_path):
    rows = json.loads(crm(demo_url, "list", "deals", "--stage", "выставление счёта",
                          "--json").stdout)
    assert rows and {r["stage"] for r in rows} == {"Выставление счёта"}
    assert {"amount", "probability", "expected_close", "manager"} <= set(rows[0])
    by_code = json.loads(crm(demo_url, "list", "deals", "--stage", "invoicing", "--json").stdout)
    assert [r["id"] for r in by_code] == [r["id"] for r in rows]

    pdf, xlsx = tmp_path / "воронка.pdf", tmp_path / "воронка.xlsx"
    crm(demo_url, "report", "funnel", "--from", "01.01.2020", "--to", "31.12.2030", "-o",
        str(pdf))
    assert "Воронка продаж" in PdfReader(pdf).pages[0].extract_text()
    crm(demo_url, "report", "funnel", "--by", "source", "--from", "01.01.2020", "-o", str(xlsx))
    cells = [c.value for row in openpyxl.load_workbook(xlsx).active.iter_rows() for c in row]
    assert "Вошло сделок" in cells
    out = json.loads(crm(demo_url, "report", "pipeline", "--json").stdout)
    assert out["report"] == "pipeline" and out["total"]["deals"] >= 0
    crm(demo_url, "deals", "plan", "smirnova", "12.2026", "100000")
    out = json.loads(crm(demo_url, "report", "plan-fact", "--json").stdout)
    assert out["report"] == "plan-fact"


def test_check_rules_and_bad_input_get_one_message(demo_url):
    first = crm(demo_url, "deals", "check-rules", "--today", "01.12.2026", "--json")
    assert isinstance(json.loads(first.stdout), list)
    again = json.loads(crm(demo_url, "deals", "check-rules", "--today", "01.12.2026",
                           "--json").stdout)
    assert again == []  # each rule once per occasion
    bad = crm(demo_url, "list", "deals", "--stage", "Нет такого", ok=False)
    assert bad.returncode == 1
    assert "нет этапа «Нет такого»" in bad.stderr and "Traceback" not in bad.stderr
    bad = crm(demo_url, "deals", "plan", "ivanov", "13.2026", "1", ok=False)
    assert bad.returncode == 1 and "Месяц" in bad.stderr and "Traceback" not in bad.stderr
