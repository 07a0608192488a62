"""The funnel's figures against independent counts of the stage history; the weighted
forecast and plan/fact against the deals and payments made; the files read back."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
from pypdf import PdfReader
from sqlalchemy import select

from crmdesk.models import Deal, DealStageHistory, Stage
from crmdesk.reports import report_pdf, report_xlsx, run_report
from crmdesk.services import deals, plans
from crmdesk.services.clients import create_client
from tests.pipeline.conftest import doc

PATHS = [
    ["choice", "invoicing", "paid", "awaiting_docs"],
    ["choice", "refusal"],
    ["refusal"],
    ["choice", "invoicing"],
    ["choice", "invoicing", "paid", "awaiting_docs", "client", "contract", "invoicing"],
    [],
]
REASONS = ["Дорого", "Нет бюджета"]


def _make(uow, n=24, seed=7):
    rnd = random.Random(seed)
    base = datetime(2026, 10, 1, 9, tzinfo=UTC)
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Воронкин"}).id
        for i in range(n):
            deal = deals.create_deal(ctx, cid, f"Сделка {i}", 1000 + i,
                                     source=rnd.choice(["Сайт", "Звонок", None]))
            for code in rnd.choice(PATHS):
                deals.move_deal(ctx, deal.id, code, reason=rnd.choice(REASONS))
            at = base + timedelta(days=rnd.randrange(0, 50), hours=rnd.randrange(10))
            for h in deal.history:  # spread the moves over October–November
                h.at, h.stayed_seconds = at, None
                at += timedelta(days=rnd.randrange(0, 6), hours=rnd.randrange(1, 20))
        ctx.session.flush()
        deals.fill_stayed(ctx.session)


def _expected(ctx, start, end):
    """Counted straight from the history rows, in Python."""
    stages = {s.id: s for s in ctx.session.scalars(select(Stage))}
    hist: dict[int, list] = {}
    for h in ctx.session.scalars(select(DealStageHistory).order_by(DealStageHistory.at,
                                                                  DealStageHistory.id)):
        hist.setdefault(h.deal_id, []).append((h.to_stage_id, h.at))
    process = [s for s in sorted(stages.values(), key=lambda s: s.order)
               if s.process_id == 1 and not s.is_refusal]
    nxt = {a.id: b.id for a, b in zip(process, process[1:], strict=False)}
    won = {s.id for s in stages.values() if s.probability == 100 and not s.is_refusal}
    out: dict = {}
    lost: dict = {}
    for deal_id, moves in hist.items():
        first: dict = {}
        for s, at in moves:
            first.setdefault(s, at)
        for s, at in first.items():
            if not start <= at < end:
                continue
            if stages[s].is_refusal:
                reason = ctx.session.get(Deal, deal_id).refusal_reason
                lost[reason] = lost.get(reason, 0) + 1
                continue
            row = out.setdefault(stages[s].name, [0, 0, 0])
            row[0] += 1
            if s in nxt and nxt[s] in first and first[nxt[s]] >= at:
                row[1] += 1
            if any(t in won and t_at >= at for t, t_at in moves):
                row[2] += 1
    return out, lost


def test_funnel_matches_counts_of_the_stage_history(uow):
    _make(uow)
    with uow("ivanov") as ctx:  # a manager: only their own clients — here all of them
        start = datetime(2026, 10, 10, tzinfo=UTC)
        result = run_report(ctx, "funnel", {"date_from": "10.10.2026", "date_to": "15.11.2026"})
        from crmdesk.reports.period import day_start

        expected, lost = _expected(ctx, day_start(date(2026, 10, 10)),
                                   day_start(date(2026, 11, 16)))
        assert start  # the period's start is local midnight: day_start is the same rule
        got = {r["stage"]: [r["entered"], r["to_next"] or 0, r["won"]] for r in result.rows
               if "_stage_id" in r and not r["stage"].startswith("Отказ")}
        got = {k: v for k, v in got.items() if v[0]}
        assert got == expected
        got_lost = {r["stage"].strip(): r["entered"] for r in result.rows if "_reason" in r}
        assert got_lost == lost
        assert sum(expected[k][0] for k in expected) > 20  # the sample is not trivial


def test_average_time_in_a_stage(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Часы"}).id
        deal = deals.create_deal(ctx, cid, "Сделка")
        deals.move_deal(ctx, deal.id, "choice")
        deals.move_deal(ctx, deal.id, "invoicing")
        t0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
        for h, days in zip(deal.history, (0, 3, 4), strict=True):  # new 3 d, choice 1 d
            h.at = t0 + timedelta(days=days)
        other = deals.create_deal(ctx, cid, "Другая")
        deals.move_deal(ctx, other.id, "choice")
        for h, days in zip(other.history, (0, 1), strict=True):  # new 1 d
            h.at = t0 + timedelta(days=days)
        for h in (*deal.history, *other.history):
            h.stayed_seconds = None  # the times were rewritten: counted again from them
        ctx.session.flush()
        deals.fill_stayed(ctx.session)
        result = run_report(ctx, "funnel", {"date_from": "01.11.2026", "date_to": "30.11.2026"})
        by = {r["stage"]: r for r in result.rows}
        assert by["Новый"]["avg_days"] == Decimal("2.0")
        assert by["Выбор"]["avg_days"] == Decimal("1.0")
        assert by["Выставление счёта"]["avg_days"] is None
        assert (by["Новый"]["entered"], by["Новый"]["to_next"]) == (2, 2)


def test_funnel_by_manager_and_the_files(uow):
    _make(uow, n=8)
    with uow("head") as ctx:
        result = run_report(ctx, "funnel", {"date_from": "01.10.2026", "date_to": "31.12.2026",
                                            "group_by": "manager"})
        assert [g.title for g in result.groups] == ["Иванов Иван Иванович"]
        pdf = report_pdf(result)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Воронка продаж" in text and "Иванов Иван Иванович" in text
        book = openpyxl.load_workbook(io.BytesIO(report_xlsx(result)))
        cells = [c.value for row in book.active.iter_rows() for c in row]
        assert "Выставление счёта" in cells and "Вошло сделок" in cells


def test_weighted_forecast_by_expected_close_month(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Прогнозов"}).id
        a = deals.create_deal(ctx, cid, "A", 100000, expected_close=date(2027, 1, 20))
        deals.move_deal(ctx, a.id, "choice")  # 30 %
        deals.create_deal(ctx, cid, "B", 50000, expected_close=date(2027, 1, 5),
                          probability=50)
        deals.create_deal(ctx, cid, "C", 1000)  # no date, 10 %
        lost = deals.create_deal(ctx, cid, "D", 999999, expected_close=date(2027, 1, 5))
        deals.move_deal(ctx, lost.id, "refusal", reason="Дорого")
        result = run_report(ctx, "pipeline", {"as_of": "01.12.2026"})
        by = {r["period"]: r for r in result.rows}
        assert (by["Январь 2027"]["deals"], by["Январь 2027"]["amount"],
                by["Январь 2027"]["weighted"]) == (2, Decimal("150000.00"), Decimal("55000.00"))
        assert by["Срок не указан"]["weighted"] == Decimal("100.00")
        assert result.total["weighted"] == Decimal("55100.00")


def test_plan_fact(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Платёжный"}).id
        d = deals.create_deal(ctx, cid, "Оплата")
        doc(ctx, "payment", cid, d.id, "30000")
    with uow("head") as ctx:
        plans.set_plan(ctx, "ivanov", date.today(), "120000")
        plans.set_plan(ctx, "ivanov", date.today().strftime("%m.%Y"), "100000")  # replaces
        result = run_report(ctx, "plan-fact", {})
        row = result.rows[0]
        assert (row["manager"], row["plan"], row["fact"], row["done"]) == (
            "Иванов Иван Иванович", Decimal("100000.00"), Decimal("30000.00"), Decimal("30.00"))
    with uow("ivanov") as ctx:
        import pytest

        from crmdesk.services.errors import AccessDenied

        with pytest.raises(AccessDenied):
            plans.set_plan(ctx, "ivanov", date.today(), "1")
