"""Clients: create, change (with optimistic locking), read, assign; all with rights checks."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from crmdesk.models import (
    BankAccount,
    Client,
    ClientAddress,
    ClientEmail,
    ClientGroup,
    ClientPhone,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    User,
)
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.duplicates import check_inn
from crmdesk.services.errors import Collector, NotFound
from crmdesk.services.locking import check_version
from crmdesk.services.phones import normalize_phone
from crmdesk.services.search import clients_query, normalize
from crmdesk.services.settings import phone_region
from crmdesk.services.validation import (
    validate_account,
    validate_bik,
    validate_corr_account,
    validate_email,
    validate_requisites,
)

# the kinds of client, as 1C has them: a company, an individual entrepreneur, a person
KINDS = {"company": "Организация", "ip": "Индивидуальный предприниматель", "person": "Частное лицо"}
KIND_SHORT = {"company": "Организация", "ip": "ИП", "person": "Частное лицо"}
_IP_PREFIX = re.compile(r"^\s*(ИП|индивидуальный\s+предприниматель)\b\.?\s*", re.IGNORECASE)

# the client's status and source are chosen from these lists, not typed (a value already
# stored that is not here, from old data or an import, stays as it is)
STATUSES = ("Потенциальный", "Активный", "Постоянный", "Неактивный")
SOURCES = ("Сайт", "Звонок", "Рекомендация", "Выставка", "Реклама", "Почта", "Другое")

SCALARS = ("kind", "name", "full_name", "source", "status", "preferences", "interests", "comment")


def _phones(col: Collector, items, region: str, field: str = "Телефон") -> list[tuple]:
    out, seen = [], set()
    for item in items or []:
        raw, label = (
            (item.get("number"), item.get("label")) if isinstance(item, dict) else (item, None)
        )
        phone = col.check(normalize_phone, raw, region=region, field=field)
        if phone and (phone.e164, phone.ext) not in seen:
            seen.add((phone.e164, phone.ext))
            out.append((phone.e164, phone.ext, label))
    return out


def _emails(col: Collector, items, field: str = "Эл. почта") -> list[str]:
    out = []
    for item in items or []:
        email = col.check(validate_email, item, field=field)
        if email and email not in out:
            out.append(email)
    return out


def _groups(ctx: Context, col: Collector, items) -> list[ClientGroup]:
    """Groups by id or by name, whatever the case (SQLite's lower() ignores Cyrillic).

    A name not in the catalogue becomes a new group only for a user with the right to the
    catalogue (an import, the command line); anyone else is refused, naming the group."""
    rows = list(ctx.session.scalars(select(ClientGroup)))
    known = {normalize(g.name): g for g in rows}
    by_id = {g.id: g for g in rows}
    groups = []
    for item in items or []:
        if isinstance(item, int):
            group = by_id.get(item)
            if group is None:
                col.add("Группы", f"группа с кодом {item} не найдена")
                continue
        else:
            name = " ".join(str(item).split())
            if not name:
                continue
            group = known.get(normalize(name))
            if group is None:
                if not ctx.can(rights.CATALOG):
                    col.add("Группы", f"группы «{name}» нет в справочнике «Группы клиентов»; "
                                      "новую группу создаёт пользователь с правом на справочник")
                    continue
                group = known[normalize(name)] = ClientGroup(name=name)
                ctx.session.add(group)
        if group not in groups:
            groups.append(group)
    return groups


def kind_of(name: str | None, inn: str | None, given: str | None = None) -> str:
    """company | ip | person, as an import or a bank statement guesses it: a stated kind,
    then a 12-digit INN with «ИП …» in the name is an ИП."""
    if given in KINDS:
        return given
    digits = re.sub(r"\D", "", inn or "")
    if _IP_PREFIX.match(name or "") and len(digits) in (0, 12):
        return "ip"
    return "person" if len(digits) == 12 else "company"


def ip_name(name: str) -> str:
    """«ИП Иванов Иван Иванович» whatever was typed: «Иванов И.И.», «ип Иванов…»,
    «Индивидуальный предприниматель Иванов…»."""
    return "ИП " + _IP_PREFIX.sub("", name or "").strip()


def print_name(client: Client) -> str:
    """How print forms name the client: an ИП as «ИП Фамилия Имя Отчество»."""
    if client.kind == "ip":
        return ip_name(client.full_name or client.name)
    return client.full_name or client.name


def _owner(ctx: Context, owner) -> User | None:
    if owner is None or isinstance(owner, User):
        return owner
    stmt = select(User).where(User.id == owner if isinstance(owner, int) else User.login == owner)
    user = ctx.session.scalar(stmt)
    if user is None:
        raise NotFound(f"Поле «Менеджер»: пользователь «{owner}» не найден.")
    return user


def _apply(ctx: Context, client: Client, data: dict) -> None:
    """Validate everything first, then change the client: all or nothing."""
    col = Collector()
    region = phone_region(ctx.session)
    if "name" in data and not (data["name"] or "").strip():
        col.add("Наименование", "не заполнено")
    kind = data.get("kind") or client.kind or "company"
    if kind not in KINDS:
        col.add("Вид", f"неизвестный вид клиента «{kind}»")
        kind = "company"
    inn, kpp, ogrn = client.inn, client.kpp, client.ogrn
    if any(k in data for k in ("kind", "inn", "kpp", "ogrn")):
        inn, kpp, ogrn = validate_requisites(
            kind, data.get("inn", inn), data.get("kpp", kpp), data.get("ogrn", ogrn), col.check)
    phones = _phones(col, data.get("phones"), region) if "phones" in data else None
    emails = _emails(col, data.get("emails")) if "emails" in data else None
    banks = []
    for bank in data.get("bank_accounts") or []:
        bik = col.check(validate_bik, bank.get("bik"))
        acc = col.check(validate_account, bank.get("account"), bik) if bik else bank.get("account")
        corr = bank.get("corr_account")
        corr = col.check(validate_corr_account, corr, bik) if bik and corr else corr
        banks.append(
            BankAccount(bank_name=bank.get("bank_name"), bik=bik, account=acc, corr_account=corr)
        )
    contacts = []
    for c in data.get("contacts") or []:
        if not (c.get("name") or "").strip():
            col.add("Контактное лицо", "не заполнено имя")
            continue
        birthday = c.get("birthday")
        if isinstance(birthday, str) and birthday:
            birthday = date.fromisoformat(birthday)
        person = ContactPerson(
            name=c["name"].strip(),
            position=c.get("position"),
            birthday=birthday or None,
            comment=c.get("comment"),
        )
        person.phones = [
            ContactPhone(e164=e, ext=x, label=lbl)
            for e, x, lbl in _phones(col, c.get("phones"), region, f"Телефон ({c['name']})")
        ]
        person.emails = [
            ContactEmail(email=e) for e in _emails(col, c.get("emails"), f"Эл. почта ({c['name']})")
        ]
        contacts.append(person)
    owner = _owner(ctx, data["owner"]) if "owner" in data else client.owner
    groups = _groups(ctx, col, data["groups"]) if "groups" in data else None
    col.raise_if_any()
    if inn != client.inn or kpp != client.kpp:  # one firm, one client (a branch: its KPP)
        check_inn(ctx, inn, kpp, client.id)

    if "owner" in data and owner is not client.owner and client.id is not None:
        if not ctx.can(rights.ASSIGN):
            rights.require(ctx.user, rights.ASSIGN)
    if "kind" in data:
        data = {**data, "kind": kind}
    for key in SCALARS:
        if key in data:
            value = data[key]
            setattr(client, key, value.strip() if isinstance(value, str) else value)
    client.inn, client.kpp, client.ogrn, client.owner = inn, kpp, ogrn, owner
    if phones is not None:
        keep = {(p.e164, p.ext): p for p in client.phones}
        client.phones = [
            keep.get((e, x)) or ClientPhone(e164=e, ext=x, label=lbl) for e, x, lbl in phones
        ]
    if emails is not None:
        keep_e = {e.email: e for e in client.emails}
        client.emails = [keep_e.get(e) or ClientEmail(email=e) for e in emails]
    if "addresses" in data:
        client.addresses = [
            ClientAddress(kind=a.get("kind", "actual"), text=a["text"])
            if isinstance(a, dict)
            else ClientAddress(text=a)
            for a in data["addresses"] or []
            if a
        ]
    if "bank_accounts" in data:
        client.bank_accounts = banks
    if "contacts" in data:
        client.contacts = contacts
    if groups is not None:
        client.groups = groups


def create_client(ctx: Context, data: dict) -> Client:
    rights.require(ctx.user, rights.EDIT_OWN)
    data = dict(data)
    if data.get("owner") not in (None, ctx.user.id, ctx.user.login) and not ctx.can(rights.ASSIGN):
        rights.require(ctx.user, rights.ASSIGN)
    data.setdefault("owner", ctx.user)
    data.setdefault("name", "")
    client = Client(kind=data.get("kind") or "company", name="")
    _apply(ctx, client, data)
    ctx.session.add(client)
    ctx.session.flush()
    return client


def get_client(ctx: Context, client_id: int) -> Client:
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Клиент с кодом {client_id} не найден.")
    rights.check_read_client(ctx.user, client)
    return client


def update_client(
    ctx: Context, client_id: int, data: dict, expected_version: int | None = None
) -> Client:
    client = get_client(ctx, client_id)
    rights.check_write_client(ctx.user, client)
    check_version(client, expected_version, f"Клиент «{client.name}»")
    _apply(ctx, client, data)
    ctx.session.flush()
    return client


def set_deletion_mark(ctx: Context, client_id: int, mark: bool = True) -> Client:
    client = get_client(ctx, client_id)
    rights.check_write_client(ctx.user, client)
    client.deletion_mark = mark
    ctx.session.flush()
    return client


def list_clients(ctx: Context, query: str = "", limit: int = 50, offset: int = 0):
    stmt = clients_query(ctx.session, ctx.user, query).order_by(Client.search_name, Client.id)
    return list(ctx.session.scalars(stmt.limit(limit).offset(offset)))


def client_row(client: Client) -> dict:
    """The key fields of a client as the command line and lists show them."""
    from crmdesk.services.phones import format_phone

    return {
        "id": client.id,
        "name": client.name,
        "kind": client.kind,
        "inn": client.inn,
        "phones": [format_phone(p.e164, p.ext) for p in client.phones],
        "emails": [e.email for e in client.emails],
        "groups": [g.name for g in client.groups],
        "owner": client.owner.login if client.owner else None,
        "deletion_mark": client.deletion_mark,
    }
