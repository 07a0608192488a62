"""Deals: a client's pass through a sales process, moved only along allowed transitions.

A deal has an amount (from its documents, or typed), an expected close date, a probability
(its stage's unless typed), a source, a manager and a contract end date. Every move is in
the stage history with who made it — a user, or an event rule (``rule_id``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from crmdesk.models import (
    Client,
    Deal,
    DealStageHistory,
    SalesProcess,
    Stage,
    StageTransition,
    User,
    utcnow,
)
from crmdesk.services import limits, rights
from crmdesk.services.context import Context
from crmdesk.services.errors import Collector, NotFound, TransitionError, ValidationError
from crmdesk.services.locking import check_version

FIELDS = ("title", "amount", "expected_close", "probability", "source", "contract_end",
          "manager_id")
LABELS = {
    "title": "Наименование сделки",
    "amount": "Сумма",
    "expected_close": "Ожидаемая дата закрытия",
    "probability": "Вероятность, %",
    "source": "Источник",
    "contract_end": "Окончание договора",
    "manager_id": "Менеджер",
}


def default_process(ctx: Context) -> SalesProcess:
    process = ctx.session.scalar(
        select(SalesProcess).order_by(SalesProcess.is_default.desc(), SalesProcess.id).limit(1)
    )
    if process is None:
        raise NotFound("В базе нет процесса продаж: выполните «crmdesk db upgrade».")
    return process


def allowed_stages(ctx: Context, stage_id: int) -> list[Stage]:
    return list(
        ctx.session.scalars(
            select(Stage)
            .join(StageTransition, StageTransition.to_stage_id == Stage.id)
            .where(StageTransition.from_stage_id == stage_id)
            .order_by(Stage.order)
        )
    )


def probability(deal: Deal) -> int:
    """The deal's own probability, else its stage's (0 when neither is set)."""
    if deal.probability is not None:
        return deal.probability
    return deal.stage.probability or 0


def get_deal(ctx: Context, deal_id: int, write: bool = False) -> Deal:
    deal = ctx.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(f"Сделка с кодом {deal_id} не найдена.")
    rights.check_read_client(ctx.user, deal.client)
    if write:
        rights.check_write_client(ctx.user, deal.client)
    return deal


def _apply(ctx: Context, deal: Deal, data: dict) -> None:
    col = Collector()
    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            col.errors.append(ValidationError(LABELS["title"], "не заполнено"))
        else:
            deal.title = col.check(limits.text, title, LABELS["title"], 300) or title
    if "amount" in data and data["amount"] not in (None, ""):
        amount = col.check(limits.money, data["amount"], LABELS["amount"])
        if amount is not None:
            deal.amount = amount
            deal.amount_fixed = bool(data.get("amount_fixed", True))
    elif "amount" in data:
        deal.amount_fixed = False  # emptied: the documents give it again
    for key in ("expected_close", "contract_end"):
        if key in data:
            value = data[key]
            if value not in (None, ""):
                value = col.check(limits.check_date, value, LABELS[key])
                value = value.date() if isinstance(value, datetime) else value
            setattr(deal, key, value if isinstance(value, date) else None)
    if "probability" in data:
        value = data["probability"]
        if value in (None, ""):
            deal.probability = None
        else:
            try:
                value = int(value)
                if not 0 <= value <= 100:
                    raise ValueError
                deal.probability = value
            except (TypeError, ValueError):
                col.add(LABELS["probability"], "целое число от 0 до 100")
    if "source" in data:
        deal.source = (data["source"] or "").strip()[:100] or None
    if "manager_id" in data and data["manager_id"] != deal.manager_id:
        manager = ctx.session.get(User, data["manager_id"]) if data["manager_id"] else None
        if data["manager_id"] and manager is None:
            col.add(LABELS["manager_id"], f"пользователь с кодом {data['manager_id']} не найден")
        elif data["manager_id"] != ctx.user.id:
            rights.require(ctx.user, rights.ASSIGN)
        deal.manager_id = data["manager_id"]
    col.raise_if_any()


def create_deal(
    ctx: Context,
    client_id: int,
    title: str,
    amount=0,
    process_id: int | None = None,
    stage_code: str | None = None,
    **data,
) -> Deal:
    """A new deal at its process's first stage (or at ``stage_code``: «+» in a column)."""
    client = ctx.session.get(Client, client_id) if client_id else None
    if client is None:
        if not client_id:
            raise ValidationError("Клиент", "не заполнено")
        raise NotFound(f"Поле «Клиент»: клиент с кодом {client_id} не найден.")
    rights.check_write_client(ctx.user, client)
    if not (title or "").strip():
        raise ValidationError(LABELS["title"], "не заполнено")
    process = ctx.session.get(SalesProcess, process_id) if process_id else default_process(ctx)
    if process is None:
        raise NotFound(f"Поле «Процесс»: процесс с кодом {process_id} не найден.")
    first = process.stages[0]
    if stage_code:
        first = next((s for s in process.stages if s.code == stage_code), None)
        if first is None or first.is_refusal or first.is_final:
            raise ValidationError("Этап", f"в процессе «{process.name}» нельзя начать сделку "
                                          f"с этапа «{stage_code}»")
    now = utcnow()
    deal = Deal(process_id=process.id, client=client, manager_id=ctx.user.id, title="",
                stage=first, amount=0, stage_since=now, created_at=now)
    _apply(ctx, deal, {"title": title, **data,
                       **({"amount": amount} if amount not in (None, "", 0) else {})})
    deal.history.append(DealStageHistory(to_stage_id=first.id, user_id=ctx.user.id, at=now))
    ctx.session.add(deal)
    ctx.session.flush()
    return deal


def update_deal(ctx: Context, deal_id: int, data: dict,
                expected_version: int | None = None) -> Deal:
    deal = get_deal(ctx, deal_id, write=True)
    check_version(deal, expected_version, f"Сделка «{deal.title}»")
    _apply(ctx, deal, {k: v for k, v in data.items() if k in FIELDS})
    ctx.session.flush()
    return deal


def check_move(ctx: Context, deal: Deal, target: Stage) -> None:
    """Raise TransitionError naming the allowed stages when ``target`` is not among them."""
    allowed = allowed_stages(ctx, deal.stage_id)
    if target.id not in {s.id for s in allowed}:
        names = ", ".join(f"«{s.name}»" for s in allowed) or "никуда"
        raise TransitionError(
            f"Сделку нельзя перевести с этапа «{deal.stage.name}» на этап «{target.name}»; "
            f"допустимо: {names}."
        )


def apply_move(ctx: Context, deal: Deal, target: Stage, comment: str | None = None,
               rule_id: int | None = None, user_id: int | None = None) -> None:
    """Write the move (the edge already checked): history, stage, the moment it entered."""
    now = utcnow()
    if deal.history:
        last = deal.history[-1]  # the stage it leaves: how long it stayed there
        last.stayed_seconds = max(int((now - last.at).total_seconds()), 0)
    deal.history.append(
        DealStageHistory(from_stage_id=deal.stage_id, to_stage_id=target.id, at=now,
                         user_id=user_id, comment=comment, rule_id=rule_id)
    )
    deal.stage = target
    deal.stage_since = now
    ctx.session.flush()


def move_deal(
    ctx: Context,
    deal_id: int,
    stage_code: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Deal:
    """Move along an allowed edge only; moving to a refusal stage needs a reason."""
    deal = get_deal(ctx, deal_id, write=True)
    check_version(deal, expected_version, f"Сделка «{deal.title}»")
    target = ctx.session.scalar(
        select(Stage).where(Stage.process_id == deal.process_id, Stage.code == stage_code)
    )
    if target is None:
        raise TransitionError(f"В процессе нет этапа «{stage_code}».")
    check_move(ctx, deal, target)
    if target.is_refusal:
        if not (reason or "").strip():
            raise ValidationError("Причина отказа", "не заполнено")
        deal.refusal_reason = reason.strip()
    apply_move(ctx, deal, target, comment=reason, user_id=ctx.user.id)
    return deal


def deal_of(ctx: Context, deal_id: int | None, client_id: int | None) -> Deal | None:
    """The deal a task, an interaction or a document is tied to — the same client's."""
    if deal_id is None:
        return None
    deal = get_deal(ctx, deal_id)
    if client_id is not None and deal.client_id != client_id:
        raise ValidationError(
            "Сделка", f"сделка «{deal.title}» — другого клиента ({deal.client.name})"
        )
    return deal


def fill_stayed(session) -> None:
    """Give each stage move without one the time until the deal's next move (history
    written in bulk: the demo, an import, a test that rewrites times)."""
    from sqlalchemy import text

    session.flush()
    session.execute(text(stayed_sql(session.get_bind().dialect.name)))
    session.expire_all()


def stayed_sql(dialect: str) -> str:
    """UPDATE giving each stage move without it the seconds until the deal's next move."""
    nxt = ("(SELECT min(n.at) FROM deal_stage_history n WHERE n.deal_id = h.deal_id AND "
           "(n.at > h.at OR (n.at = h.at AND n.id > h.id)))")
    if dialect == "sqlite":
        span = f"CAST(round((julianday({nxt}) - julianday(h.at)) * 86400) AS INTEGER)"
    else:
        span = f"CAST(round(EXTRACT(EPOCH FROM {nxt} - h.at)) AS INTEGER)"
    return (f"UPDATE deal_stage_history AS h SET stayed_seconds = {span} "
            "WHERE h.stayed_seconds IS NULL")
