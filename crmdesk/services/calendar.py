"""The production calendar: which days are working days, and deadlines counted in them.

Monday to Friday work, Saturday and Sunday are days off, except the exceptions: «holiday»
(a public holiday or a transferred day off on a weekday) and «workday» (a Saturday or Sunday
worked instead). The Russian public holidays and transfers of 2026 and 2027 ship here
(SHIPPED_DAYS); an administrator's edits are rows of ``calendar_days`` and win over the
shipped days (kind «normal»: the day follows the week after all). A new database holds no
rows, so it stays «fresh» for loading. No Qt here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.services.errors import ValidationError

WORKDAY_END = time(18, 0)  # a deadline in working days ends at the close of that day

_H = "holiday"
SHIPPED_DAYS: dict[date, tuple[str, str]] = {
    # 2026 (decree of the Government: 3 and 4 January moved to 9 January and 31 December)
    date(2026, 1, 1): (_H, "Новогодние каникулы"),
    date(2026, 1, 2): (_H, "Новогодние каникулы"),
    date(2026, 1, 5): (_H, "Новогодние каникулы"),
    date(2026, 1, 6): (_H, "Новогодние каникулы"),
    date(2026, 1, 7): (_H, "Рождество Христово"),
    date(2026, 1, 8): (_H, "Новогодние каникулы"),
    date(2026, 1, 9): (_H, "Перенос выходного с 3 января"),
    date(2026, 2, 23): (_H, "День защитника Отечества"),
    date(2026, 3, 9): (_H, "Перенос с 8 марта (воскресенье)"),
    date(2026, 5, 1): (_H, "Праздник Весны и Труда"),
    date(2026, 5, 11): (_H, "Перенос с 9 мая (суббота)"),
    date(2026, 6, 12): (_H, "День России"),
    date(2026, 11, 4): (_H, "День народного единства"),
    date(2026, 12, 31): (_H, "Перенос выходного с 4 января"),
    # 2027 (by the Labour Code, art. 112; the January transfers follow the decree — edit them)
    date(2027, 1, 1): (_H, "Новогодние каникулы"),
    date(2027, 1, 4): (_H, "Новогодние каникулы"),
    date(2027, 1, 5): (_H, "Новогодние каникулы"),
    date(2027, 1, 6): (_H, "Новогодние каникулы"),
    date(2027, 1, 7): (_H, "Рождество Христово"),
    date(2027, 1, 8): (_H, "Новогодние каникулы"),
    date(2027, 2, 23): (_H, "День защитника Отечества"),
    date(2027, 3, 8): (_H, "Международный женский день"),
    date(2027, 5, 3): (_H, "Перенос с 1 мая (суббота)"),
    date(2027, 5, 10): (_H, "Перенос с 9 мая (воскресенье)"),
    date(2027, 6, 14): (_H, "Перенос с 12 июня (суббота)"),
    date(2027, 11, 4): (_H, "День народного единства"),
}
KINDS = {"holiday": "Выходной (праздник)", "workday": "Рабочий день",
         "normal": "По дню недели"}


def _exceptions(session: Session) -> dict[date, str]:
    """The shipped days with the catalogue's edits over them, read once per session."""
    from crmdesk.models.service import CalendarDay

    cached = session.info.get("calendar_days")
    if cached is None:
        cached = {d: kind for d, (kind, _name) in SHIPPED_DAYS.items()}
        cached.update(session.execute(select(CalendarDay.day, CalendarDay.kind)).all())
        session.info["calendar_days"] = cached
    return cached


def is_working_day(session: Session, day: date) -> bool:
    kind = _exceptions(session).get(day)
    if kind in ("holiday", "workday"):
        return kind == "workday"
    return day.weekday() < 5


def next_working_day(session: Session, day: date) -> date:
    """``day`` itself when it is a working day, else the first working day after it."""
    for _ in range(366):
        if is_working_day(session, day):
            return day
        day += timedelta(days=1)
    raise ValidationError("Производственный календарь", "нет ни одного рабочего дня за год")


def add_working_days(session: Session, day: date, days: int) -> date:
    """The ``days``-th working day after ``day`` (0: ``day`` itself, or the next working day
    when it is a day off): Saturday + 1 is Monday, Tuesday + 1 is Wednesday."""
    if days <= 0:
        return next_working_day(session, day)
    for _ in range(days):
        day = next_working_day(session, day + timedelta(days=1))
    return day


def working_days_between(session: Session, start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    n, day = 0, start
    while day < end:
        day += timedelta(days=1)
        n += is_working_day(session, day)
    return n


def deadline(session: Session, registered_at: datetime, sla_days: int | None,
             sla_hours: int | None) -> datetime | None:
    """A request's deadline: ``sla_hours`` after registration around the clock (emergencies),
    else the close (18:00 local) of the ``sla_days``-th working day after the registration day
    (0: the same working day); None when the category has no normal term."""
    if sla_hours:
        return registered_at + timedelta(hours=sla_hours)
    if sla_days is None:
        return None
    local = registered_at.astimezone()
    day = local.date()
    if is_working_day(session, day) and local.time() >= WORKDAY_END:
        day += timedelta(days=1)  # registered after hours: counted from the next day
    end_day = add_working_days(session, day, sla_days)
    return datetime.combine(end_day, WORKDAY_END).astimezone()


# --- the catalogue ------------------------------------------------------------------------
def list_days(session: Session, year: int | None = None) -> list[dict]:
    """The exceptions in force (shipped and edited), by date; «edited» marks the edits."""
    from crmdesk.models.service import CalendarDay

    days = {d: {"day": d, "kind": k, "name": n, "edited": False}
            for d, (k, n) in SHIPPED_DAYS.items()}
    for row in session.scalars(select(CalendarDay)):
        days[row.day] = {"day": row.day, "kind": row.kind, "name": row.name, "edited": True}
    out = []
    for d in sorted(days):
        if year is None or d.year == year:
            out.append({**days[d], "kind_title": KINDS[days[d]["kind"]]})
    return out


def set_day(ctx, day: date, kind: str, name: str | None = None) -> None:
    """Make ``day`` a holiday, a working day, or «normal» (it follows the week again, even
    where a shipped holiday was); the administrator's edit is kept in the catalogue."""
    from crmdesk.models.service import CalendarDay
    from crmdesk.services import rights

    rights.require(ctx.user, rights.ADMIN)
    if not isinstance(day, date):
        raise ValidationError("Дата", "не дата")
    if kind not in KINDS:
        raise ValidationError("Вид дня", f"«{kind}»: можно holiday, workday или normal")
    row = ctx.session.get(CalendarDay, day)
    if row is None:
        ctx.session.add(CalendarDay(day=day, kind=kind, name=name))
    else:
        row.kind, row.name = kind, name
    ctx.session.flush()
    ctx.session.info.pop("calendar_days", None)
