"""crmdesk import / export / backup / restore through crmdesk.cli.main."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from crmdesk.cli import main
from crmdesk.db import make_engine
from crmdesk.models import Client

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def db(tmp_path, sqlite_template) -> str:
    path = tmp_path / "crm.sqlite"
    shutil.copy(sqlite_template, path)
    return str(path)


def run_json(capsys, *argv) -> tuple[int, dict]:
    capsys.readouterr()
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def clients_in(db: str) -> int:
    eng = make_engine(f"sqlite:///{db}")
    with eng.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Client))
    eng.dispose()
    return n


def test_import_json_counts_and_report_rows(db, capsys, tmp_path):
    exp = EXPECTED["office_clients.xlsx"]
    report = tmp_path / "report.xlsx"
    code, data = run_json(capsys, "--db", db, "import", "clients",
                          str(SAMPLES / "office_clients.xlsx"), "--report", str(report))
    assert code == 0
    assert {k: data[k] for k in ("rows", "created", "merged", "rejected", "warnings")} == {
        "rows": exp["rows"], "created": exp["clients_created"],
        "merged": exp["duplicates_merged"], "rejected": 1, "warnings": 4}
    rows = data["report"]
    assert [{"row": r["row"], "field": r["field"], "reason": r["reason"]}
            for r in rows if r["kind"] == "warning"] == exp["warnings"]
    assert [{"row": r["row"], "field": r["field"], "reason": r["reason"]}
            for r in rows if r["kind"] == "rejected"] == exp["rejected"]
    assert sum(r["kind"] == "merged" for r in rows) == 4
    assert data["report_file"] == str(report)
    wb = load_workbook(report, read_only=True)
    assert sum(1 for r in wb["Отчёт"].iter_rows(values_only=True) if r[3] == "Предупреждение") == 4
    assert clients_in(db) == 44


def test_dry_run_text_output_and_nothing_stored(db, capsys):
    code = main(["--db", db, "import", "clients", str(SAMPLES / "google_contacts.csv"),
                 "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Проверка без записи: google_contacts.csv — строк 30, создано 30")
    assert "Ничего не записано (--dry-run)." in out
    assert clients_in(db) == 0


def test_import_with_mapping_and_sheet(db, capsys, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Кто;Куда звонить\nСидоров;89125550011\n", encoding="cp1251")
    code = main(["--db", db, "import", "clients", str(path)])
    err = capsys.readouterr().err
    assert code == 1 and "Ошибка: Не найдено ни одной колонки" in err and "«Кто»" in err
    code, data = run_json(capsys, "--db", db, "import", "clients", str(path), "--mapping",
                          '{"A": "name", "Куда звонить": "phone"}')
    assert code == 0 and data["created"] == 1
    code, data = run_json(capsys, "--db", db, "import", "clients", "--dry-run",
                          str(SAMPLES / "office_clients.xlsx"), "--sheet", "Клиенты",
                          "--header-row", "3")
    assert (code, data["header_row"], data["created"]) == (0, 3, 44)
    code, data = run_json(capsys, "--db", db, "import", "clients",
                          str(SAMPLES / "office_clients.xlsx"), "--sheet", "Лист9")
    assert code == 1 and "нет листа «Лист9»" in data["error"] and "Клиенты" in data["error"]


@pytest.mark.parametrize(
    "argv,message",
    [
        (["import", "clients", "missing.xlsx"], "missing.xlsx не найден"),
        (["import", "clients", "{samples}/phone_contacts.vcf", "--report", "r.pdf"],
         "«--report»"),
        (["import", "clients", "{samples}/phone_contacts.vcf", "--mapping", "{bad json"],
         "«--mapping» заполнено неверно: неверный JSON"),
        (["export", "clients", "out.txt"], "«.txt»"),
        (["export", "clients", "out.csv", "--format", "pdf"], "неизвестный формат «pdf»"),
        (["restore", "nothing.sqlite"], "nothing.sqlite не найден"),
    ],
)
def test_errors_name_the_file_or_field_and_exit_non_zero(db, capsys, tmp_path, monkeypatch,
                                                         argv, message):
    monkeypatch.chdir(tmp_path)
    argv = [a.replace("{samples}", str(SAMPLES)) for a in argv]
    code = main(["--db", db, *argv])
    assert code == 1
    assert message in capsys.readouterr().err


def test_export_formats_and_round_trip(db, capsys, tmp_path, sqlite_template):
    assert main(["--db", db, "import", "clients", str(SAMPLES / "phone_contacts.vcf")]) == 0
    for name, extra in (("c.xlsx", []), ("c.csv", []), ("c.vcf", []), ("g.csv",
                                                                       ["--format", "google"])):
        code, data = run_json(capsys, "--db", db, "export", "clients", str(tmp_path / name),
                              *extra)
        assert code == 0 and data["clients"] == 12
        assert data["format"] == {"c.xlsx": "xlsx", "c.csv": "csv", "c.vcf": "vcard",
                                  "g.csv": "google"}[name]
        other = tmp_path / f"other-{name}.sqlite"
        shutil.copy(sqlite_template, other)
        code, back = run_json(capsys, "--db", str(other), "import", "clients",
                              str(tmp_path / name))
        assert (code, back["created"], back["rejected"], back["warnings"]) == (0, 12, 0, 0)
    code = main(["--db", db, "export", "clients", str(tmp_path / "found.csv"), "--find",
                 "Павлова"])
    assert code == 0
    assert "Выгружено клиентов: 1" in capsys.readouterr().out


def test_backup_and_restore(db, capsys, tmp_path):
    main(["--db", db, "import", "clients", str(SAMPLES / "phone_contacts.vcf")])
    code, data = run_json(capsys, "--db", db, "backup", "--to", str(tmp_path / "copies"))
    assert code == 0 and data["ok"] and data["method"] == "sqlite"
    copy = Path(data["file"])
    assert copy.parent == tmp_path / "copies" and copy.name.startswith("crmdesk-")
    code, skipped = run_json(capsys, "--db", db, "backup", "--if-due")
    assert code == 0 and skipped["skipped"] is True
    # into a new file
    code, data = run_json(capsys, "--db", db, "restore", str(copy), "--to",
                          str(tmp_path / "new.sqlite"))
    assert code == 0 and data["clients"] == 12 and data["aside"] is None
    # over the working database: it goes aside first
    main(["--db", db, "import", "clients", str(SAMPLES / "google_contacts.csv")])
    assert clients_in(db) == 42
    code = main(["--db", db, "restore", str(copy)])
    out = capsys.readouterr().out
    assert code == 0 and "клиентов 12" in out and "прежняя база сохранена как" in out
    assert clients_in(db) == 12
    aside = next(tmp_path.glob("crm.before-restore-*.sqlite"))
    assert clients_in(str(aside)) == 42


def test_backup_of_a_missing_database_fails(tmp_path, capsys):
    code = main(["--db", str(tmp_path / "none.sqlite"), "backup"])
    assert code == 1
    assert "none.sqlite не найдена" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite").exists()
