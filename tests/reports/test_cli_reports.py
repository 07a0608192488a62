"""`crmdesk report …` and `crmdesk print …` through crmdesk.cli.main, on the known history."""

from __future__ import annotations

import io
import json
from datetime import date

from openpyxl import load_workbook
from pdfcheck import has, pages

from crmdesk.cli import main
from crmdesk.services.documents import create_document


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(engine, capsys, *args) -> tuple[int, str, str]:
    code = main(["--db", _url(engine), *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(engine, capsys, *args) -> dict:
    code, out, err = run(engine, capsys, "--json", *args)
    assert code == 0, (out, err)
    return json.loads(out)


def test_reports_from_the_command_line(sales, team, tmp_path, capsys):
    engine = team
    # gross profit for the first half-year as PDF, with the figures as JSON
    pdf = tmp_path / "gp.pdf"
    data = run_json(engine, capsys, "report", "gross-profit", "--from", "01.01.2026",
                    "--to", "2026-06-30", "-o", str(pdf))
    assert data["file"] == str(pdf)
    assert data["total"]["revenue"] == "8188.53" and data["total"]["profit"] == "3588.53"
    assert data["params"] == {"date_from": "2026-01-01", "date_to": "2026-06-30",
                              "group_by": "client", "manager": None}
    text = "\n".join(pages(pdf.read_bytes()))
    has(text, "Валовая прибыль", "Период: 01.01.2026 – 30.06.2026", "ООО «Альфа»",
        "Иванов Иван Иванович", "8 188,53", "3 588,53", "43,82")
    # by month, one manager, as XLSX
    xlsx = tmp_path / "gp.xlsx"
    data = run_json(engine, capsys, "report", "gross-profit", "--by", "month",
                    "--manager", "petrov", "-o", str(xlsx))
    assert data["total"]["revenue"] == "2909.84"
    ws = load_workbook(io.BytesIO(xlsx.read_bytes())).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Декабрь 2025" in values and "Апрель 2026" in values
    assert ws.print_title_rows and ws.page_setup.fitToWidth == 1
    # receivables as of a date (--to means the same for this report), as XLSX
    xlsx = tmp_path / "debt.xlsx"
    data = run_json(engine, capsys, "report", "receivables", "--to", "30.06.2026",
                    "-o", str(xlsx))
    assert data["total"]["owed"] == "6470.00" and data["total"]["overdue"] == "5150.00"
    ws = load_workbook(io.BytesIO(xlsx.read_bytes())).active
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 13)]
            for r in range(1, ws.max_row + 1)}
    assert float(rows["ООО «Бета»"][3]) == 4650.00  # «Долг»
    # the forecast by month for one manager, as PDF
    pdf = tmp_path / "fc.pdf"
    data = run_json(engine, capsys, "report", "forecast", "--as-of", "30.06.2026",
                    "--period", "month", "--manager", "ivanov", "-o", str(pdf))
    assert data["total"]["planned"] == "4520.00"
    has("\n".join(pages(pdf.read_bytes())), "Прогноз поступлений", "По плану",
        "С учётом задержек", "Июль 2026")
    # without -o: a table on the terminal
    code, out, _ = run(engine, capsys, "report", "receivables", "--as-of", "30.06.2026")
    assert code == 0 and "Дебиторская задолженность" in out and "ООО «Бета»" in out
    # a manager's report counts only their clients
    data = run_json(engine, capsys, "--user", "ivanov", "report", "receivables",
                    "--as-of", "30.06.2026")
    assert data["total"]["owed"] == "2520.00"


def test_report_mistakes_are_explained(sales, team, tmp_path, capsys):
    engine = team
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    for args, words in [
        (("report", "gross-profit", "--from", "31.02.2026"), "--from"),
        (("report", "receivables", "--from", "01.01.2026"), "--from"),
        (("report", "gross-profit", "--by", "year"), "--by"),
        (("report", "sales", "-o", str(tmp_path / "x.pdf")), "нет отчёта"),
        (("report", "forecast", "-o", str(tmp_path / "x.docx")), ".pdf или .xlsx"),
        (("report", "gross-profit", "--manager", "nobody"), "nobody"),
        (("report", "gross-profit", "--from", "02.02.2026", "--to", "01.02.2026"), "--to"),
    ]:
        code, out, err = run(engine, capsys, *args)
        assert code == 1 and words in err, (args, out, err)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_print_forms_from_the_command_line(sales, team, tmp_path, capsys):
    engine = team
    with sales("ivanov") as ctx:
        from crmdesk.services.documents import get_document

        invoice = get_document(ctx, sales.i1)
        order = get_document(ctx, sales.o1)
        prop = create_document(ctx, "proposal", sales.a, {
            "date": date(2026, 6, 1),
            "lines": [{"description": "Аудит системы отопления", "quantity": 1,
                       "price": 7000, "vat_rate": 22}],
        })
        numbers = invoice.number, order.number, prop.number
    inv_no, order_no, prop_no = numbers
    pdf = tmp_path / "invoice.pdf"
    info = run_json(engine, capsys, "print", "invoice", inv_no, "-o", str(pdf))
    assert info == {"form": "invoice", "number": inv_no, "file": str(pdf),
                    "bytes": pdf.stat().st_size}
    has(pages(pdf.read_bytes())[0], f"Счёт на оплату № {inv_no} от", "Всего к оплате: 3 500,00",
        "Три тысячи пятьсот рублей 00 копеек")
    xlsx = tmp_path / "invoice.xlsx"
    code, out, _ = run(engine, capsys, "print", "invoice", inv_no, "-o", str(xlsx))
    assert code == 0 and str(xlsx) in out
    ws = load_workbook(io.BytesIO(xlsx.read_bytes())).active
    assert any(str(c.value).startswith(f"Счёт на оплату № {inv_no}") for row in ws.iter_rows()
               for c in row)
    # the short number: the last year's document with that sequence number
    short = str(int(order_no.rsplit("-", 1)[1]))
    info = run_json(engine, capsys, "print", "order", short, "-o", str(tmp_path / "o.pdf"))
    assert info["number"] == order_no
    has(pages((tmp_path / "o.pdf").read_bytes())[0], f"Заказ клиента № {order_no}")
    info = run_json(engine, capsys, "print", "proposal", prop_no, "-o", str(tmp_path / "p.pdf"))
    has(pages((tmp_path / "p.pdf").read_bytes())[0], "Аудит системы отопления",
        "Семь тысяч рублей 00 копеек")
    # the proposal saves XLSX like the order and the invoice
    run_json(engine, capsys, "print", "proposal", prop_no, "-o", str(tmp_path / "p.xlsx"))
    ws = load_workbook(tmp_path / "p.xlsx").active
    assert any("Аудит системы отопления" in str(c.value) for row in ws.iter_rows() for c in row)
    for args, words in [
        (("print", "invoice", "СЧ-1999-000001", "-o", str(tmp_path / "n.pdf")), "не найден"),
        (("print", "payment", "1", "-o", str(tmp_path / "n.pdf")), "нет печатной формы"),
        (("print", "invoice", inv_no), "укажите файл"),
        (("--user", "petrov", "print", "invoice", inv_no, "-o", str(tmp_path / "n.pdf")),
         "другим менеджером"),
    ]:
        code, out, err = run(engine, capsys, *args)
        assert code == 1 and words in err, (args, out, err)
    assert not (tmp_path / "n.pdf").exists()
