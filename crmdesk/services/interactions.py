"""Interactions with clients: calls, meetings, letters, notes — the client's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from crmdesk.models import Client, Interaction, utcnow
from crmdesk.models.crm import INTERACTION_KINDS
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError


def record_interaction(
    ctx: Context,
    client_id: int,
    kind: str,
    gist: str,
    next_step: str | None = None,
    when: datetime | None = None,
    duration_min: int | None = None,
    contact_id: int | None = None,
    deal_id: int | None = None,
) -> Interaction:
    rights.require(ctx.user, rights.INTERACTIONS)
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Поле «Клиент»: клиент с кодом {client_id} не найден.")
    rights.check_read_client(ctx.user, client)
    if kind not in INTERACTION_KINDS:
        raise ValidationError(
            "Вид", f"неизвестен «{kind}»; допустимо: {', '.join(INTERACTION_KINDS)}"
        )
    if not (gist or "").strip():
        raise ValidationError("Суть", "не заполнено")
    if duration_min is not None and duration_min < 0:
        raise ValidationError("Длительность", "не может быть отрицательной")
    item = Interaction(
        client_id=client.id,
        kind=kind,
        gist=gist.strip(),
        next_step=next_step,
        occurred_at=when or utcnow(),
        duration_min=duration_min,
        contact_id=contact_id,
        deal_id=deal_id,
        user_id=ctx.user.id,
    )
    ctx.session.add(item)
    ctx.session.flush()
    return item


def check_deal(ctx: Context, client_id: int | None, deal_id: int | None) -> None:
    """An interaction (or a task, a document) made from a deal is about the deal's client."""
    if deal_id is None:
        return
    from crmdesk.services.deals import get_deal

    deal = get_deal(ctx, deal_id)
    if client_id is not None and deal.client_id != client_id:
        raise ValidationError(
            "Сделка", f"сделка «{deal.title}» — другого клиента ({deal.client.name})"
        )


def check_contact(ctx: Context, client_id: int | None, contact_id: int | None) -> None:
    """«Контактное лицо» of a document, an interaction or a task is one of its client's."""
    if contact_id is None:
        return
    from crmdesk.models import ContactPerson

    person = ctx.session.get(ContactPerson, contact_id)
    if person is None:
        raise NotFound(f"Поле «Контактное лицо»: контакт с кодом {contact_id} не найден.")
    if client_id is not None and person.client_id != client_id:
        raise ValidationError(
            "Контактное лицо", f"«{person.name}» — контакт другого клиента ({person.client.name})"
        )


def check_user(ctx: Context, user_id: int | None, field: str = "Ответственный") -> None:
    if user_id is not None:
        from crmdesk.models import User

        if ctx.session.get(User, user_id) is None:
            raise NotFound(f"Поле «{field}»: пользователь с кодом {user_id} не найден.")


def client_history(ctx: Context, client_id: int, limit: int = 200) -> list[Interaction]:
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Клиент с кодом {client_id} не найден.")
    rights.check_read_client(ctx.user, client)
    return list(
        ctx.session.scalars(
            select(Interaction)
            .where(Interaction.client_id == client_id)
            .order_by(Interaction.occurred_at.desc())
            .limit(limit)
        )
    )
