"""Report parameters: dates typed by people, local-day bounds in UTC, weeks and months."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, literal_column
from sqlalchemy.orm import Session

from crmdesk.models import User
from crmdesk.reports.words import month_name
from crmdesk.services import rights
from crmdesk.services.errors import ValidationError

_RU = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value, field: str) -> date | None:
    """dd.mm.yyyy, yyyy-mm-dd, a date or a datetime → date; None/'' → None.

    Anything else raises ValidationError naming ``field`` (an option like «--from»)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone().date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = _RU.match(text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = _ISO.match(text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise ValidationError(field, f"«{text}» — нет такой даты ({exc})") from None
    raise ValidationError(field, f"«{text}» — нужна дата вида 24.11.2026 или 2026-11-24")


def today() -> date:
    return datetime.now().astimezone().date()


def day_start(d: date) -> datetime:
    """The start of a local calendar day as an aware UTC time (for comparing stored times)."""
    return datetime.combine(d, time()).astimezone().astimezone(UTC)


def utc_offset_minutes() -> int:
    """This computer's current offset from UTC: months and days are grouped in local time."""
    offset = datetime.now().astimezone().utcoffset() or timedelta()
    return int(offset.total_seconds() // 60)


def month_key(session: Session, column):
    """SQL: the local 'YYYY-MM' of a stored UTC timestamp, on SQLite and PostgreSQL."""
    minutes = utc_offset_minutes()
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column, f"{minutes:+d} minutes")
    shifted = func.timezone("UTC", column) + literal_column(f"interval '{minutes} minutes'")
    return func.to_char(shifted, "YYYY-MM")


def day_key(session: Session, column):
    """SQL: the UTC calendar date of a stored timestamp, as a date (PG) or 'YYYY-MM-DD'."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return func.date(func.timezone("UTC", column))


def month_title(key: str) -> str:
    year, month = key.split("-")
    return month_name(int(year), int(month))


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def periods(start: date, end: date, kind: str) -> list[tuple[date, date]]:
    """[first day, day after last) of each week (Monday first) or month covering start..end."""
    out = []
    cur = week_start(start) if kind == "week" else month_start(start)
    while cur <= end:
        nxt = cur + timedelta(days=7) if kind == "week" else next_month(cur)
        out.append((cur, nxt))
        cur = nxt
    return out


def period_title(first: date, after: date, kind: str) -> str:
    if kind == "month":
        return month_name(first.year, first.month)
    return f"{first:%d.%m.%Y} – {after - timedelta(days=1):%d.%m.%Y}"


def find_manager(session: Session, value, field: str = "Менеджер") -> User:
    """A user by login (or id): the manager filter of a report."""
    from sqlalchemy import select

    if isinstance(value, User):
        return value
    stmt = (
        select(User).where(User.id == value)
        if isinstance(value, int)
        else select(User).where(User.login == str(value).strip())
    )
    user = session.scalar(stmt)
    if user is None:
        raise ValidationError(field, f"нет пользователя «{value}»")
    return user


def period_text(start: date | None, end: date | None) -> str:
    if start and end:
        return f"Период: {start:%d.%m.%Y} – {end:%d.%m.%Y}"
    if start:
        return f"Период: с {start:%d.%m.%Y}"
    if end:
        return f"Период: по {end:%d.%m.%Y}"
    return "Период: весь"


def sees_all(ctx) -> bool:
    """Whether the user's reports cover every manager's clients: «Отчёты по всем
    менеджерам» or the right to see every client."""
    return ctx.can(rights.REPORTS) or ctx.can(rights.VIEW_ALL) or ctx.can(rights.EDIT_ALL)


def report_filter(ctx):
    """SQL condition on ``Client`` for the clients a report may count (true for the head)."""
    from sqlalchemy import true

    from crmdesk.models import Client

    if sees_all(ctx):
        return true()
    return Client.owner_id == ctx.user.id


def visible_clients(ctx, manager: User | None = None):
    """A subquery of the ids of the clients a report counts, or None for all of them:
    the user's own clients unless they see everybody's, narrowed to ``manager``'s."""
    from sqlalchemy import select

    from crmdesk.models import Client

    cond = []
    if not sees_all(ctx):
        cond.append(Client.owner_id == ctx.user.id)
    if manager is not None:
        cond.append(Client.owner_id == manager.id)
    if not cond:
        return None
    return select(Client.id).where(*cond)
