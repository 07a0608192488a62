"""The deal board's data, page by page: column headers (count and sum per stage) and a
column's cards (client, deal, amount, manager, days in the stage, the next task). The same
filters serve the board, `crmdesk list deals` and the head's monitor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select, type_coerce

from crmdesk.models import Client, Deal, Stage, Task, User, utcnow
from crmdesk.models.base import Money
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.money import ZERO
from crmdesk.services.search import escape_like, fold, normalize_query


@dataclass
class BoardFilter:
    """What the board shows: one process; a manager, «only mine», a period of creation,
    a source, a search text (deal title or client name)."""

    process_id: int | None = None
    manager_id: int | None = None
    only_mine: bool = False
    date_from: date | None = None
    date_to: date | None = None
    source: str | None = None
    text: str = ""
    stage_id: int | None = None


def _conditions(ctx: Context, f: BoardFilter) -> list:
    cond = [Deal.deletion_mark.is_(False)]
    if _needs_client(ctx, f):
        cond.append(rights.client_filter(ctx.user))
    if f.process_id is not None:
        cond.append(Deal.process_id == f.process_id)
    if f.stage_id is not None:
        cond.append(Deal.stage_id == f.stage_id)
    if f.only_mine:
        cond.append(Deal.manager_id == ctx.user.id)
    elif f.manager_id is not None:
        cond.append(Deal.manager_id == f.manager_id)
    if f.date_from is not None:
        cond.append(Deal.created_at >= _start(f.date_from))
    if f.date_to is not None:
        cond.append(Deal.created_at < _start(f.date_to + timedelta(days=1)))
    if f.source:
        cond.append(Deal.source == f.source)
    text = normalize_query(f.text)
    if text:
        like = f"%{escape_like(text)}%"
        cond.append(or_(fold(ctx.session, Deal.title).like(like, escape="\\"),
                        Client.search_name.like(like, escape="\\")))
    return cond


def _start(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time()).astimezone()


def _needs_client(ctx: Context, f: BoardFilter) -> bool:
    """The clients table is read only for a search or a user who sees his clients only."""
    return bool(normalize_query(f.text)) or not (
        ctx.user.has(rights.VIEW_ALL) or ctx.user.has(rights.EDIT_ALL))


def column_totals(ctx: Context, f: BoardFilter) -> dict[int, tuple[int, Decimal]]:
    """{stage id: (deals, Σ amount)} under the filter — one query for every column. Without
    a search it reads the index ix_deals_board alone (process, stage, mark, amount): 100,000
    deals are summed in tens of milliseconds, not by visiting every row."""
    stmt = select(Deal.stage_id, func.count(), type_coerce(func.sum(Deal.amount), Money))
    if _needs_client(ctx, f):
        stmt = stmt.join(Client, Client.id == Deal.client_id)
    stmt = stmt.where(*_conditions(ctx, f)).group_by(Deal.stage_id)
    return {s: (n, a or ZERO) for s, n, a in ctx.session.execute(stmt)}


def cards(ctx: Context, f: BoardFilter, stage_id: int, offset: int = 0, limit: int = 50,
          now: datetime | None = None) -> list[dict]:
    """A page of one column's cards, the newest in the stage first."""
    now = now or utcnow()
    g = BoardFilter(**{**f.__dict__, "stage_id": stage_id})
    rows = ctx.session.execute(
        select(Deal.id, Deal.title, Deal.amount, Deal.stage_since, Deal.created_at,
               Deal.version, Deal.client_id, Client.name, User.full_name)
        .join(Client, Client.id == Deal.client_id)
        .outerjoin(User, User.id == Deal.manager_id)
        .where(*_conditions(ctx, g))
        .order_by(Deal.stage_since.desc(), Deal.id.desc()).offset(offset).limit(limit)
    ).all()
    nexts = next_tasks(ctx, [r.id for r in rows])
    out = []
    for r in rows:
        since = r.stage_since or r.created_at
        task = nexts.get(r.id)
        out.append({
            "id": r.id, "title": r.title, "amount": r.amount, "client": r.name,
            "client_id": r.client_id, "manager": r.full_name or "", "version": r.version,
            "days": max((now - since).days, 0) if since else 0,
            "task": task[0] if task else None,
            "task_deadline": task[1] if task else None,
            "task_overdue": bool(task and task[1] and task[1] < now),
        })
    return out


def next_tasks(ctx: Context, deal_ids: list[int]) -> dict[int, tuple[str, datetime | None]]:
    """Each deal's open task due soonest (one without a deadline last)."""
    if not deal_ids:
        return {}
    rows = ctx.session.execute(
        select(Task.deal_id, Task.title, Task.deadline)
        .where(Task.deal_id.in_(deal_ids), Task.status == "open",
               Task.deletion_mark.is_(False))
        .order_by(Task.deal_id, Task.deadline.is_(None), Task.deadline))
    out: dict = {}
    for deal_id, title, deadline in rows:
        out.setdefault(deal_id, (title, deadline))
    return out


def deal_rows(ctx: Context, stage: str | None = None, limit: int = 50) -> list[dict]:
    """`crmdesk list deals [--stage NAME]`: by stage name or code, newest first."""
    from crmdesk.services.deals import probability
    from crmdesk.services.errors import ValidationError

    stmt = (select(Deal).join(Client, Client.id == Deal.client_id)
            .join(Stage, Stage.id == Deal.stage_id)
            .where(Deal.deletion_mark.is_(False), rights.client_filter(ctx.user))
            .order_by(Deal.created_at.desc(), Deal.id.desc()).limit(limit))
    if stage:
        wanted = normalize_query(stage)
        ids = [i for i, code, name in ctx.session.execute(select(Stage.id, Stage.code,
                                                                 Stage.name))
               if wanted in (code.casefold(), normalize_query(name))]
        if not ids:
            names = ", ".join(ctx.session.scalars(select(Stage.name).order_by(
                Stage.process_id, Stage.order)))
            raise ValidationError("--stage", f"нет этапа «{stage}»; есть: {names}")
        stmt = stmt.where(Deal.stage_id.in_(ids))
    return [{
        "id": d.id, "title": d.title, "client": d.client.name, "stage": d.stage.name,
        "amount": str(d.amount), "probability": probability(d),
        "expected_close": d.expected_close.isoformat() if d.expected_close else None,
        "manager": d.manager.login if d.manager else None, "source": d.source,
        "contract_end": d.contract_end.isoformat() if d.contract_end else None,
    } for d in ctx.session.scalars(stmt)]
