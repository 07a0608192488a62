"""«Объединение клиентов» (1C's «Поиск и удаление дублей»): two cards of one client become one.

``compare`` shows the two side by side; ``merge_clients`` keeps one (with the fields the user
chose from the other), moves onto it everything that belongs to the other — contact persons,
phones, e-mails, addresses, bank accounts, groups, documents, interactions, deals, tasks,
files, and whatever else refers to a client (every foreign key to ``clients`` is followed,
so tables added later move too) — marks the other for deletion and writes the merge into
both clients' history. All in the caller's unit of work: all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from crmdesk.models import AuditEntry, Base, Client, ClientGroup, User
from crmdesk.models.crm import Attachment
from crmdesk.services import rights
from crmdesk.services.clients import get_client
from crmdesk.services.context import Context
from crmdesk.services.errors import CrmError
from crmdesk.services.locking import check_version
from crmdesk.services.phones import format_phone
from crmdesk.services.search_upkeep import recompute_search_texts

# the card's own fields a user may take from the other client
FIELDS = {
    "name": "Наименование",
    "kind": "Вид",
    "full_name": "Полное наименование",
    "inn": "ИНН",
    "kpp": "КПП",
    "ogrn": "ОГРН",
    "owner_id": "Менеджер",
    "status": "Статус",
    "source": "Источник",
    "interests": "Интересующие товары",
    "preferences": "Предпочтения",
    "comment": "Комментарий",
}
KINDS = {"company": "Организация", "ip": "ИП", "person": "Частное лицо"}
# what the comparison counts (the merge moves all of them)
RELATED = {
    "contacts": "Контактные лица",
    "phones": "Телефоны",
    "emails": "Эл. почта",
    "groups": "Группы",
    "addresses": "Адреса",
    "documents": "Документы",
    "interactions": "Взаимодействия",
    "deals": "Сделки",
    "tasks": "Задачи",
    "files": "Файлы",
}
# tables the ORM moves (or unites) itself; every other reference is moved by one UPDATE
OWN = {
    "client_phones",
    "client_emails",
    "client_addresses",
    "bank_accounts",
    "contact_persons",
    "client_group_links",
}


class MergeError(CrmError):
    """Two clients cannot be merged (the same one, one marked, no rights)."""


@dataclass(frozen=True)
class Difference:
    key: str
    title: str
    keep: str
    other: str

    @property
    def differs(self) -> bool:
        return self.keep != self.other


def _shown(session, key: str, value) -> str:
    if value is None:
        return ""
    if key == "owner_id":
        return session.scalar(select(User.full_name).where(User.id == value)) or ""
    if key == "kind":
        return KINDS.get(value, value)
    return str(value)


def _related(session, client: Client) -> dict[str, str]:
    from crmdesk.models import Deal, Document, Interaction, Task

    def count(model, col) -> str:
        n = session.scalar(select(func.count()).select_from(model).where(col == client.id))
        return str(n or 0)

    return {
        "contacts": ", ".join(p.name for p in client.contacts),
        "phones": ", ".join(format_phone(p.e164, p.ext) for p in client.phones),
        "emails": ", ".join(e.email for e in client.emails),
        "groups": ", ".join(g.name for g in client.groups),
        "addresses": "; ".join(a.text for a in client.addresses),
        "documents": count(Document, Document.client_id),
        "interactions": count(Interaction, Interaction.client_id),
        "deals": count(Deal, Deal.client_id),
        "tasks": count(Task, Task.client_id),
        "files": str(
            session.scalar(
                select(func.count())
                .select_from(Attachment)
                .where(Attachment.owner_type == "client", Attachment.owner_id == client.id)
            )
            or 0
        ),
    }


def _pair(ctx: Context, keep_id: int, other_id: int) -> tuple[Client, Client]:
    if keep_id == other_id:
        raise MergeError("Выберите два разных клиента: клиент не объединяется сам с собой.")
    keep, other = get_client(ctx, keep_id), get_client(ctx, other_id)
    for client in (keep, other):
        rights.check_write_client(ctx.user, client)
        if client.deletion_mark:
            raise MergeError(
                f"Клиент «{client.name}» помечен на удаление: снимите пометку или выберите "
                "другого клиента."
            )
    return keep, other


def compare(ctx: Context, keep_id: int, other_id: int) -> list[Difference]:
    """The two clients field by field (their own fields, then what hangs on them)."""
    keep, other = _pair(ctx, keep_id, other_id)
    s = ctx.session
    out = [
        Difference(k, t, _shown(s, k, getattr(keep, k)), _shown(s, k, getattr(other, k)))
        for k, t in FIELDS.items()
    ]
    a, b = _related(s, keep), _related(s, other)
    out += [Difference(k, t, a[k], b[k]) for k, t in RELATED.items()]
    return out


def _references() -> list:
    """Every column of another table that refers to a client, but for the client's own."""
    cols = []
    for table in Base.metadata.sorted_tables:
        if table.name in OWN:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "clients" and fk.column.name == "id":
                cols.append(fk.parent)
    return cols


def _unite(keep: Client, other: Client) -> None:
    """The other's own rows onto ``keep``; a phone or e-mail both have is dropped (caller ID
    must not find the marked card)."""
    have = {(p.e164, p.ext) for p in keep.phones}
    for phone in list(other.phones):
        other.phones.remove(phone)
        if (phone.e164, phone.ext) not in have:
            keep.phones.append(phone)
    mails = {e.email.casefold() for e in keep.emails}
    for email in list(other.emails):
        other.emails.remove(email)
        if email.email.casefold() not in mails:
            keep.emails.append(email)
    for person in list(other.contacts):
        other.contacts.remove(person)
        keep.contacts.append(person)
    for item in list(other.addresses):
        other.addresses.remove(item)
        keep.addresses.append(item)
    for item in list(other.bank_accounts):
        other.bank_accounts.remove(item)
        keep.bank_accounts.append(item)
    groups: list[ClientGroup] = list(keep.groups)
    keep.groups = groups + [g for g in other.groups if g not in groups]


def merge_clients(
    ctx: Context,
    keep_id: int,
    other_id: int,
    take: set[str] | frozenset[str] = frozenset(),
    keep_version: int | None = None,
    other_version: int | None = None,
) -> dict[str, int]:
    """Merge ``other`` into ``keep``; ``take``: the FIELDS whose value comes from ``other``.

    Returns how many rows of each table were moved onto ``keep``."""
    keep, other = _pair(ctx, keep_id, other_id)
    check_version(keep, keep_version, f"Клиент «{keep.name}»")
    check_version(other, other_version, f"Клиент «{other.name}»")
    unknown = set(take) - FIELDS.keys()
    if unknown:
        raise MergeError(f"Поля {', '.join(sorted(unknown))} не переносятся при объединении.")
    s = ctx.session
    if "owner_id" in take and other.owner_id != keep.owner_id:
        rights.require(ctx.user, rights.ASSIGN)
    taken = {k: getattr(other, k) for k in take}
    if "inn" in taken or "kpp" in taken:
        other.inn = other.kpp = None  # the kept card takes them over: no duplicate meanwhile
        s.flush()
    moved: dict[str, int] = {
        "contact_persons": len(other.contacts),
        "client_phones": len(other.phones),
        "client_emails": len(other.emails),
    }
    _unite(keep, other)
    for key, value in taken.items():
        setattr(keep, key, value)
    other.deletion_mark = True
    s.flush()
    for col in _references():
        result = s.execute(update(col.table).where(col == other.id).values({col.name: keep.id}))
        if result.rowcount:
            moved[col.table.name] = result.rowcount
    files = s.execute(
        update(Attachment)
        .where(Attachment.owner_type == "client", Attachment.owner_id == other.id)
        .values(owner_id=keep.id)
    )
    if files.rowcount:
        moved["attachments"] = files.rowcount
    summary = ", ".join(f"{t}: {n}" for t, n in sorted(moved.items()) if n)
    s.add_all(
        [
            AuditEntry(
                user_id=ctx.user.id,
                object_type="client",
                object_id=keep.id,
                field="(объединение)",
                old_value=f"«{other.name}» (код {other.id})",
                new_value=f"перенесено в этого клиента; {summary}" if summary else None,
            ),
            AuditEntry(
                user_id=ctx.user.id,
                object_type="client",
                object_id=other.id,
                field="(объединение)",
                old_value=None,
                new_value=f"объединён с «{keep.name}» (код {keep.id}) и помечен на удаление",
            ),
        ]
    )
    s.flush()
    recompute_search_texts(s.connection(), [keep.id, other.id])
    s.expire_all()
    return moved
