"""Deals: a client's pass through a sales process, moved only along allowed transitions."""

from __future__ import annotations

from sqlalchemy import select

from crmdesk.models import Client, Deal, DealStageHistory, SalesProcess, Stage, StageTransition
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, TransitionError, ValidationError
from crmdesk.services.locking import check_version


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


def get_deal(ctx: Context, deal_id: int, write: bool = False) -> Deal:
    deal = ctx.session.get(Deal, deal_id)
    if deal is None:
        raise NotFound(f"Сделка с кодом {deal_id} не найдена.")
    rights.check_read_client(ctx.user, deal.client)
    if write:
        rights.check_write_client(ctx.user, deal.client)
    return deal


def create_deal(ctx: Context, client_id: int, title: str, amount=0) -> Deal:
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Поле «Клиент»: клиент с кодом {client_id} не найден.")
    rights.check_write_client(ctx.user, client)
    if not (title or "").strip():
        raise ValidationError("Наименование сделки", "не заполнено")
    process = default_process(ctx)
    first = process.stages[0]
    deal = Deal(
        process_id=process.id,
        client=client,
        manager_id=ctx.user.id,
        title=title.strip(),
        stage=first,
        amount=amount,
    )
    deal.history.append(DealStageHistory(to_stage_id=first.id, user_id=ctx.user.id))
    ctx.session.add(deal)
    ctx.session.flush()
    return deal


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
    allowed = allowed_stages(ctx, deal.stage_id)
    if target.id not in {s.id for s in allowed}:
        names = ", ".join(f"«{s.name}»" for s in allowed) or "никуда"
        raise TransitionError(
            f"Сделку нельзя перевести с этапа «{deal.stage.name}» на этап «{target.name}»; "
            f"допустимо: {names}."
        )
    if target.is_refusal:
        if not (reason or "").strip():
            raise ValidationError("Причина отказа", "не заполнено")
        deal.refusal_reason = reason.strip()
    deal.history.append(
        DealStageHistory(
            from_stage_id=deal.stage_id, to_stage_id=target.id, user_id=ctx.user.id, comment=reason
        )
    )
    deal.stage = target
    ctx.session.flush()
    return deal
