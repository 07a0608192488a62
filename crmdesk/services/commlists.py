"""Leads, mailings and a mailing's recipients as dynamic lists (a page at a time, like every
list); added to ``lists.SPECS`` when this module is imported."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from crmdesk.models import User
from crmdesk.models.comms import (
    CHANNELS,
    LEAD_STATUSES,
    OUTBOX_STATUSES,
    Lead,
    Mailing,
    MessageTemplate,
    OutboxMessage,
)
from crmdesk.services import lists, rights
from crmdesk.services.context import Context
from crmdesk.services.lists import Col, ListSpec, text_search

LeadManager = aliased(User)
Author = aliased(User)


def _leads_query(ctx: Context) -> Select:
    stmt = select(Lead.id).outerjoin(LeadManager, LeadManager.id == Lead.manager_id)
    if ctx.can(rights.VIEW_ALL) or ctx.can(rights.ASSIGN):
        return stmt
    return stmt.where(or_(Lead.manager_id == ctx.user.id, Lead.manager_id.is_(None)))


LEADS = ListSpec(
    name="leads",
    title="Потенциальные клиенты",
    model=Lead,
    columns=[
        Col("created_at", "Дата", Lead.created_at, kind="datetime", width=120),
        Col("name", "Наименование", Lead.name, width=220),
        Col("email", "Эл. почта", Lead.email, width=200),
        Col("phone", "Телефон", Lead.phone, kind="phone", width=140),
        Col("status", "Состояние", Lead.status, kind="enum", width=110, choices=LEAD_STATUSES),
        Col("manager", "Ответственный", LeadManager.full_name, width=170),
        Col("source", "Источник", Lead.source, width=80, hidden=True),
        Col("reason", "Причина отказа", Lead.reject_reason, width=200, hidden=True),
    ],
    query=_leads_query,
    search=text_search(Lead.name, Lead.email),
    default_sort="created_at",
    default_descending=True,
    marked=Lead.deletion_mark,
    alert=lambda: Lead.status == "new",
    fixed={"status": Lead.status, "manager_id": Lead.manager_id},
    form="lead",
)

MAILINGS = ListSpec(
    name="mailings",
    title="Рассылки",
    model=Mailing,
    columns=[
        Col("created_at", "Дата", Mailing.created_at, kind="datetime", width=120),
        Col("name", "Рассылка", Mailing.name, width=260),
        Col("channel", "Канал", Mailing.channel, kind="enum", width=70, choices=CHANNELS),
        Col("template", "Шаблон", MessageTemplate.name, width=200),
        Col("status", "Состояние", Mailing.status, kind="enum", width=100, choices={
            "draft": "Черновик", "running": "Отправляется", "done": "Завершена",
            "stopped": "Прервана"}),
        Col("author", "Автор", Author.full_name, width=150),
    ],
    query=lambda ctx: select(Mailing.id).join(
        MessageTemplate, MessageTemplate.id == Mailing.template_id).outerjoin(
        Author, Author.id == Mailing.author_id),
    search=text_search(Mailing.name),
    default_sort="created_at",
    default_descending=True,
    form="mailing",
)

RECIPIENTS = ListSpec(
    name="mailing_recipients",
    title="Получатели рассылки",
    model=OutboxMessage,
    columns=[
        Col("recipient", "Получатель", OutboxMessage.recipient, width=240),
        Col("address", "Адрес", OutboxMessage.address, width=200),
        Col("status", "Результат", OutboxMessage.status, kind="enum", width=130,
            choices=OUTBOX_STATUSES),
        Col("reason", "Причина", OutboxMessage.reason, width=300),
        Col("sent_at", "Отправлено", OutboxMessage.sent_at, kind="datetime", width=120),
        Col("parts", "Частей", OutboxMessage.parts, kind="int", width=60, hidden=True),
        Col("cost", "Стоимость", OutboxMessage.cost, kind="money", width=90, hidden=True),
    ],
    query=lambda ctx: select(OutboxMessage.id),
    search=text_search(OutboxMessage.recipient, OutboxMessage.address),
    default_sort="recipient",
    alert=lambda: OutboxMessage.status.in_(("failed", "unknown")),
    fixed={"mailing_id": OutboxMessage.mailing_id, "status": OutboxMessage.status},
)

TEMPLATES = ListSpec(
    name="message_templates",
    title="Шаблоны писем и SMS",
    model=MessageTemplate,
    columns=[
        Col("name", "Наименование", MessageTemplate.name, width=260),
        Col("channel", "Канал", MessageTemplate.channel, kind="enum", width=70,
            choices=CHANNELS),
        Col("advertising", "Рекламный", MessageTemplate.advertising, kind="bool", width=80),
        Col("subject", "Тема", MessageTemplate.subject, width=260),
    ],
    query=lambda ctx: select(MessageTemplate.id),
    search=text_search(MessageTemplate.name),
    default_sort="name",
    marked=MessageTemplate.deletion_mark,
    form="message_template",
)

for _spec in (LEADS, MAILINGS, RECIPIENTS, TEMPLATES):
    lists.SPECS.setdefault(_spec.name, _spec)
