"""Who is calling: the caller's card the call window shows while the phone rings.

One function, :func:`caller_card`, gives plain data (no Qt): the number, the clients and
contact persons it belongs to (the caller-ID search), and for the first of them the manager,
the debt and its overdue part, the open deals, the last interactions and the open tasks.
Every query is by index and limited, so the card is ready in milliseconds at a million
clients (``benchmarks/telephony.py``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from crmdesk.models import Deal, Document, Settlement, Stage
from crmdesk.models.crm import INTERACTION_KINDS
from crmdesk.services import search
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.phones import format_phone, normalize_phone
from crmdesk.services.settings import phone_region

ZERO = Decimal("0.00")


def overdue_debt(ctx: Context, client_id: int, today: date | None = None) -> Decimal:
    """What the client owes on posted invoices past their due date."""
    today = today or date.today()
    per_invoice = (
        select(func.sum(Settlement.amount).label("owed"))
        .join(Document, Document.id == Settlement.invoice_id)
        .where(
            Settlement.client_id == client_id,
            Document.posted.is_(True),
            Document.due_date < today,
        )
        .group_by(Settlement.invoice_id)
        .having(func.sum(Settlement.amount) > 0)
        .subquery()
    )
    value = ctx.session.scalar(select(func.sum(per_invoice.c.owed)))
    return Decimal(value).quantize(ZERO) if value is not None else ZERO


def open_deals(ctx: Context, client_id: int, limit: int = 5) -> list[dict]:
    rows = ctx.session.execute(
        select(Deal.id, Deal.title, Stage.name, Deal.amount)
        .join(Stage, Stage.id == Deal.stage_id)
        .where(
            Deal.client_id == client_id,
            Deal.deletion_mark.is_(False),
            Stage.is_refusal.is_(False),
            Stage.code.not_in(("client", "contract")),
        )
        .order_by(Deal.created_at.desc())
        .limit(limit)
    ).all()
    return [{"id": i, "title": t, "stage": s, "amount": a} for i, t, s, a in rows]


def _owner_elsewhere(ctx: Context, e164: str, region: str) -> str | None:
    """Whose client the number is when it is a client this user may not see: the manager's
    name only, so the call can be passed on — nothing else of the client shows."""
    from crmdesk.models import User
    from crmdesk.services.context import default_login

    admin = ctx.session.scalar(select(User).where(User.login == default_login(ctx.session)))
    found = search.by_phone(ctx.session, admin, e164, region)
    owners = [c.owner.full_name for c, _p, _e in found if c.owner is not None]
    return owners[0] if owners else ("—" if found else None)


def caller_card(ctx: Context, number: str, linkedid: str | None = None) -> dict:
    """Everything the call window shows about a number (clients the user may see); the
    interaction of the call ``linkedid`` itself is not among «the last contacts»."""
    from crmdesk.services import documents, interactions, tasks

    region = phone_region(ctx.session)
    try:
        phone = normalize_phone(number, region)
    except ValidationError:
        phone = None
    card: dict = {
        "number": number,
        "e164": phone.e164 if phone else None,
        "display": phone.display if phone else number,
        "matches": [],
        "client": None,
        "other_manager": None,
    }
    if phone is None:
        return card
    found = search.by_phone(ctx.session, ctx.user, phone.e164, region)
    found.sort(key=lambda f: (f[0].deletion_mark, f[1] is not None, f[0].id))
    card["matches"] = [
        {"client_id": c.id, "client": c.name, "contact_id": p.id if p else None,
         "contact": p.name if p else None, "position": getattr(p, "position", None) if p
         else None}
        for c, p, _e in found
    ]
    if not found:
        card["other_manager"] = _owner_elsewhere(ctx, phone.e164, region)
        return card
    client, contact, _e = found[0]
    skip = None
    if linkedid:
        from crmdesk.models import Call

        skip = ctx.session.scalar(select(Call.interaction_id).where(Call.linkedid == linkedid))
    history = [i for i in interactions.client_history(ctx, client.id, limit=6) if i.id != skip]
    history = history[:5]
    card["client"] = {
        "id": client.id,
        "name": client.name,
        "inn": client.inn,
        "contact": contact.name if contact else None,
        "manager": client.owner.full_name if client.owner else None,
        "manager_login": client.owner.login if client.owner else None,
        "debt": documents.client_balance(ctx, client.id),
        "overdue": overdue_debt(ctx, client.id),
        "deals": open_deals(ctx, client.id),
        "interactions": [
            {
                "when": i.occurred_at,
                "kind": INTERACTION_KINDS.get(i.kind, i.kind),
                "gist": i.gist,
                "next_step": i.next_step,
            }
            for i in history
        ],
        "tasks": [
            {"id": t.id, "title": t.title, "deadline": t.deadline, "overdue": t.is_overdue()}
            for t in tasks.list_tasks(ctx, only_open=True, limit=5, client_id=client.id)
        ],
    }
    return card


def card_text(card: dict) -> str:
    """The card as plain text (the command line, logs of the headless process)."""
    from crmdesk.services.money import format_money

    lines = [f"Звонок: {card['display']}"]
    c = card["client"]
    if c is None:
        lines.append("Номер не найден в базе")
        return "\n".join(lines)
    lines.append(f"Клиент: {c['name']}" + (f" — {c['contact']}" if c["contact"] else ""))
    if c["manager"]:
        lines.append(f"Менеджер: {c['manager']}")
    lines.append(f"Долг: {format_money(c['debt'])}, просрочено: {format_money(c['overdue'])}")
    for d in c["deals"]:
        lines.append(f"Сделка: {d['title']} ({d['stage']}) {format_money(d['amount'])}")
    for i in c["interactions"]:
        lines.append(f"{i['when'].astimezone():%d.%m.%Y} {i['kind']}: {i['gist'][:80]}")
    for t in c["tasks"]:
        lines.append(f"Задача: {t['title']}")
    return "\n".join(lines)


__all__ = ["caller_card", "card_text", "format_phone", "open_deals", "overdue_debt"]
