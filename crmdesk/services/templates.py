"""Templates of letters and SMS: text with fields in braces, filled for a client or document.

Fields (as a user types them): {Клиент}, {Контактное лицо}, {Менеджер}, {Телефон менеджера},
{Организация}, {Документ}, {Номер}, {Дата}, {Сумма}, {Срок оплаты}, {Долг}, {Просрочено}.
An unknown field is an error naming it; a field with no value (no document, no contact)
prints empty — never a made-up value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select, type_coerce

from crmdesk.models import Client, ContactPerson, Document, Organization, Settlement
from crmdesk.models.base import Money
from crmdesk.models.comms import CHANNELS, MessageTemplate
from crmdesk.models.documents import DOC_TYPES
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.money import ZERO, format_money

FIELDS = {
    "Клиент": "наименование клиента",
    "Контактное лицо": "имя контактного лица (или клиента-физлица)",
    "Обращение": "«Уважаемый(ая) …» по имени контактного лица",
    "Менеджер": "ответственный менеджер клиента",
    "Телефон менеджера": "телефон менеджера",
    "Организация": "наша организация",
    "Документ": "«Счёт на оплату СЧ-2026-000123 от 01.12.2026»",
    "Номер": "номер документа",
    "Дата": "дата документа",
    "Сумма": "сумма документа, руб.",
    "Срок оплаты": "срок оплаты (действия) документа",
    "Долг": "долг клиента на сегодня, руб.",
    "Просрочено": "просроченная часть долга, руб.",
}
FIELD_RE = re.compile(r"\{([^{}\n]+)\}")

STARTING = [
    # name, channel, subject, body, advertising, doc_type
    ("Счёт отправлен", "email", "{Документ}",
     "{Обращение}\n\nНаправляем {Документ} на сумму {Сумма} руб. Оплатить до {Срок оплаты}.\n"
     "Счёт во вложении.\n\nС уважением,\n{Менеджер}, {Организация}\n{Телефон менеджера}",
     False, "invoice"),
    ("Заказ отправлен", "email", "{Документ}",
     "{Обращение}\n\nНаправляем {Документ} на сумму {Сумма} руб.\n\n"
     "С уважением,\n{Менеджер}, {Организация}", False, "order"),
    ("Коммерческое предложение", "email", "{Документ}",
     "{Обращение}\n\nНаправляем наше коммерческое предложение на сумму {Сумма} руб. "
     "Предложение действительно до {Срок оплаты}.\n\nС уважением,\n{Менеджер}, {Организация}",
     False, "proposal"),
    ("Напоминание о долге", "email", "Напоминание об оплате — {Организация}",
     "{Обращение}\n\nНапоминаем, что за {Клиент} числится задолженность {Долг} руб., "
     "из них просрочено {Просрочено} руб. Просим оплатить в ближайшее время.\n\n"
     "С уважением,\n{Менеджер}, {Организация}", False, None),
    ("Напоминание о долге (SMS)", "sms", None,
     "{Организация}: задолженность {Долг} руб., просрочено {Просрочено} руб. "
     "Просим оплатить. {Телефон менеджера}", False, None),
    ("Поздравление с днём рождения", "email", "С днём рождения!",
     "{Обращение}\n\nПоздравляем Вас с днём рождения! Желаем здоровья, удачи и успехов.\n\n"
     "{Организация}", True, None),
    ("Поздравление с днём рождения (SMS)", "sms", None,
     "{Контактное лицо}, поздравляем с днём рождения! {Организация}", True, None),
    ("Заявка зарегистрирована", "email", "Ваше обращение зарегистрировано",
     "{Обращение}\n\nВаше обращение зарегистрировано. Ответственный менеджер — {Менеджер}, "
     "{Телефон менеджера}. Мы свяжемся с Вами в ближайшее время.\n\n{Организация}",
     False, None),
]


@dataclass
class Rendered:
    subject: str
    body: str


def ensure_starting_templates(session) -> int:
    """Add the shipped templates a database does not have yet; how many were added."""
    have = set(session.scalars(select(MessageTemplate.name)))
    added = 0
    for name, channel, subject, body, adv, doc_type in STARTING:
        if name not in have:
            session.add(MessageTemplate(name=name, channel=channel, subject=subject, body=body,
                                        advertising=adv, doc_type=doc_type))
            added += 1
    if added:
        session.flush()
    return added


def list_templates(ctx: Context, channel: str | None = None) -> list[MessageTemplate]:
    ensure_starting_templates(ctx.session)
    stmt = select(MessageTemplate).where(MessageTemplate.deletion_mark.is_(False))
    if channel:
        stmt = stmt.where(MessageTemplate.channel == channel)
    return list(ctx.session.scalars(stmt.order_by(MessageTemplate.name)))


def get_template(ctx: Context, name_or_id: str | int) -> MessageTemplate:
    ensure_starting_templates(ctx.session)
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        tpl = ctx.session.get(MessageTemplate, int(name_or_id))
    else:
        tpl = ctx.session.scalar(select(MessageTemplate).where(
            func.lower(MessageTemplate.name) == str(name_or_id).strip().lower()))
        if tpl is None:  # SQLite's lower() leaves Cyrillic as it is
            wanted = str(name_or_id).strip().casefold()
            tpl = next((t for t in list_templates(ctx) if t.name.casefold() == wanted), None)
    if tpl is None:
        raise NotFound(f"Шаблон «{name_or_id}» не найден.")
    return tpl


def check_text(text: str | None, field: str) -> None:
    for name in FIELD_RE.findall(text or ""):
        if name.strip() not in FIELDS:
            raise ValidationError(field, f"неизвестное поле {{{name}}}; доступны: "
                                  + ", ".join("{" + f + "}" for f in FIELDS))


def save_template(ctx: Context, data: dict, template_id: int | None = None) -> MessageTemplate:
    rights.require(ctx.user, rights.EDIT_OWN)
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError("Наименование", "не заполнено")
    channel = data.get("channel") or "email"
    if channel not in CHANNELS:
        raise ValidationError("Канал", f"«{channel}»: можно {', '.join(CHANNELS)}")
    if not (data.get("body") or "").strip():
        raise ValidationError("Текст", "не заполнено")
    check_text(data.get("subject"), "Тема")
    check_text(data.get("body"), "Текст")
    tpl = ctx.session.get(MessageTemplate, template_id) if template_id else MessageTemplate()
    if tpl is None:
        raise NotFound(f"Шаблон с кодом {template_id} не найден.")
    tpl.name, tpl.channel = name, channel
    tpl.subject = (data.get("subject") or "").strip() or None
    tpl.body = data["body"]
    tpl.advertising = bool(data.get("advertising"))
    tpl.doc_type = data.get("doc_type") or None
    ctx.session.add(tpl)
    ctx.session.flush()
    return tpl


def render(text: str | None, values: dict) -> str:
    def field(match):
        name = match.group(1).strip()
        if name not in FIELDS:
            raise ValidationError("Шаблон", f"неизвестное поле {{{name}}}")
        value = values.get(name)
        return "" if value is None else str(value)

    return FIELD_RE.sub(field, text or "")


def debt(session, client_id: int, today: date | None = None) -> tuple:
    """The client's debt now and its overdue part (invoices past their due date)."""
    today = today or date.today()
    per_invoice = (
        select(Settlement.invoice_id,
               type_coerce(func.sum(Settlement.amount), Money).label("rest"),
               func.max(Settlement.due_date).label("due"))
        .where(Settlement.client_id == client_id)
        .group_by(Settlement.invoice_id)
        .subquery()
    )
    rest, inv, due = per_invoice.c.rest, per_invoice.c.invoice_id, per_invoice.c.due
    total, overdue = session.execute(select(
        type_coerce(func.sum(rest), Money),
        type_coerce(func.sum(case((and_(inv.is_not(None), rest > 0, due < today), rest),
                                  else_=0)), Money),
    )).one()
    return total or ZERO, overdue or ZERO


def _phone(ctx: Context, raw: str | None) -> str | None:
    """A phone as people write it (+7 916 123-45-67); what cannot be read, as it was typed."""
    from crmdesk.services.phones import format_phone, normalize_phone
    from crmdesk.services.settings import phone_region

    if not raw:
        return None
    try:
        phone = normalize_phone(raw, region=phone_region(ctx.session))
    except ValidationError:
        return raw
    return format_phone(phone.e164, phone.ext) if phone else raw


def _salutation(person_name: str | None) -> str:
    if not person_name:
        return "Добрый день!"
    parts = person_name.split()
    if len(parts) >= 3:  # Фамилия Имя Отчество → Имя Отчество
        return f"Уважаемый(ая) {parts[1]} {parts[2]}!"
    return f"Уважаемый(ая) {person_name}!"


def fields_in(*texts: str | None) -> set[str]:
    return {m.strip() for t in texts for m in FIELD_RE.findall(t or "")}


def values_for(ctx: Context, client: Client, contact: ContactPerson | None = None,
               document: Document | None = None, wanted: set[str] | None = None) -> dict:
    """The fields' values; ``wanted``: only these (a mailing asks the debt only if used)."""
    wanted = set(FIELDS) if wanted is None else wanted
    cache = ctx.session.info.setdefault("template_values", {})
    if "org" not in cache:
        org = ctx.session.scalar(select(Organization).limit(1))
        cache["org"] = org.name if org else None
    manager = (document.manager if document is not None and document.manager else None) or \
        client.owner
    if contact is None and document is not None:
        contact = document.contact
    person = contact.name if contact else (client.name if client.kind == "person" else None)
    values = {
        "Клиент": client.name,
        "Контактное лицо": person,
        "Обращение": _salutation(person),
        "Менеджер": manager.full_name if manager else None,
        "Телефон менеджера": _phone(ctx, manager.phone) if manager else None,
        "Организация": cache["org"],
    }
    if wanted & {"Долг", "Просрочено"}:
        owed, overdue = debt(ctx.session, client.id)
        values["Долг"] = format_money(owed).replace("\u00a0", " ")
        values["Просрочено"] = format_money(overdue).replace("\u00a0", " ")
    if document is not None:
        values.update({
            "Документ": f"{DOC_TYPES[document.doc_type][1]} № {document.number} от "
                        f"{document.date:%d.%m.%Y}",
            "Номер": document.number,
            "Дата": f"{document.date:%d.%m.%Y}",
            "Сумма": format_money(document.total).replace("\u00a0", " "),
            "Срок оплаты": f"{document.due_date:%d.%m.%Y}" if document.due_date else None,
        })
    return values


def fill(ctx: Context, tpl: MessageTemplate, client: Client, contact=None,
         document=None) -> Rendered:
    values = values_for(ctx, client, contact, document, fields_in(tpl.subject, tpl.body))
    return Rendered(render(tpl.subject, values), render(tpl.body, values))


def preview(ctx: Context, template: str | int, client_id: int, document_id: int | None = None):
    tpl = get_template(ctx, template)
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Клиент с кодом {client_id} не найден.")
    rights.check_read_client(ctx.user, client)
    doc = ctx.session.get(Document, document_id) if document_id else None
    return fill(ctx, tpl, client, document=doc)


def this_week(today: date | None = None) -> tuple[date, date]:
    today = today or date.today()
    start = today - timedelta(days=today.weekday())
    return start, start + timedelta(days=6)

