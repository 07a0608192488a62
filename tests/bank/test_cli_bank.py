"""`crmdesk bank import FILE [--dry-run] [--json]` through crmdesk.cli.main."""

import json
from pathlib import Path

from sqlalchemy import func, select

from crmdesk.cli import main
from crmdesk.models import BankPayment, Document
from crmdesk.services.users import set_password

SAMPLE = Path(__file__).parent / "samples" / "kl_to_1c.txt"  # a copy of shared/samples/bank


def _cli(engine, capsys, monkeypatch, *args):
    monkeypatch.setenv("CRMDESK_PASSWORD", "Банк-2026")
    code = main(["--db", engine.url.render_as_string(hide_password=False), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _payments(uow):
    with uow() as ctx:
        return (ctx.session.scalar(select(func.count()).select_from(Document)
                                   .where(Document.doc_type == "payment")),
                ctx.session.scalar(select(func.count()).select_from(BankPayment)))


def test_bank_import_from_the_command_line(uow, bank_base, capsys, monkeypatch, team):
    with uow() as ctx:
        set_password(ctx.session, "admin", "Банк-2026")
    code, out, err = _cli(team, capsys, monkeypatch, "--json", "bank", "import", str(SAMPLE),
                          "--dry-run")
    assert code == 0, err
    data = json.loads(out)
    assert [ln["status"] for ln in data["lines"]] == ["invoice", "invoice", "unknown",
                                                      "outgoing"]
    assert data["lines"][0]["invoices"] == ["СЧ-2026-000041"]
    assert data["result"] is None
    assert _payments(uow) == (0, 0)  # the dry run wrote nothing

    code, out, err = _cli(team, capsys, monkeypatch, "bank", "import", str(SAMPLE))
    assert code == 0, err
    assert "1. п/п № 1543 от 01.12.2026  118 400,00  ООО \"СтройМаркет\"" in out
    assert "Загружено платежей: 2 на сумму 166 230,50" in out
    assert _payments(uow) == (2, 2)

    code, out, err = _cli(team, capsys, monkeypatch, "bank", "import", str(SAMPLE))
    assert code == 0 and "Уже загружено" in out and "Загружено платежей: 0" in out
    assert _payments(uow) == (2, 2)


def test_a_file_that_is_not_a_statement_is_one_message(team, capsys, monkeypatch, tmp_path, uow):
    with uow() as ctx:
        set_password(ctx.session, "admin", "Банк-2026")
    bad = tmp_path / "выписка.txt"
    bad.write_text("Дата;Сумма\n01.12.2026;100\n", encoding="utf-8")
    code, out, err = _cli(team, capsys, monkeypatch, "bank", "import", str(bad))
    assert code == 1
    assert "не выписка в формате обмена" in err and "Traceback" not in err
    code, out, err = _cli(team, capsys, monkeypatch, "bank", "import", str(tmp_path / "нет.txt"))
    assert code == 1 and "не найден" in err
