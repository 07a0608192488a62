"""«Монитор руководителя»: the head's figures on the start page — sales this month against
the plan, the pipeline by stage, receivables and the overdue part, overdue tasks per
manager, new leads. Each figure names the list or report that shows what is behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select, type_coerce

from crmdesk.models import Document, Lead, Settlement, Task, User, utcnow
from crmdesk.models.base import Money
from crmdesk.services import board, plans, rights
from crmdesk.services.context import Context
from crmdesk.services.money import ZERO


@dataclass
class Monitor:
    month: date
    sold: Decimal
    plan: Decimal
    stages: list[dict] = field(default_factory=list)  # name, color, deals, amount, key
    receivables: Decimal = ZERO
    overdue: Decimal = ZERO
    overdue_tasks: list[tuple[str, int]] = field(default_factory=list)  # manager, tasks
    new_leads: int = 0

    @property
    def done(self) -> Decimal | None:
        if not self.plan:
            return None
        return (self.sold * 100 / self.plan).quantize(Decimal("0.1"))


def may_see(ctx: Context) -> bool:
    """The monitor is for whoever may see every manager's figures."""
    return ctx.can(rights.REPORTS)


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time()).astimezone()


def monitor(ctx: Context, today: date | None = None) -> Monitor:
    rights.require(ctx.user, rights.REPORTS)
    today = today or date.today()
    first = today.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    sold = sum(plans.sold(ctx, _day_start(first), _day_start(after)).values(), ZERO)
    planned = sum(plans.plans(ctx, first, first).values(), ZERO)
    m = Monitor(first, sold, planned)
    from crmdesk.services.deals import default_process

    process = default_process(ctx)
    totals = board.column_totals(ctx, board.BoardFilter(process_id=process.id))
    for st in process.stages:
        n, amount = totals.get(st.id, (0, ZERO))
        m.stages.append({"name": st.name, "color": st.color, "deals": n, "amount": amount,
                         "refusal": st.is_refusal})
    left = func.sum(Settlement.amount)
    bal = (select(Settlement.invoice_id.label("invoice_id"), left.label("left"))
           .where(Settlement.invoice_id.is_not(None)).group_by(Settlement.invoice_id)
           .having(left > 0).subquery())
    late = case((Document.due_date < today, bal.c.left), else_=0)
    total, overdue = ctx.session.execute(
        select(type_coerce(func.sum(bal.c.left), Money), type_coerce(func.sum(late), Money))
        .join(Document, Document.id == bal.c.invoice_id)).one()
    m.receivables, m.overdue = total or ZERO, overdue or ZERO
    now = utcnow()
    m.overdue_tasks = [(name or "", n) for name, n in ctx.session.execute(
        select(User.full_name, func.count()).select_from(Task)
        .join(User, User.id == Task.executor_id)
        .where(Task.status == "open", Task.deadline < now, Task.deletion_mark.is_(False))
        .group_by(User.full_name).order_by(func.count().desc(), User.full_name))]
    m.new_leads = ctx.session.scalar(select(func.count()).select_from(Lead).where(
        Lead.status == "new", Lead.deletion_mark.is_(False))) or 0
    return m


__all__ = ["Monitor", "may_see", "monitor"]
