"""«Анализ заявок»: requests registered in the period by category, executor or house — how
many, done, done on time and its share, the average time to completion, still open and
overdue, repeated requests from the same premises; «Не переданы показания» for a month.
Counted in SQL (GROUP BY), so a registry of a million requests is not loaded."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, select

from crmdesk.models import User, utcnow
from crmdesk.models.service import (
    Contractor,
    House,
    Premises,
    RequestCategory,
    ServiceRequest,
)
from crmdesk.reports.period import day_start, period_text, today
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series, percent
from crmdesk.services.context import Context
from crmdesk.services.requests import OPEN, visible

REPEAT_DAYS = 30
GROUPINGS = {"category": "Категории", "executor": "Исполнители", "house": "Дома"}
COLUMNS = [
    Column("name", "Группа", width=34),
    Column("total", "Заявок", "int", True, 9),
    Column("done", "Выполнено", "int", True, 10),
    Column("on_time", "В срок", "int", True, 9),
    Column("on_time_pct", "В срок, %", "percent", False, 10),
    Column("avg_hours", "Ср. время, ч", "number", False, 11),
    Column("open", "Открыто", "int", True, 9),
    Column("overdue", "Просрочено", "int", True, 10),
    Column("repeated", "Повторных", "int", True, 10),
]


def _hours(session, start, end):
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24
    return func.extract("epoch", end - start) / 3600


def _group_key(by: str):
    if by == "executor":
        return func.coalesce(User.full_name, Contractor.name, "(не назначен)")
    if by == "house":
        return func.coalesce(House.address, "(без помещения)")
    return func.coalesce(RequestCategory.name, "(без категории)")


def _repeats(ctx: Context, joined, key, start: datetime, end: datetime) -> dict[str, int]:
    """Per group: requests of the period from premises that had one within 30 days before
    (read: the period's requests with premises and the 30 days before it, two columns)."""
    window = timedelta(days=REPEAT_DAYS)
    rows = ctx.session.execute(
        joined.with_only_columns(key, ServiceRequest.premises_id, ServiceRequest.registered_at)
        .where(ServiceRequest.premises_id.isnot(None),
               ServiceRequest.registered_at >= start - window, ServiceRequest.registered_at < end)
        .order_by(ServiceRequest.premises_id, ServiceRequest.registered_at)).all()
    counts: dict[str, int] = {}
    last: dict[int, datetime] = {}
    for name, premises_id, at in rows:
        before = last.get(premises_id)
        if at >= start and before is not None and at - before <= window:
            counts[name] = counts.get(name, 0) + 1
        last[premises_id] = at
    return counts


def requests_report(ctx: Context, date_from: date | None = None, date_to: date | None = None,
                    group_by: str = "category") -> ReportResult:
    date_to = date_to or today()
    date_from = date_from or date_to.replace(day=1)
    start, end = day_start(date_from), day_start(date_to + timedelta(days=1))
    now = utcnow()
    finished = ServiceRequest.status.in_(("done", "closed"))
    key = _group_key(group_by).label("name")
    joined = (
        select(ServiceRequest.id)
        .outerjoin(RequestCategory, RequestCategory.id == ServiceRequest.category_id)
        .outerjoin(User, User.id == ServiceRequest.executor_id)
        .outerjoin(Contractor, Contractor.id == ServiceRequest.contractor_id)
        .outerjoin(Premises, Premises.id == ServiceRequest.premises_id)
        .outerjoin(House, House.id == Premises.house_id)
        .where(visible(ctx), ServiceRequest.deletion_mark.is_(False))
    )
    stmt = (
        joined.with_only_columns(
            key,
            func.count(ServiceRequest.id),
            func.sum(case((finished, 1), else_=0)),
            func.sum(case((and_(finished, ServiceRequest.done_at <= ServiceRequest.deadline),
                           1), else_=0)),
            func.avg(case((finished, _hours(ctx.session, ServiceRequest.registered_at,
                                            ServiceRequest.done_at)))),
            func.sum(case((ServiceRequest.status.in_(OPEN), 1), else_=0)),
            func.sum(case((and_(ServiceRequest.status.in_(OPEN),
                                ServiceRequest.deadline < now), 1), else_=0)),
            func.sum(case((and_(finished, ServiceRequest.deadline.isnot(None)), 1), else_=0)),
        )
        .where(ServiceRequest.registered_at >= start, ServiceRequest.registered_at < end)
        .group_by(key)
        .order_by(key)
    )
    repeats = _repeats(ctx, joined, key, start, end)
    rows = []
    totals = dict.fromkeys(("total", "done", "on_time", "open", "overdue", "repeated", "_dl"), 0)
    hours_sum = Decimal(0)
    for name, n, done, on_time, avg, open_, late, with_deadline in ctx.session.execute(stmt):
        avg_h = (Decimal(str(avg)).quantize(Decimal("0.1"), ROUND_HALF_UP)
                 if avg is not None else None)
        row = {"name": name, "total": n, "done": done or 0, "on_time": on_time or 0,
               "on_time_pct": percent(Decimal(on_time or 0), Decimal(with_deadline or 0)),
               "avg_hours": avg_h, "open": open_ or 0, "overdue": late or 0,
               "repeated": repeats.get(name, 0)}
        rows.append(row)
        for k in ("total", "done", "on_time", "open", "overdue", "repeated"):
            totals[k] += row[k]
        totals["_dl"] += with_deadline or 0
        if avg is not None:
            hours_sum += Decimal(str(avg)) * (done or 0)
    total = {"name": "Итого", **{k: v for k, v in totals.items() if not k.startswith("_")},
             "on_time_pct": percent(Decimal(totals["on_time"]), Decimal(totals["_dl"])),
             "avg_hours": (hours_sum / totals["done"]).quantize(Decimal("0.1"), ROUND_HALF_UP)
             if totals["done"] else None}
    return ReportResult(
        name="requests",
        title="Анализ заявок",
        subtitle=f"{period_text(date_from, date_to)}; группировка: {GROUPINGS[group_by]}",
        columns=COLUMNS,
        groups=[Group(None, rows)],
        total=total,
        params={"date_from": date_from, "date_to": date_to, "group_by": group_by},
        charts=[Chart("Заявки", "bar", [r["name"] for r in rows],
                      [Series("Заявок", [Decimal(r["total"]) for r in rows]),
                       Series("В срок", [Decimal(r["on_time"]) for r in rows])])],
        notes=["«В срок» — выполнены не позже срока; доля — от выполненных заявок со сроком. "
               "«Повторных» — заявки из помещения, откуда была заявка за 30 дней до них."],
        generated_at=datetime.now().astimezone(),
    )


def missing_readings_report(ctx: Context, as_of: date | None = None) -> ReportResult:
    """Meters without a reading for the month of ``as_of`` (this month by default)."""
    from crmdesk.services.housing import missing_readings

    month = (as_of or today()).replace(day=1)
    rows = [{"address": m["address"], "premises": m["premises"], "kind": m["kind"],
             "serial": m["serial"], "_meter_id": m["meter_id"]}
            for m in missing_readings(ctx, month)]
    return ReportResult(
        name="readings-missing",
        title="Не переданы показания",
        subtitle=f"за {month:%m.%Y}",
        columns=[Column("address", "Дом", width=40), Column("premises", "Помещение", width=10),
                 Column("kind", "Вид счётчика", width=22),
                 Column("serial", "Заводской номер", width=18)],
        groups=[Group(None, rows)],
        total={"address": f"Всего счётчиков: {len(rows)}"},
        params={"as_of": month},
        generated_at=datetime.now().astimezone(),
    )
