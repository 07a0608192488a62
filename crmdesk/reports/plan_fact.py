"""«План-факт продаж»: each manager's plan per month against what was sold — the posted
payments of the manager's clients (services.plans.sold) — and the percentage done."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from crmdesk.models import User
from crmdesk.reports.period import (
    day_start,
    month_start,
    next_month,
    period_text,
    sees_all,
    today,
)
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series, percent, sum_rows
from crmdesk.reports.words import month_name
from crmdesk.services import plans as plan_rules
from crmdesk.services.context import Context
from crmdesk.services.money import ZERO

COLUMNS = [
    Column("manager", "Менеджер", width=32),
    Column("plan", "План", "money", True),
    Column("fact", "Факт (оплаты)", "money", True),
    Column("left", "Осталось", "money", True),
    Column("done", "Выполнено, %", "percent", False, 12),
]


def plan_fact(ctx: Context, date_from: date | None = None, date_to: date | None = None,
              manager: User | None = None) -> ReportResult:
    date_to = date_to or today()
    date_from = month_start(date_from or date_to)
    if manager is None and not sees_all(ctx):
        manager = ctx.user
    groups = []
    month = date_from
    chart_names, chart_plan, chart_fact = [], [], []
    while month <= date_to:
        after = next_month(month)
        planned = {m: a for (m, mo), a in plan_rules.plans(ctx, month, month).items()}
        fact = plan_rules.sold(ctx, day_start(month), day_start(after),
                               manager.id if manager else None)
        ids = (set(planned) | {k for k in fact if k is not None})
        if manager is not None:
            ids &= {manager.id}
        names = dict(ctx.session.execute(select(User.id, User.full_name)
                                          .where(User.id.in_(ids))).all())
        rows = []
        for uid in sorted(ids, key=lambda i: names.get(i, "")):
            p, f = planned.get(uid, ZERO), fact.get(uid, ZERO)
            rows.append({"manager": names.get(uid, ""), "_manager_id": uid, "plan": p,
                         "fact": f, "left": max(p - f, ZERO), "done": percent(f, p)})
        title = month_name(month.year, month.month)
        group = Group(title, rows)
        group.subtotal = sum_rows(rows, COLUMNS, "manager", "Итого")
        group.subtotal["done"] = percent(group.subtotal["fact"], group.subtotal["plan"])
        groups.append(group)
        chart_names.append(title)
        chart_plan.append(group.subtotal["plan"])
        chart_fact.append(group.subtotal["fact"])
        month = after
    total = sum_rows([g.subtotal for g in groups], COLUMNS, "manager", "Итого")
    total["done"] = percent(total["fact"], total["plan"])
    subtitle = period_text(date_from, date_to)
    if manager is not None:
        subtitle += f"; менеджер: {manager.full_name}"
    return ReportResult(
        name="plan-fact",
        title="План-факт продаж",
        subtitle=subtitle,
        columns=COLUMNS,
        groups=groups,
        total=total,
        params={"date_from": date_from, "date_to": date_to,
                "manager": manager.login if manager else None},
        charts=[Chart("План и факт", "bar", chart_names,
                      [Series("План", chart_plan), Series("Факт", chart_fact)])],
        notes=["Факт — проведённые поступления оплаты от клиентов менеджера за месяц."],
        generated_at=datetime.now().astimezone(),
    )
