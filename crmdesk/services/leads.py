"""«Потенциальные клиенты» (leads): who wrote to the office but is not a client yet.

A letter from an unknown address makes a lead with a task for the responsible manager (the
mailbox's rule: a fixed manager, or managers by turns). A lead becomes a client with one
command — its letters move into the client's history as «Входящее письмо», its files into
the client's files — or is rejected with a reason.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from crmdesk.models import Attachment, Interaction, Role, Task, User, utcnow
from crmdesk.models.comms import LEAD_STATUSES, Lead, Letter, LetterFile, MailAccount
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.phones import normalize_phone

PHONE_RE = re.compile(r"(?:\+7|8|7)?[\s\-(]*\d{3}[\s\-)]*\d{3}[\s\-]*\d{2}[\s\-]*\d{2}")


def phone_in_text(text: str, region: str = "RU") -> str | None:
    """The first phone number that can be read in a letter (its signature, usually)."""
    for match in PHONE_RE.finditer(text or ""):
        try:
            phone = normalize_phone(match.group(0), region=region)
        except ValidationError:
            continue
        if phone is not None:
            return phone.e164
    return None


def responsible(session, account: MailAccount | None) -> User | None:
    """The mailbox's rule: its fixed manager, or the managers in turn."""
    if account is None:
        return None
    if account.lead_rule == "turns":
        managers = list(session.scalars(
            select(User).join(Role).where(Role.code == "manager", User.active.is_(True),
                                          User.deletion_mark.is_(False)).order_by(User.id)))
        if managers:
            after = [m for m in managers if account.last_manager_id and
                     m.id > account.last_manager_id]
            chosen = (after or managers)[0]
            account.last_manager_id = chosen.id
            return chosen
    if account.lead_manager_id:
        return session.get(User, account.lead_manager_id)
    return account.user  # a personal box: its owner; the office's box: nobody in particular


def create_lead(session, name: str, email: str | None, phone: str | None,
                account: MailAccount | None, author: User | None, subject: str = "") -> Lead:
    manager = responsible(session, account)
    lead = Lead(name=name or email or "Без имени", email=email, phone=phone, source="E-mail",
                status="new", manager_id=manager.id if manager else None)
    session.add(lead)
    session.flush()
    task = Task(title=f"Обработать обращение: {lead.name}",
                description=f"Потенциальный клиент «{lead.name}» ({email or ''}) написал: "
                            f"{subject}".strip(),
                executor_id=(manager or author).id if (manager or author) else None,
                author_id=author.id if author else None, status="open", priority=2,
                deadline=utcnow() + timedelta(days=1))
    session.add(task)
    session.flush()
    lead.task_id = task.id
    return lead


def get_lead(ctx: Context, lead_id: int) -> Lead:
    lead = ctx.session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"Потенциальный клиент с кодом {lead_id} не найден.")
    return lead


def list_leads(ctx: Context, status: str | None = None, limit: int = 50,
               offset: int = 0) -> list[Lead]:
    stmt = select(Lead).where(Lead.deletion_mark.is_(False))
    if status:
        stmt = stmt.where(Lead.status == status)
    if not (ctx.can(rights.VIEW_ALL) or ctx.can(rights.ASSIGN)):
        stmt = stmt.where((Lead.manager_id == ctx.user.id) | Lead.manager_id.is_(None))
    return list(ctx.session.scalars(stmt.order_by(Lead.created_at.desc(), Lead.id.desc())
                                    .limit(limit).offset(offset)))


def lead_row(lead: Lead) -> dict:
    return {
        "id": lead.id,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "source": lead.source,
        "status": lead.status,
        "status_text": LEAD_STATUSES.get(lead.status, lead.status),
        "manager": lead.manager.login if lead.manager else None,
        "client_id": lead.client_id,
        "reject_reason": lead.reject_reason,
        "created_at": lead.created_at.isoformat(),
    }


def _open(lead: Lead) -> None:
    if lead.status != "new":
        raise ValidationError("Состояние", f"потенциальный клиент «{lead.name}» уже "
                              f"{LEAD_STATUSES[lead.status].lower()}")


def convert_lead(ctx: Context, lead_id: int, data: dict | None = None):
    """Make the lead a client (name, e-mail, phone, source «E-mail»), keeping its history."""
    from crmdesk.services.clients import create_client

    lead = get_lead(ctx, lead_id)
    _open(lead)
    fields = {"name": lead.name, "source": lead.source,
              "emails": [lead.email] if lead.email else [],
              "phones": [lead.phone] if lead.phone else []}
    if lead.manager_id:
        fields["owner"] = lead.manager_id
    fields.update(data or {})
    client = create_client(ctx, fields)
    letters = list(ctx.session.scalars(select(Letter).where(Letter.lead_id == lead.id)
                                       .order_by(Letter.at)))
    for letter in letters:
        item = Interaction(client_id=client.id, kind="mail_in" if letter.direction == "in"
                           else "mail_out", gist=letter_gist(letter), occurred_at=letter.at,
                           user_id=ctx.user.id)
        ctx.session.add(item)
        ctx.session.flush()
        letter.client_id, letter.interaction_id = client.id, item.id
        for link in ctx.session.scalars(select(LetterFile).where(
                LetterFile.letter_id == letter.id)):
            file = ctx.session.get(Attachment, link.attachment_id)
            file.owner_type, file.owner_id = "client", client.id
    lead.status, lead.client_id = "converted", client.id
    if lead.task_id:
        task = ctx.session.get(Task, lead.task_id)
        if task is not None:
            task.client_id = client.id
    ctx.session.flush()
    return client


def reject_lead(ctx: Context, lead_id: int, reason: str) -> Lead:
    lead = get_lead(ctx, lead_id)
    _open(lead)
    if not (reason or "").strip():
        raise ValidationError("Причина отказа", "не заполнено")
    lead.status, lead.reject_reason = "rejected", reason.strip()
    if lead.task_id:
        task = ctx.session.get(Task, lead.task_id)
        if task is not None and task.status == "open":
            task.status, task.done_at = "cancelled", utcnow()
    ctx.session.flush()
    return lead


def letter_gist(letter: Letter) -> str:
    head = letter.subject or "(без темы)"
    who = f"От: {letter.from_name + ' ' if letter.from_name else ''}<{letter.from_address}>"
    return f"{head}\n{who}\n\n{letter.body or ''}".strip()
