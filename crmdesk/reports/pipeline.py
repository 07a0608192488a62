"""«Взвешенный прогноз продаж»: the open deals' amount × probability by expected close
month, beside the payment forecast (invoices and orders) of the same months.

Open: a deal not marked for deletion whose stage is neither final, nor a refusal, nor won
(100 %). Probability: the deal's own, else its stage's. A deal expected to close before the
as-of month is «Просрочено» (first row); one without a date, «Срок не указан» (last)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, type_coerce

from crmdesk.models import Client, Deal, Stage, User
from crmdesk.models.base import Money
from crmdesk.reports.period import month_start, next_month, report_filter, today
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series, sum_rows
from crmdesk.reports.words import month_name
from crmdesk.services.context import Context
from crmdesk.services.money import ZERO
from crmdesk.services.processes import open_stage_ids

COLUMNS = [
    Column("period", "Месяц закрытия", width=24),
    Column("deals", "Сделок", "int", True, 9),
    Column("amount", "Сумма сделок", "money", True),
    Column("weighted", "Взвешенная сумма", "money", True),
    Column("payments", "Прогноз поступлений", "money", True),
]
HORIZON = 6  # months shown one by one; later ones in one row


def weighted_by_month(ctx: Context, manager: User | None = None) -> list[tuple]:
    """(first day of month or None, deals, amount, Σ amount × probability / 100) of open
    deals, by expected close month; summed in SQL, a row per month and probability."""
    opened = open_stage_ids(ctx.session) or {-1}
    prob = func.coalesce(Deal.probability, Stage.probability, 0)
    month = Deal.expected_close
    cond = [Deal.stage_id.in_(opened), Deal.deletion_mark.is_(False), report_filter(ctx)]
    if manager is not None:
        cond.append(Deal.manager_id == manager.id)
    stmt = (select(month, prob, func.count(), type_coerce(func.sum(Deal.amount), Money))
            .join(Stage, Stage.id == Deal.stage_id).join(Client, Client.id == Deal.client_id)
            .where(*cond).group_by(month, prob))
    out: dict = {}
    for when, p, n, amount in ctx.session.execute(stmt):
        key = month_start(when) if when else None
        acc = out.setdefault(key, [0, ZERO, ZERO])
        acc[0] += n
        acc[1] += amount or ZERO
        acc[2] += (amount or ZERO) * Decimal(p) / 100
    return [(k, n, a, w.quantize(Decimal("0.01"), ROUND_HALF_UP))
            for k, (n, a, w) in out.items()]


def _payments(ctx: Context, as_of: date, last: date, manager) -> dict[str, Decimal]:
    from crmdesk.reports.forecast import forecast

    result = forecast(ctx, as_of=as_of, date_from=as_of, date_to=last, period="month",
                      manager=manager)
    return {r["period"]: r.get("planned") or ZERO for r in result.rows}


def pipeline(ctx: Context, as_of: date | None = None, manager: User | None = None
             ) -> ReportResult:
    as_of = as_of or today()
    first = month_start(as_of)
    months = [first]
    for _ in range(HORIZON - 1):
        months.append(next_month(months[-1]))
    horizon = next_month(months[-1])
    figures = weighted_by_month(ctx, manager)
    payments = _payments(ctx, as_of, horizon.replace(day=1), manager)
    rows = []
    empty = {"deals": 0, "amount": ZERO, "weighted": ZERO}

    def add(title, picked, **extra):
        row = dict(empty, period=title, **extra)
        for _, n, a, w in picked:
            row["deals"] += n
            row["amount"] += a
            row["weighted"] += w
        rows.append(row)

    add("Просрочено", [f for f in figures if f[0] is not None and f[0] < first])
    for m in months:
        title = month_name(m.year, m.month)
        add(title, [f for f in figures if f[0] == m], _month=m,
            payments=payments.get(title, ZERO))
    add(f"Позже {horizon - timedelta(days=1):%d.%m.%Y}",
        [f for f in figures if f[0] is not None and f[0] >= horizon])
    add("Срок не указан", [f for f in figures if f[0] is None])
    total = sum_rows(rows, COLUMNS, "period", "Итого")
    total["deals"] = int(total["deals"])
    subtitle = f"Открытые сделки на {as_of:%d.%m.%Y}"
    if manager is not None:
        subtitle += f"; менеджер: {manager.full_name}"
    shown = [r for r in rows if "_month" in r]
    return ReportResult(
        name="pipeline",
        title="Взвешенный прогноз продаж",
        subtitle=subtitle,
        columns=COLUMNS,
        groups=[Group(None, rows)],
        total=total,
        params={"as_of": as_of, "manager": manager.login if manager else None},
        charts=[Chart("Взвешенная воронка и поступления", "bar",
                      [r["period"] for r in shown],
                      [Series("Взвешенная сумма", [r["weighted"] for r in shown]),
                       Series("Прогноз поступлений", [r.get("payments") or ZERO
                                                      for r in shown])])],
        notes=["Взвешенная сумма — сумма сделки × вероятность (сделки или её этапа). "
               "Прогноз поступлений — по неоплаченным счетам и заказам, как в отчёте "
               "«Прогноз поступлений»."],
        generated_at=datetime.now().astimezone(),
    )
