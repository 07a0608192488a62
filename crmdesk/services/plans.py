"""Sales plans per manager and month, and what «sold» means for the plan/fact report and
the head's monitor: the posted payments of the manager's clients in the month."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select, type_coerce

from crmdesk.models import Client, Document, SalesPlan, User
from crmdesk.models.base import Money
from crmdesk.services import limits, rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.money import ZERO


def month_of(value) -> date:
    """The month's first day from a date, «2026-12», «12.2026» or «01.12.2026»."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value or "").strip()
    for fmt in ("%Y-%m", "%m.%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date().replace(day=1)
        except ValueError:
            continue
    raise ValidationError("Месяц", f"«{text[:20]}» — нужен месяц вида 12.2026")


def _manager(ctx: Context, manager) -> User:
    if isinstance(manager, User):
        return manager
    stmt = select(User).where(User.login == str(manager)) if not str(manager).isdigit() \
        else select(User).where(User.id == int(manager))
    user = ctx.session.scalar(stmt)
    if user is None:
        raise NotFound(f"Поле «Менеджер»: пользователь «{manager}» не найден.")
    return user


def set_plan(ctx: Context, manager, month, amount) -> SalesPlan:
    """Set (or replace) a manager's plan for a month; the head's right «Отчёты по всем»."""
    rights.require(ctx.user, rights.REPORTS)
    user = _manager(ctx, manager)
    first = month_of(month)
    value = limits.money(amount, "План")
    if value < 0:
        raise ValidationError("План", "не может быть отрицательным")
    plan = ctx.session.scalar(select(SalesPlan).where(
        SalesPlan.manager_id == user.id, SalesPlan.month == first))
    if plan is None:
        plan = SalesPlan(manager_id=user.id, month=first, amount=value)
        ctx.session.add(plan)
    plan.amount = value
    ctx.session.flush()
    return plan


def plans(ctx: Context, first: date, last: date) -> dict[tuple[int, date], Decimal]:
    rows = ctx.session.execute(select(SalesPlan.manager_id, SalesPlan.month, SalesPlan.amount)
                               .where(SalesPlan.month >= first, SalesPlan.month <= last))
    return {(m, mo): a for m, mo, a in rows}


def sold(ctx: Context, start: datetime, end: datetime, manager_id: int | None = None
         ) -> dict[int | None, Decimal]:
    """Per manager (the client's manager): posted payments dated in [start, end)."""
    stmt = (select(Client.owner_id, type_coerce(func.sum(Document.total), Money))
            .join(Client, Client.id == Document.client_id)
            .where(Document.doc_type == "payment", Document.posted.is_(True),
                   Document.deletion_mark.is_(False), Document.date >= start,
                   Document.date < end)
            .group_by(Client.owner_id))
    if manager_id is not None:
        stmt = stmt.where(Client.owner_id == manager_id)
    return {owner: total or ZERO for owner, total in ctx.session.execute(stmt)}
