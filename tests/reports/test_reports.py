"""Reports against the known history of conftest.sales, every figure worked out by hand.

Orders (posted, not marked) — revenue is the amount without VAT:
  O1  A ivanov 10.03.2026  included  3 000 + 500 − VAT (540,98 + 90,16) = 2 868,86  cost 1 800
  O2  B petrov 05.04.2026  on top    2 500 (VAT 550 not revenue)         = 2 500,00  cost 1 000
  O3  A ivanov 20.04.2026  none      2 000                               = 2 000,00  cost 1 200
  O6  C ivanov 15.05.2026  included  1 000 − 180,33                      =   819,67  cost   600
  O7  B petrov 20.12.2025  included    500 −  90,16                      =   409,84  cost   200
Not counted: an unposted order (5 pumps) and a posted order marked for deletion (7 pumps).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crmdesk.reports import run_report
from crmdesk.reports.forecast import client_delays
from crmdesk.services.errors import ValidationError

AS_OF = date(2026, 6, 30)  # the fixture's history ends in June
D = Decimal


def by(result, key):
    return {row[key]: row for row in result.rows}


def test_gross_profit_by_client_in_a_period(sales):
    with sales() as ctx:
        r = run_report(ctx, "gross-profit", {"date_from": "01.01.2026", "date_to": AS_OF,
                                             "group_by": "client"})
    rows = by(r, "client")
    assert set(rows) == {"ООО «Альфа»", "ООО «Бета»", "ООО «Вектор»"}
    alpha = rows["ООО «Альфа»"]
    assert alpha["revenue"] == D("2868.86") + D("2000.00")
    assert alpha["cost"] == D("3000.00")
    assert alpha["profit"] == D("1868.86")
    assert alpha["margin"] == D("38.38")  # 1 868,86 / 4 868,86
    assert rows["ООО «Бета»"]["revenue"] == D("2500.00")  # O7 of 2025 is outside the period
    revenue = D("2868.86") + D("2500.00") + D("2000.00") + D("819.67")
    assert r.total["revenue"] == revenue == D("8188.53")
    assert r.total["cost"] == D("4600.00")
    assert r.total["profit"] == D("3588.53")
    assert r.total["margin"] == D("43.82")
    # grouped by the selling manager, with subtotals
    assert [g.title for g in r.groups] == ["Иванов Иван Иванович", "Петров Пётр Петрович"]
    assert r.groups[0].subtotal["revenue"] == D("5688.53")
    assert r.groups[1].subtotal["profit"] == D("1500.00")
    assert isinstance(r.total["revenue"], Decimal)


@pytest.mark.parametrize(
    "group_by, expected",
    [
        ("manager", {"Иванов Иван Иванович": ("5688.53", "3600.00"),
                     "Петров Пётр Петрович": ("2909.84", "1200.00")}),
        ("product", {"Насос циркуляционный": ("5278.69", "3600.00"),
                     "Доставка": ("409.84", "0.00"),
                     "Кран шаровой": ("2909.84", "1200.00")}),
        ("month", {"Декабрь 2025": ("409.84", "200.00"), "Март 2026": ("2868.86", "1800.00"),
                   "Апрель 2026": ("4500.00", "2200.00"), "Май 2026": ("819.67", "600.00")}),
    ],
)
def test_gross_profit_groupings_over_all_time(sales, group_by, expected):
    with sales("head") as ctx:
        r = run_report(ctx, "gross-profit", {"group_by": group_by})
    key = r.columns[0].key
    got = {row[key]: (str(row["revenue"]), str(row["cost"])) for row in r.rows}
    assert got == expected
    assert r.total["revenue"] == D("8598.37")  # 8 188,53 + O7's 409,84


def test_gross_profit_by_order_lists_counted_orders_only(sales):
    with sales() as ctx:
        r = run_report(ctx, "gross-profit", {"group_by": "order", "date_from": date(2026, 1, 1)})
    assert len(r.rows) == 4  # O1, O2, O3, O6: not the unposted nor the marked one
    assert [g.title for g in r.groups] == ["ООО «Альфа»", "ООО «Бета»", "ООО «Вектор»"]
    assert [row["date"] for row in r.groups[0].rows] == [date(2026, 3, 10), date(2026, 4, 20)]
    assert r.groups[0].subtotal["cost"] == D("3000.00")


def test_gross_profit_manager_filter_and_rights(sales):
    with sales() as ctx:
        r = run_report(ctx, "gross-profit", {"manager": "petrov", "group_by": "order"})
        assert [row["number"] for row in r.rows] == sorted(row["number"] for row in r.rows)
        assert r.total["revenue"] == D("2909.84")
    with sales("ivanov") as ctx:  # a manager sees only own clients' orders
        r = run_report(ctx, "gross-profit", {"group_by": "client"})
        assert {row["client"] for row in r.rows} == {"ООО «Альфа»", "ООО «Вектор»"}
        assert r.total["revenue"] == D("5688.53")


def test_receivables_per_client_with_ageing(sales):
    with sales("head") as ctx:
        r = run_report(ctx, "receivables", {"as_of": AS_OF})
    rows = by(r, "client")
    a, b, c, d = (rows[n] for n in ("ООО «Альфа»", "ООО «Бета»", "ООО «Вектор»", "ООО «Гамма»"))
    # A: I1 3 500 paid in full (1 000 + 2 500), I2 1 000 paid 500 (due 10.05: 51 days),
    #    I3 800 due 05.07 (not yet)
    assert (a["invoiced"], a["paid"], a["owed"]) == (D("5300.00"), D("4000.00"), D("1300.00"))
    assert (a["not_due"], a["d31_60"], a["overdue"]) == (D("800.00"), D("500.00"), D("500.00"))
    # B: I11 600 due 10.03 (112 days), I4 3 050 due 15.04 (76), I5 1 000 due 15.06 (15);
    #    the unposted draft and the invoice marked for deletion do not count
    assert (b["invoiced"], b["paid"], b["owed"]) == (D("4650.00"), D("0.00"), D("4650.00"))
    assert (b["d1_30"], b["d31_60"], b["d61_90"], b["d90"]) == (
        D("1000.00"), D("0.00"), D("3050.00"), D("600.00"))
    assert b["overdue"] == D("4650.00")
    # C pays late but has paid everything due; I10 (1 220) is due 08.07
    assert (c["invoiced"], c["paid"], c["owed"], c["not_due"]) == (
        D("3220.00"), D("2000.00"), D("1220.00"), D("1220.00"))
    # D: an advance
    assert (d["paid"], d["advance"], d["owed"]) == (D("700.00"), D("700.00"), D("-700.00"))
    t = r.total
    assert t["owed"] == D("1300") + D("4650") + D("1220") - D("700") == D("6470.00")
    assert t["overdue"] == D("5150.00")
    assert sum((t[k] for k in ("not_due", "d1_30", "d31_60", "d61_90", "d90")), D(0)) == (
        t["owed"] + t["advance"])
    assert [g.title for g in r.groups] == ["Иванов Иван Иванович", "Петров Пётр Петрович"]
    assert r.groups[1].subtotal["owed"] == D("3950.00")
    pie = r.charts[0]
    assert pie.series[0].values == [D("2020.00"), D("1000.00"), D("500.00"), D("3050.00"),
                                    D("600.00")]


def test_receivables_as_of_an_earlier_date(sales):
    with sales("head") as ctx:
        r = run_report(ctx, "receivables", {"as_of": "15.05.2026"})
    a = by(r, "client")["ООО «Альфа»"]
    # before the 3 000 payment and I3: I1 owes 2 500 (due 20.03: 56 days), I2 1 000 (5 days)
    assert (a["invoiced"], a["paid"], a["owed"]) == (D("4500.00"), D("1000.00"), D("3500.00"))
    assert (a["d1_30"], a["d31_60"]) == (D("1000.00"), D("2500.00"))
    assert "ООО «Гамма»" not in by(r, "client")  # its advance came later


def test_receivables_respect_rights_and_manager_filter(sales):
    with sales("ivanov") as ctx:
        r = run_report(ctx, "receivables", {"as_of": AS_OF})
        assert set(by(r, "client")) == {"ООО «Альфа»", "ООО «Вектор»"}
        assert r.total["owed"] == D("2520.00")
    with sales("head") as ctx:
        r = run_report(ctx, "receivables", {"as_of": AS_OF, "manager": "petrov"})
        assert set(by(r, "client")) == {"ООО «Бета»", "ООО «Гамма»"}


def test_late_payer_has_a_ten_day_delay(sales):
    with sales("head") as ctx:
        delays = client_delays(ctx, AS_OF)
    assert delays[sales.c] == 10
    # A: 1 000 five days late, 2 500 sixty-one, 500 ten → (5 000 + 152 500 + 5 000) / 4 000
    assert delays[sales.a] == 41
    assert sales.b not in delays and sales.d not in delays  # no payments of invoices


def test_forecast_by_week_planned_and_shifted_by_delays(sales):
    with sales("head") as ctx:
        r = run_report(ctx, "forecast", {"as_of": AS_OF, "period": "week"})
    rows = {row["_start"]: row for row in r.rows}
    first = rows[date(2026, 6, 29)]  # the week of 30.06, from Monday
    # overdue: I2 500, I4 3 050, I5 1 000, I11 600, O7 500; due this week: I3 800
    assert first["invoices"] == D("5950.00") and first["orders"] == D("500.00")
    assert first["planned"] == D("6450.00") and first["overdue"] == D("5650.00")
    assert rows[date(2026, 7, 6)]["planned"] == D("1220.00")  # I10 due 08.07
    assert rows[date(2026, 7, 13)]["orders"] == D("1000.00")  # O3's uninvoiced pump, 15.07
    assert rows[date(2026, 7, 20)]["orders"] == D("1000.00")  # O6, planned 20.07
    # shifted: C +10 days (I10 → 18.07, O6 → 30.07); A +41 (I3 → 15.08, O3 → 25.08);
    # overdue amounts of B and A's I2 are expected now
    expected = {k: v["expected"] for k, v in rows.items() if v["expected"]}
    assert expected == {
        date(2026, 6, 29): D("5650.00"),
        date(2026, 7, 13): D("1220.00"),
        date(2026, 7, 27): D("1000.00"),
        date(2026, 8, 10): D("800.00"),
        date(2026, 8, 24): D("1000.00"),
    }
    assert r.total["planned"] == r.total["expected"] == D("9670.00")
    assert r.total["overdue"] == D("5650.00")
    assert all(row["_start"].weekday() == 0 for row in r.rows)


def test_forecast_by_month_and_for_a_manager(sales):
    with sales("head") as ctx:
        r = run_report(ctx, "forecast", {"as_of": AS_OF, "period": "month",
                                         "date_to": date(2026, 9, 30)})
    got = {row["period"]: (row["planned"], row["expected"]) for row in r.rows}
    assert got == {
        "Июнь 2026": (D("5650.00"), D("5650.00")),
        "Июль 2026": (D("4020.00"), D("2220.00")),
        "Август 2026": (D("0.00"), D("1800.00")),
        "Сентябрь 2026": (D("0.00"), D("0.00")),
    }
    with sales("ivanov") as ctx:
        mine = run_report(ctx, "forecast", {"as_of": AS_OF, "period": "month"})
    assert mine.total["planned"] == D("500") + D("800") + D("1000") + D("1220") + D("1000")


def test_forecast_horizon_puts_the_rest_in_a_later_row(sales):
    with sales("head") as ctx:
        r = run_report(ctx, "forecast", {"as_of": AS_OF, "date_to": date(2026, 7, 10)})
    assert r.rows[-1]["period"].startswith("Позже")
    assert r.rows[-1]["planned"] == D("2000.00")  # O3's and O6's parts after 12.07
    assert r.total["expected"] == D("9670.00")


def test_bad_parameters_name_the_field(sales):
    with sales() as ctx:
        with pytest.raises(ValidationError, match="Начало периода"):
            run_report(ctx, "gross-profit", {"date_from": "31.02.2026"})
        with pytest.raises(ValidationError, match="Группировка"):
            run_report(ctx, "gross-profit", {"group_by": "year"})
        with pytest.raises(ValidationError, match="Менеджер"):
            run_report(ctx, "receivables", {"manager": "nobody"})
        with pytest.raises(ValidationError, match="не знает"):
            run_report(ctx, "receivables", {"group_by": "client"})
        with pytest.raises(ValidationError, match="Отчёт"):
            run_report(ctx, "sales-funnel", {})


def test_result_to_json_is_plain(sales):
    with sales() as ctx:
        data = run_report(ctx, "receivables", {"as_of": AS_OF}).to_json()
    assert data["total"]["owed"] == "6470.00"
    assert data["params"]["as_of"] == "2026-06-30"
    assert {c["key"] for c in data["columns"]} >= {"client", "owed", "d90"}


# ------------------------------------------------------------- independent sums
# The same figures worked out in Python from the documents themselves (ORM objects, no
# aggregate query), so a mistake in the report's SQL cannot hide behind a hand-made number.

def _independent_gross_profit(ctx, key) -> dict:
    from sqlalchemy import select

    from crmdesk.models import Document

    sums: dict = {}
    orders = ctx.session.scalars(select(Document).where(Document.doc_type == "order"))
    for doc in orders:
        if not doc.posted or doc.deletion_mark:
            continue
        for line in doc.lines:
            revenue = line.amount - (line.vat_amount if doc.vat_mode == "included" else 0)
            k = key(doc, line)
            got = sums.setdefault(k, [D("0"), D("0")])
            got[0] += revenue
            got[1] += line.cost_amount
    return {k: (v[0], v[1]) for k, v in sums.items()}


@pytest.mark.parametrize("group_by", ["order", "client", "manager", "product", "month"])
def test_gross_profit_equals_the_sum_over_the_lines(sales, group_by):
    from crmdesk.reports.words import local_date, month_name

    keys = {
        "order": (lambda d, ln: d.number, "number"),
        "client": (lambda d, ln: d.client.name, "client"),
        "manager": (lambda d, ln: d.manager.full_name, "manager"),
        "product": (lambda d, ln: ln.product.name if ln.product else ln.description, "product"),
        "month": (lambda d, ln: month_name(local_date(d.date).year, local_date(d.date).month),
                  "month"),
    }
    key, column = keys[group_by]
    with sales("head") as ctx:
        expected = _independent_gross_profit(ctx, key)
        r = run_report(ctx, "gross-profit", {"group_by": group_by})
    got = {row[column]: (row["revenue"], row["cost"]) for row in r.rows}
    assert got == expected
    assert r.total["revenue"] == sum((v[0] for v in expected.values()), D("0"))
    assert r.total["cost"] == sum((v[1] for v in expected.values()), D("0"))
    assert r.total["profit"] == r.total["revenue"] - r.total["cost"]
    for row in r.rows:
        assert row["margin"] == (row["profit"] * 100 / row["revenue"]).quantize(D("0.01"))


def test_receivables_equal_the_documents_and_their_payments(sales):
    """Per invoice: its total less what payments settled of it up to the date; advances
    are payments beyond any invoice; ageing by each invoice's due date."""
    from sqlalchemy import select

    from crmdesk.models import Document, Settlement
    from crmdesk.reports.period import day_start

    end = day_start(date(2026, 7, 1))
    with sales("head") as ctx:
        r = run_report(ctx, "receivables", {"as_of": AS_OF})
        owed: dict = {}
        buckets: dict = {}
        for st in ctx.session.scalars(select(Settlement)):
            rec = ctx.session.get(Document, st.recorder_id)
            if not rec.posted or rec.deletion_mark or st.date >= end:
                continue
            name = ctx.session.get(Document, st.recorder_id).client.name
            owed[name] = owed.get(name, D("0")) + st.amount
        for inv in ctx.session.scalars(select(Document).where(Document.doc_type == "invoice")):
            if not inv.posted or inv.deletion_mark:
                continue
            paid = sum((-s.amount for s in ctx.session.scalars(
                select(Settlement).where(Settlement.invoice_id == inv.id, Settlement.amount < 0,
                                         Settlement.date < end))), D("0"))
            rest = inv.total - paid
            if rest <= 0:
                continue
            late = (AS_OF - inv.due_date).days
            bucket = ("not_due" if late <= 0 else "d1_30" if late <= 30 else "d31_60"
                      if late <= 60 else "d61_90" if late <= 90 else "d90")
            per = buckets.setdefault(inv.client.name, {})
            per[bucket] = per.get(bucket, D("0")) + rest
    rows = by(r, "client")
    assert {k: v for k, v in owed.items() if v} == {k: v["owed"] for k, v in rows.items()}
    for name, per in buckets.items():
        for bucket in ("not_due", "d1_30", "d31_60", "d61_90", "d90"):
            assert rows[name][bucket] == per.get(bucket, D("0")), (name, bucket)


def test_reports_right_shows_everybody_without_seeing_all_clients(sales):
    """«Отчёты по всем менеджерам» alone: the reports count every manager's clients."""
    from crmdesk.models import Role
    from crmdesk.services import rights
    from crmdesk.services.users import create_user

    with sales() as ctx:
        ctx.session.add(Role(code="analyst", name="Аналитик", permissions=[rights.REPORTS]))
        ctx.session.flush()
        create_user(ctx.session, "analyst", "Аналитик Отдела", "analyst")
    with sales("analyst") as ctx:
        assert run_report(ctx, "gross-profit", {"date_from": "01.01.2026"}
                          ).total["revenue"] == D("8188.53")
        assert run_report(ctx, "receivables", {"as_of": AS_OF}).total["owed"] == D("6470.00")
        assert run_report(ctx, "forecast", {"as_of": AS_OF}).total["planned"] == D("9670.00")


def test_a_report_as_xlsx_and_pdf(sales):
    import io

    from openpyxl import load_workbook
    from pdfcheck import has, pages

    from crmdesk.reports import report_pdf, report_xlsx

    with sales("head") as ctx:
        gp = run_report(ctx, "gross-profit", {"group_by": "client", "date_from": "01.01.2026",
                                              "date_to": AS_OF})
        debt = run_report(ctx, "receivables", {"as_of": AS_OF})
        empty = run_report(ctx, "receivables", {"as_of": "01.01.2020"})
    wb = load_workbook(io.BytesIO(report_xlsx(gp)))
    ws = wb.active
    assert ws["A1"].value == "Валовая прибыль" and "01.01.2026 – 30.06.2026" in ws["A2"].value
    header = [ws.cell(5, c).value for c in range(1, 6)]
    assert header == ["Клиент", "Выручка без НДС", "Себестоимость", "Валовая прибыль",
                      "Рентабельность, %"]
    col_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    ivanov = col_a.index("Иванов Иван Иванович") + 1  # a group heading, then its rows
    assert ws.cell(ivanov, 1).font.b and ws.cell(ivanov + 1, 1).value == "ООО «Альфа»"
    assert ws.row_dimensions[ivanov + 1].outlineLevel == 1
    total = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Итого")
    assert D(str(ws.cell(total, 2).value)) == D("8188.53")
    assert D(str(ws.cell(total, 4).value)) == D("3588.53")
    assert ws.cell(total, 2).number_format == '#,##0.00;-#,##0.00;""'
    assert ws.print_title_rows == "$5:$5" and ws.freeze_panes == "A6"
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.fitToWidth == 1
    assert len(wb.worksheets) == 2 and wb.worksheets[1]._charts  # the chart's own sheet
    text = "\n".join(pages(report_pdf(gp)))
    has(text, "Валовая прибыль", "Иванов Иван Иванович", "ООО «Альфа»", "ООО «Вектор»",
        "Петров Пётр Петрович", "8 188,53", "3 588,53", "43,82", "Выручка и валовая прибыль")
    # the wide receivables print in landscape, the ageing columns too
    ws = load_workbook(io.BytesIO(report_xlsx(debt))).active
    assert ws.page_setup.orientation == "landscape"
    text = "\n".join(pages(report_pdf(debt)))
    has(text, "Дебиторская задолженность", "На 30.06.2026", "Свыше 90 дн.", "6 470,00",
        "Задолженность по срокам", "Крупнейшие должники")
    # an empty report still prints its header and a zero total
    assert empty.rows == [] and empty.total["owed"] == 0
    assert pages(report_pdf(empty)) and load_workbook(io.BytesIO(report_xlsx(empty)))
