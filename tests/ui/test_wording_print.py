"""The proposal's print preview saves XLSX like the order and the invoice; phones of users
and of the organization printed like clients' phones."""

from __future__ import annotations

import openpyxl
from PySide6.QtWidgets import QToolButton
from sqlalchemy import select

from crmdesk.models import Document, Organization, User
from crmdesk.services.context import unit_of_work
from crmdesk.ui.forms.printing import PrintPreview, print_forms


def _proposal(engine):
    with unit_of_work(engine) as ctx:
        doc = ctx.session.scalar(
            select(Document).where(Document.doc_type == "proposal").order_by(Document.id)
        )
        lines = [(ln.description, ln.quantity, ln.price, ln.amount) for ln in doc.lines]
        return doc.id, doc.number, doc.total, lines


def test_proposal_preview_saves_an_xlsx_with_the_lines_as_numbers(make_shell, demo_engine,
                                                                  tmp_path, qtbot):
    shell = make_shell(demo_engine)
    doc_id, number, total, lines = _proposal(demo_engine)
    with unit_of_work(demo_engine) as ctx:  # the manager's phone as typed long ago
        doc = ctx.session.get(Document, doc_id)
        manager = doc.manager or ctx.session.scalar(select(User).where(User.login == "admin"))
        doc.manager = manager
        manager.phone = "+74951234563"
        ctx.session.get(Organization, 1).phone = "84957654321"
    title, open_preview = print_forms("proposal")[0]
    assert title == "Коммерческое предложение"
    preview = open_preview(shell, doc_id)
    assert isinstance(preview, PrintPreview)
    # «Сохранить XLSX…» is on the preview's bar, as for the order and the invoice
    buttons = {b.defaultAction().text() for b in preview.findChildren(QToolButton)
               if b.defaultAction() is not None and b.isVisible()}
    assert "Сохранить XLSX…" in buttons
    preview.grab().save(str(tmp_path / "proposal-preview.png"))
    path = preview.save("xlsx", str(tmp_path / "kp.xlsx"))
    ws = openpyxl.load_workbook(path).active
    cells = [tuple(row) for row in ws.iter_rows(values_only=True)]
    texts = [str(c) for row in cells for c in row if c is not None]
    assert any(number in t and t.startswith("Коммерческое предложение № ") for t in texts)
    assert any(t.startswith("Предложение действительно до ") for t in texts)
    header = next(i for i, row in enumerate(cells) if row[0] == "№")
    assert cells[header][:8] == ("№", "Товары (работы, услуги)", "Описание", "Кол-во", "Ед.",
                                 "Цена", "Скидка, %", "Сумма")
    body = cells[header + 1: header + 1 + len(lines)]
    for row, (name, qty, price, amount) in zip(body, lines, strict=True):
        assert row[1] == name
        assert row[3] == float(qty) and row[5] == float(price) and row[7] == float(amount)
    assert ws.cell(header + 2, 8).number_format == "#,##0.00"
    totals = {row[0]: row[7] for row in cells[header + 1 + len(lines):] if row[0]}
    assert totals["Всего:"] == float(total)
    assert "тел.: +7 (495) 123-45-63" in " ".join(texts)  # the manager's phone formatted
    assert "+7 (495) 765-43-21" in " ".join(texts)  # the organization's
    assert ws.page_setup.paperSize in (9, "9") and ws.print_title_rows


def test_forecast_shows_the_overdue_total_apart_from_the_periods(make_shell, demo_engine,
                                                                 qtbot):
    from PySide6.QtCharts import QBarSeries

    shell = make_shell(demo_engine)
    shell.resize(1366, 768)
    shell.choose_section("money")
    form = shell.open_special("report", "forecast")
    result = form.generate()
    overdue = result.total["overdue"]
    assert overdue > 0  # the demo has overdue invoices
    apart, periods = result.charts
    assert apart.categories == ["Просрочено"] and apart.series[0].values == [overdue]
    # the first period's bar holds what falls due in it, not the overdue total
    first = result.rows[0]
    assert periods.series[0].values[0] == first["planned"] - overdue
    assert sum(periods.series[0].values) + overdue == result.total["planned"] - sum(
        r["planned"] for r in result.rows if r["period"].startswith("Позже"))
    qtbot.wait(50)
    left, right = form.charts
    assert left.isVisible() and right.isVisible()
    assert left.chart().title().startswith("Просрочено:")
    assert left.width() < right.width() / 2  # a narrow column beside the periods
    scale = [s for s in right.chart().series() if isinstance(s, QBarSeries)][0]
    tallest = max(bars.at(i) for bars in scale.barSets() for i in range(bars.count()))
    assert tallest < float(overdue) or tallest == max(float(v) for v in periods.series[0].values)
    form.grab().save("/tmp/d2/forecast-1366.png")
