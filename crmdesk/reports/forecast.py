"""Прогноз поступлений: expected incoming payments by week (from Monday) or by month.

What is expected: the remainder of every unpaid posted invoice on its due date, and the
part of every posted order not yet invoiced (nor paid on the basis of the order) on the
order's planned payment date (an order without one: its date + «invoice_due_days»).
Shown twice: as planned, and shifted by each client's average payment delay — the
amount-weighted mean of (payment date − due date) over the client's past payments of
invoices. Whatever was due before the as-of date is overdue and expected in the first
period; amounts after the horizon are summed in a last «later» row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Float, Numeric, func, select, type_coerce
from sqlalchemy.orm import aliased

from crmdesk.models import Client, Document, Settlement, User
from crmdesk.models.base import Money
from crmdesk.reports.period import (
    day_key,
    day_start,
    period_title,
    periods,
    report_filter,
    today,
)
from crmdesk.reports.receivables import invoice_balances
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series, sum_rows
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.money import ZERO
from crmdesk.services.settings import get_setting

PERIODS = {"week": "по неделям", "month": "по месяцам"}
COLUMNS = [
    Column("period", "Период", width=26),
    Column("invoices", "По счетам", "money", True),
    Column("orders", "По заказам", "money", True),
    Column("planned", "По плану", "money", True),
    Column("overdue", "в т.ч. просрочено", "money", True),
    Column("expected", "С учётом задержек", "money", True),
]


def _visible(ctx: Context, manager: User | None):
    cond = [report_filter(ctx)]
    if manager is not None:
        cond.append(Client.owner_id == manager.id)
    return cond


def client_delays(ctx: Context, as_of: date, manager: User | None = None) -> dict[int, int]:
    """Each client's average delay of payment in days (negative: pays early), by history."""
    inv, pay = aliased(Document), aliased(Document)
    if ctx.session.get_bind().dialect.name == "sqlite":
        days = func.julianday(func.date(Settlement.date)) - func.julianday(inv.due_date)
    else:
        days = func.date(func.timezone("UTC", Settlement.date)) - inv.due_date
    paid = type_coerce(Settlement.amount, Numeric)  # raw units: kopecks on SQLite, cancel out
    stmt = (
        select(
            Settlement.client_id,
            type_coerce(func.sum(days * paid), Float).label("weighted"),
            type_coerce(func.sum(paid), Float).label("amount"),
        )
        .join(inv, inv.id == Settlement.invoice_id)
        .join(pay, pay.id == Settlement.recorder_id)
        .join(Client, Client.id == Settlement.client_id)
        .where(
            Settlement.amount < 0,
            Settlement.date < day_start(as_of + timedelta(days=1)),
            pay.doc_type == "payment",
            pay.posted.is_(True),
            pay.deletion_mark.is_(False),
            inv.due_date.is_not(None),
            *_visible(ctx, manager),
        )
        .group_by(Settlement.client_id)
    )
    return {
        r.client_id: round(r.weighted / r.amount)
        for r in ctx.session.execute(stmt)
        if r.amount
    }


def _open_invoices(ctx: Context, as_of: date, manager: User | None):
    b = invoice_balances(ctx, as_of, manager)
    stmt = (
        select(b.c.client_id, b.c.due_date, type_coerce(func.sum(b.c.balance), Money))
        .where(b.c.invoice_id.is_not(None), b.c.balance > 0)
        .group_by(b.c.client_id, b.c.due_date)
    )
    return ctx.session.execute(stmt).all()


def _unbilled_orders(ctx: Context, as_of: date, manager: User | None):
    """(client, planned date, amount) of posted orders' parts not yet invoiced or paid."""
    end = day_start(as_of + timedelta(days=1))
    child = aliased(Document)
    billed = (
        select(child.basis_id.label("order_id"),
               type_coerce(func.sum(child.total), Money).label("amount"))
        .where(
            child.doc_type.in_(("invoice", "payment")),
            child.posted.is_(True),
            child.deletion_mark.is_(False),
            child.basis_id.is_not(None),
            child.date < end,
        )
        .group_by(child.basis_id)
        .subquery("billed")
    )
    rest = type_coerce(Document.total - func.coalesce(billed.c.amount, 0), Money)
    orders = (
        select(
            Document.client_id.label("client_id"),
            Document.due_date.label("due_date"),
            day_key(ctx.session, Document.date).label("day"),
            rest.label("rest"),
        )
        .join(Client, Client.id == Document.client_id)
        .outerjoin(billed, billed.c.order_id == Document.id)
        .where(
            Document.doc_type == "order",
            Document.posted.is_(True),
            Document.deletion_mark.is_(False),
            Document.date < end,
            *_visible(ctx, manager),
        )
        .subquery("orders")
    )
    o = orders.c
    dated = ctx.session.execute(
        select(o.client_id, o.due_date, type_coerce(func.sum(o.rest), Money))
        .where(o.rest > 0, o.due_date.is_not(None))
        .group_by(o.client_id, o.due_date)
    ).all()
    days = int(get_setting(ctx.session, "invoice_due_days") or 5)
    undated = [
        (r.client_id, _as_date(r.day) + timedelta(days=days), r.rest)
        for r in ctx.session.execute(
            select(o.client_id, o.day, type_coerce(func.sum(o.rest), Money).label("rest"))
            .where(o.rest > 0, o.due_date.is_(None))
            .group_by(o.client_id, o.day)
        )
    ]
    return [*dated, *undated]


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def forecast(
    ctx: Context,
    as_of: date | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    period: str = "week",
    manager: User | None = None,
) -> ReportResult:
    if period not in PERIODS:
        raise ValidationError("Периодичность", f"«{period}»: можно week или month")
    as_of = as_of or today()
    date_from = date_from or as_of
    date_to = date_to or date_from + timedelta(days=90 if period == "week" else 181)
    if date_to < date_from:
        raise ValidationError("Конец периода", "раньше начала периода")
    delays = client_delays(ctx, as_of, manager)
    slots = periods(date_from, date_to, period)
    first, horizon = slots[0][0], slots[-1][1]
    rows = [
        {"period": period_title(a, b, period), "_start": a, "_end": b - timedelta(days=1),
         "invoices": ZERO, "orders": ZERO, "planned": ZERO, "overdue": ZERO, "expected": ZERO}
        for a, b in slots
    ]
    later = {"period": f"Позже {horizon - timedelta(days=1):%d.%m.%Y}", "_start": horizon,
             "_end": None, **{c.key: ZERO for c in COLUMNS if c.total}}

    def slot(day: date) -> dict:
        if day < first:
            return rows[0]
        if day >= horizon:
            return later
        k = next(i for i, (a, b) in enumerate(slots) if a <= day < b)
        return rows[k]

    late_expected = ZERO  # of «С учётом задержек»: what is overdue even so (first period)
    items = [("invoices", *r) for r in _open_invoices(ctx, as_of, manager)]
    items += [("orders", *r) for r in _unbilled_orders(ctx, as_of, manager)]
    for kind, client_id, planned, amount in items:
        planned = _as_date(planned) if planned is not None else as_of
        plan_row = slot(planned)
        plan_row[kind] += amount
        plan_row["planned"] += amount
        if planned < as_of:
            plan_row["overdue"] += amount
        shifted = planned + timedelta(days=delays.get(client_id, 0))
        slot(max(shifted, as_of))["expected"] += amount
        if shifted < as_of:  # still overdue after the client's usual delay
            late_expected += amount
    if any(later[c.key] for c in COLUMNS if c.total):
        rows.append(later)
    total = sum_rows(rows, COLUMNS, "period", "Итого")
    subtitle = (f"На {as_of:%d.%m.%Y}; {PERIODS[period]} с {first:%d.%m.%Y} "
                f"по {horizon - timedelta(days=1):%d.%m.%Y}")
    if manager is not None:
        subtitle += f"; менеджер: {manager.full_name}"
    late = [d for d in delays.values() if d]
    notes = [
        "«С учётом задержек» сдвигает каждую сумму на среднюю задержку оплаты клиента "
        "по истории его платежей.",
        f"Клиентов с историей оплат: {len(delays)}, из них платят не в срок: {len(late)}.",
    ]
    return ReportResult(
        name="forecast",
        title="Прогноз поступлений",
        subtitle=subtitle,
        columns=COLUMNS,
        groups=[Group(None, rows)],
        total=total,
        params={"as_of": as_of, "date_from": date_from, "date_to": date_to, "period": period,
                "manager": manager.login if manager else None},
        charts=_charts(rows, late_expected),
        notes=notes,
        generated_at=datetime.now().astimezone(),
    )


def _charts(rows: list[dict], late_expected) -> list[Chart]:
    """The overdue total apart, on a scale of its own, then the periods without it: the
    first period holds everything overdue, which would flatten every other bar."""
    overdue = sum((r["overdue"] for r in rows), ZERO)
    planned = [r["planned"] for r in rows]
    expected = [r["expected"] for r in rows]
    if rows:
        planned[0] -= overdue
        expected[0] -= late_expected
    periods_chart = Chart("Поступления по плану и с учётом задержек", "bar",
                          [r["period"] for r in rows],
                          [Series("По плану", planned), Series("С учётом задержек", expected)])
    if not overdue and not late_expected:
        return [periods_chart]
    return [
        Chart("Просрочено", "bar", ["Просрочено"],
              [Series("По плану", [overdue]), Series("С учётом задержек", [late_expected])]),
        periods_chart,
    ]


__all__ = ["PERIODS", "client_delays", "forecast"]
