"""Segments of clients for mailings: groups, manager, status, source, products of interest,
no contact for N days, debtors overdue more than N days, contact persons' birthdays this week;
and whom to write at each client of a segment (with the consent that applies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, extract, func, or_, select

from crmdesk.models import (
    Client,
    ClientGroup,
    ContactPerson,
    Document,
    DocumentLine,
    Interaction,
    Product,
    Settlement,
    User,
    client_group_links,
    utcnow,
)
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError

SEGMENT_KEYS = {
    "groups": "Группы клиентов",
    "manager": "Менеджер",
    "status": "Статус",
    "source": "Источник",
    "products": "Интересующие товары",
    "no_contact_days": "Нет контакта, дней",
    "overdue_days": "Просрочка больше, дней",
    "birthdays_week": "Дни рождения контактов на этой неделе",
    "houses": "Жители домов (ЖКХ)",  # house ids: services/housing.residents_of_houses
}
def segment_query(ctx: Context, segment: dict, today: date | None = None):
    """SQL selecting the ids of the segment's clients (those the user may see)."""
    today = today or date.today()
    unknown = set(segment) - set(SEGMENT_KEYS)
    if unknown:
        raise ValidationError("Отбор", f"неизвестные условия: {', '.join(sorted(unknown))}")
    stmt = select(Client.id).where(Client.deletion_mark.is_(False),
                                   rights.client_filter(ctx.user))
    if segment.get("houses"):
        from crmdesk.services.housing import residents_of_houses

        stmt = stmt.where(Client.id.in_(residents_of_houses(segment["houses"])))
    if segment.get("groups"):
        names = [n.strip() for n in segment["groups"]]
        found = dict(ctx.session.execute(select(ClientGroup.name, ClientGroup.id)).all())
        folded = {k.casefold(): v for k, v in found.items()}
        ids = []
        for name in names:
            if name.casefold() not in folded:
                raise NotFound(f"Поле «Группа»: группа «{name}» не найдена.")
            ids.append(folded[name.casefold()])
        stmt = stmt.where(exists().where(client_group_links.c.client_id == Client.id,
                                         client_group_links.c.group_id.in_(ids)))
    if segment.get("manager"):
        manager = ctx.session.scalar(select(User).where(User.login == segment["manager"]))
        if manager is None:
            raise NotFound(f"Поле «Менеджер»: пользователь «{segment['manager']}» не найден.")
        stmt = stmt.where(Client.owner_id == manager.id)
    if segment.get("status"):
        stmt = stmt.where(Client.status == segment["status"])
    if segment.get("source"):
        stmt = stmt.where(Client.source == segment["source"])
    if segment.get("products"):
        conds = []
        for name in segment["products"]:
            conds.append(Client.interests.contains(name))
            bought = (select(Document.id).join(DocumentLine).join(Product)
                      .where(Document.client_id == Client.id, Product.name == name))
            conds.append(exists(bought))
        stmt = stmt.where(or_(*conds))
    if segment.get("no_contact_days") is not None:
        since = utcnow() - timedelta(days=int(segment["no_contact_days"]))
        stmt = stmt.where(~exists().where(Interaction.client_id == Client.id,
                                          Interaction.occurred_at >= since))
    if segment.get("overdue_days") is not None:
        limit = today - timedelta(days=int(segment["overdue_days"]))
        rest = (select(Settlement.invoice_id).where(Settlement.client_id == Client.id,
                                                    Settlement.invoice_id.is_not(None))
                .group_by(Settlement.invoice_id)
                .having(and_(func.sum(Settlement.amount) > 0,
                             func.max(Settlement.due_date) < limit)))
        stmt = stmt.where(exists(rest))
    if segment.get("birthdays_week"):
        stmt = stmt.where(exists(birthday_contacts(today).where(
            ContactPerson.client_id == Client.id)))
    return stmt


def birthday_contacts(today: date):
    start = today - timedelta(days=today.weekday())
    days = [start + timedelta(days=i) for i in range(7)]
    month, day = extract("month", ContactPerson.birthday), extract("day", ContactPerson.birthday)
    return select(ContactPerson.id).where(
        ContactPerson.deletion_mark.is_(False),
        ContactPerson.birthday.is_not(None),
        or_(*[and_(month == d.month, day == d.day) for d in days]),
    )


@dataclass
class Target:
    client: Client
    contact: ContactPerson | None
    address: str | None
    consent: bool


def targets(client: Client, channel: str, birthday_ids: set[int] | None) -> list[Target]:
    """Whom to write at this client: the birthday people, or the client's first address
    (its own, else its first contact person's)."""
    def addr_of(obj) -> str | None:
        items = obj.emails if channel == "email" else obj.phones
        return (items[0].email if channel == "email" else items[0].e164) if items else None

    def consent_of(obj) -> bool:
        flag = obj.consent_email if channel == "email" else obj.consent_sms
        return bool(flag) and obj.opt_out_at is None

    people = [p for p in client.contacts if not p.deletion_mark]
    if birthday_ids is not None:
        return [Target(client, p, addr_of(p), consent_of(p)) for p in people
                if p.id in birthday_ids]
    own = addr_of(client)
    if own:
        return [Target(client, None, own, consent_of(client))]
    for person in people:
        if addr_of(person):
            return [Target(client, person, addr_of(person), consent_of(person))]
    return [Target(client, None, None, consent_of(client))]
