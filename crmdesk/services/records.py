"""Simple catalogue records — products, groups, contact persons, users, roles, tasks,
interactions, the organization — read, written and marked with rights and validation.

Clients and documents have rules of their own (services.clients, services.documents); the
records here differ only by which fields they take, who may write them and what is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, String, select

from crmdesk.models import (
    Client,
    ClientGroup,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    Interaction,
    Organization,
    Product,
    Role,
    Task,
    User,
)
from crmdesk.models.base import UTCDateTime
from crmdesk.services import limits, rights
from crmdesk.services.context import Context
from crmdesk.services.errors import Collector, NotFound, ValidationError
from crmdesk.services.locking import check_version, flushing
from crmdesk.services.phones import format_phone, normalize_phone, stored_phone
from crmdesk.services.settings import phone_region
from crmdesk.services.users import hash_password
from crmdesk.services.validation import (
    validate_account,
    validate_bik,
    validate_corr_account,
    validate_email,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)


@dataclass(frozen=True)
class Kind:
    model: type
    title: str
    fields: tuple[str, ...]
    can_write: Callable[[Context, object], None]
    check: Callable[[Context, object, dict, Collector], dict] | None = None
    label: Callable[[object], str] = lambda obj: getattr(obj, "name", str(obj.id))


def _permission(perm: str) -> Callable[[Context, object], None]:
    return lambda ctx, obj: rights.require(ctx.user, perm)


def _contact_write(ctx: Context, obj) -> None:
    client = obj.client or ctx.session.get(Client, obj.client_id)
    if client is None:
        raise ValidationError("Клиент", "не заполнено")
    rights.check_write_client(ctx.user, client)


def _required(col: Collector, data: dict, key: str, title: str, obj=None) -> None:
    """Filled in ``data``, or (when ``data`` leaves it out) already filled on ``obj``."""
    value = data[key] if key in data else getattr(obj, key, None)
    if not str(value if value is not None else "").strip():
        col.add(title, "не заполнено")


def _money(col: Collector, data: dict, key: str, title: str) -> None:
    if key in data:
        value = data[key]
        value = col.check(limits.money, 0 if value in (None, "") else value, title)
        if value is not None:
            data[key] = value
        else:
            data.pop(key)


def _rate(col: Collector, data: dict, key: str = "vat_rate", title: str = "Ставка НДС") -> None:
    if key in data:
        value = col.check(limits.vat_rate, data[key] if data[key] not in (None, "") else 0)
        if value is not None:
            data[key] = value
        else:
            data.pop(key)


def _texts(col: Collector, k: Kind, data: dict) -> None:
    """Every text field: no NUL, no longer than its column (one limit for both databases)."""
    table = k.model.__table__
    for key in k.fields:
        value = data.get(key)
        if key not in table.c or not isinstance(table.c[key].type, String):
            continue
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            value = data[key] = str(value)  # a code or name a spreadsheet gave as a number
        if isinstance(value, str):
            length = getattr(table.c[key].type, "length", None) or limits.TEXT_MAX
            col.check(limits.text, value.strip(), limits.LABELS.get(key, key), length)


DATE_LABELS = {
    "birthday": "День рождения",
    "deadline": "Срок",
    "remind_at": "Напомнить",
    "occurred_at": "Дата",
    "done_at": "Выполнена",
}


def _dates(col: Collector, k: Kind, data: dict) -> None:
    """Dates the program can compute with (years 1900–2999), never an OverflowError; ISO
    text is read, a time without a zone is taken as local, anything else is «не дата»."""
    table = k.model.__table__
    for key in k.fields:
        if key not in data or data[key] is None or key not in table.c:
            continue
        kind = table.c[key].type
        if not isinstance(kind, (Date, DateTime, UTCDateTime)):
            continue
        value = data[key]
        if isinstance(value, str) and not value.strip():
            data[key] = None
            continue
        value = col.check(limits.check_date, value, DATE_LABELS.get(key, key))
        if value is None:
            data.pop(key)
        elif isinstance(kind, Date) and isinstance(value, datetime):
            data[key] = value.date()
        elif not isinstance(kind, Date) and not isinstance(value, datetime):
            data[key] = datetime(value.year, value.month, value.day).astimezone()
        elif not isinstance(kind, Date) and value.tzinfo is None:
            data[key] = value.astimezone()
        else:
            data[key] = value


def _check_product(ctx, obj, data, col):
    _required(col, data, "name", "Наименование", obj)
    _money(col, data, "price", "Цена")
    _money(col, data, "cost_price", "Себестоимость")
    _rate(col, data)
    return data


def _check_group(ctx, obj, data, col):
    _required(col, data, "name", "Наименование", obj)
    name = " ".join(str(data.get("name") or "").split())
    other = ctx.session.scalar(select(ClientGroup).where(ClientGroup.name == name))
    if name and other is not None and other is not obj:
        col.add("Наименование", f"группа «{name}» уже есть")
    data["name"] = name
    return data


def _phones_of(col: Collector, ctx: Context, raw, field: str) -> list:
    region = phone_region(ctx.session)
    out = []
    for item in raw or []:
        phone = col.check(normalize_phone, item, region=region, field=field)
        if phone and (phone.e164, phone.ext) not in out:
            out.append((phone.e164, phone.ext))
    return out


def _check_contact(ctx, obj, data, col):
    _required(col, data, "name", "ФИО", obj)
    if "client_id" in data and obj.client_id not in (None, data["client_id"]):
        col.add("Клиент", "контактное лицо нельзя перенести к другому клиенту")
    if "phones" in data:
        phones = _phones_of(col, ctx, data.pop("phones"), "Телефон")
        data["_phones"] = phones
    if "emails" in data:
        emails = [col.check(validate_email, e) for e in data.pop("emails") or []]
        data["_emails"] = [e for e in emails if e]
    if isinstance(data.get("birthday"), str):
        try:
            data["birthday"] = date.fromisoformat(data["birthday"]) if data["birthday"] else None
        except ValueError:
            col.add("День рождения", f"«{data['birthday']}» — не дата")
    return data


def _check_user(ctx, obj, data, col):
    _required(col, data, "login", "Имя входа", obj)
    _required(col, data, "full_name", "ФИО", obj)
    login = (data.get("login") or "").strip()
    if login:
        other = ctx.session.scalar(select(User).where(User.login == login))
        if other is not None and other is not obj:
            col.add("Имя входа", f"«{login}» уже занято")
        data["login"] = login
    if data.get("email"):
        data["email"] = col.check(validate_email, data["email"])
    _phone(col, ctx, data)
    if "role_id" in data and ctx.session.get(Role, data["role_id"] or 0) is None:
        col.add("Роль", "не выбрана")
    if data.get("password"):
        data["password_hash"] = hash_password(data.pop("password"))
    data.pop("password", None)
    if obj is ctx.user and data.get("active") is False:
        col.add("Активен", "нельзя отключить самого себя")
    return data


def _check_role(ctx, obj, data, col):
    _required(col, data, "name", "Наименование", obj)
    unknown = [p for p in data.get("permissions") or [] if p not in rights.PERMISSIONS]
    if unknown:
        col.add("Права", f"неизвестные права: {', '.join(unknown)}")
    if obj.code == "admin" and "permissions" in data and rights.ADMIN not in data["permissions"]:
        col.add("Права", "у роли «Администратор» нельзя отнять администрирование")
    return data


def _check_org(ctx, obj, data, col):
    _required(col, data, "name", "Наименование", obj)
    for key, check in (
        ("inn", validate_inn),
        ("kpp", validate_kpp),
        ("ogrn", validate_ogrn),
        ("bik", validate_bik),
    ):
        if key in data:
            data[key] = col.check(check, data[key])
    bik = data.get("bik", obj.bik)
    if data.get("account") and bik:
        data["account"] = col.check(validate_account, data["account"], bik)
    if data.get("corr_account") and bik:
        data["corr_account"] = col.check(validate_corr_account, data["corr_account"], bik)
    if "vat_mode" in data and data["vat_mode"] not in ("none", "included", "on_top"):
        col.add("НДС", f"неизвестный режим «{data['vat_mode']}»")
    _rate(col, data)
    if data.get("email"):
        data["email"] = col.check(validate_email, data["email"])
    _phone(col, ctx, data)
    return data


def _phone(col, ctx, data) -> None:
    """A user's or the organization's one phone: kept canonical (E.164, « доб. » extension)
    so that every list, card and print form shows it like a client's."""
    if data.get("phone"):
        phone = col.check(normalize_phone, data["phone"], region=phone_region(ctx.session))
        data["phone"] = stored_phone(phone) if phone else data["phone"]


def _task_write(ctx: Context, task) -> None:
    if task.id is None or ctx.can(rights.ASSIGN):
        return
    if ctx.user.id not in (task.executor_id, task.author_id):
        raise rights.AccessDenied("Недостаточно прав: это чужая задача.")


def _check_task(ctx, obj, data, col):
    _required(col, data, "title", "Задача", obj)
    executor = data.get("executor_id", obj.executor_id)
    if executor not in (None, ctx.user.id, obj.executor_id) and not ctx.can(rights.ASSIGN):
        col.add("Исполнитель", "поручать задачи другим может руководитель")
    if data.get("priority") not in (None, 1, 2, 3):
        col.add("Важность", "1 — высокая, 2 — обычная, 3 — низкая")
    if data.get("status") == "done" and obj.status != "done":
        from crmdesk.models import utcnow

        data["done_at"] = utcnow()
    if data.get("client_id"):
        client = ctx.session.get(Client, data["client_id"])
        if client is None:
            col.add("Клиент", "не найден")
        else:
            rights.check_read_client(ctx.user, client)
    if data.get("deal_id"):  # a task of a deal is about the deal's client
        from crmdesk.services.interactions import check_deal

        col.check(check_deal, ctx, data.get("client_id", obj.client_id), data["deal_id"])
    _check_links(ctx, obj, data, col)
    return data


def _check_links(ctx, obj, data, col) -> None:
    """«Контактное лицо» of the record's client, «Ответственный» a user (pipeline links)."""
    from crmdesk.services.interactions import check_contact, check_user

    if data.get("contact_id"):
        col.check(check_contact, ctx, data.get("client_id", obj.client_id), data["contact_id"])
    if data.get("user_id"):
        col.check(check_user, ctx, data["user_id"])


def _interaction_write(ctx: Context, obj) -> None:
    rights.require(ctx.user, rights.INTERACTIONS)
    client = ctx.session.get(Client, obj.client_id) if obj.client_id else None
    if client is not None:
        rights.check_read_client(ctx.user, client)


def _check_interaction(ctx, obj, data, col):
    _required(col, data, "gist", "Суть", obj)
    from crmdesk.models.crm import INTERACTION_KINDS

    kind = data.get("kind")
    if "kind" in data and (not isinstance(kind, str) or kind not in INTERACTION_KINDS):
        col.add("Вид", f"неизвестен «{limits.text(str(kind), 'Вид')[:40]}»")
    if not data.get("client_id", obj.client_id):
        col.add("Клиент", "не заполнено")
    if data.get("deal_id"):  # an interaction of a deal is about the deal's client
        from crmdesk.services.interactions import check_deal

        col.check(check_deal, ctx, data.get("client_id", obj.client_id), data["deal_id"])
    _check_links(ctx, obj, data, col)
    if "user_id" in data and data["user_id"] is None:
        data.pop("user_id")  # an interaction always has who did it
    return data


KINDS: dict[str, Kind] = {
    "product": Kind(
        Product,
        "Номенклатура",
        (
            "article",
            "name",
            "kind",
            "unit",
            "price",
            "cost_price",
            "vat_rate",
            "description",
            "image",
        ),
        _permission(rights.CATALOG),
        _check_product,
    ),
    "group": Kind(
        ClientGroup, "Группа клиентов", ("name",), _permission(rights.CATALOG), _check_group
    ),
    "contact": Kind(
        ContactPerson,
        "Контактное лицо",
        ("client_id", "name", "position", "birthday", "comment"),
        _contact_write,
        _check_contact,
    ),
    "user": Kind(
        User,
        "Пользователь",
        ("login", "full_name", "position", "phone", "email", "role_id", "active", "password_hash"),
        _permission(rights.ADMIN),
        _check_user,
        lambda u: u.full_name,
    ),
    "role": Kind(Role, "Роль", ("name", "permissions"), _permission(rights.ADMIN), _check_role),
    "organization": Kind(
        Organization,
        "Организация",
        (
            "name",
            "full_name",
            "inn",
            "kpp",
            "ogrn",
            "address",
            "phone",
            "email",
            "bank_name",
            "bank_city",
            "bik",
            "corr_account",
            "account",
            "director",
            "chief_accountant",
            "logo",
            "stamp",
            "director_signature",
            "accountant_signature",
            "vat_mode",
            "vat_rate",
            "payment_terms",
        ),
        _permission(rights.ADMIN),
        _check_org,
    ),
    "task": Kind(
        Task,
        "Задача",
        (
            "title",
            "description",
            "client_id",
            "executor_id",
            "deadline",
            "remind_at",
            "priority",
            "status",
            "done_at",
            "deal_id",
            "contact_id",
        ),
        _task_write,
        _check_task,
        lambda t: t.title,
    ),
    "interaction": Kind(
        Interaction,
        "Взаимодействие",
        (
            "client_id",
            "contact_id",
            "kind",
            "occurred_at",
            "duration_min",
            "gist",
            "next_step",
            "deal_id",
            "user_id",
        ),
        _interaction_write,
        _check_interaction,
        lambda i: (i.gist or "")[:40],
    ),
}


def _not_null(col: Collector, k: Kind, obj, data: dict) -> None:
    """A new record's columns the database requires and nothing fills: «не заполнено»
    instead of the database's NOT NULL error."""
    table = k.model.__table__
    for key in k.fields:
        c = table.c.get(key)
        if c is None or c.nullable or c.primary_key or c.default is not None:
            continue
        if c.server_default is None and data.get(key) is None and getattr(obj, key) is None:
            col.add(limits.LABELS.get(key, {"kind": "Вид"}.get(key, key)), "не заполнено")


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValidationError("Вид объекта", f"неизвестен «{name}»") from None


def get(ctx: Context, name: str, obj_id: int):
    k = kind(name)
    obj = ctx.session.get(k.model, obj_id)
    if obj is None:
        raise NotFound(f"{k.title} с кодом {obj_id} не найден(а).")
    if name == "user" and obj is not ctx.user and not ctx.can(rights.ADMIN):
        raise rights.AccessDenied(
            "Недостаточно прав: карточки пользователей открывает администратор."
        )
    client = _client_of(ctx, obj)
    if client is not None:
        rights.check_read_client(ctx.user, client)
    return obj


def _client_of(ctx: Context, obj):
    client_id = getattr(obj, "client_id", None)
    return ctx.session.get(Client, client_id) if client_id else None


def save(
    ctx: Context, name: str, obj_id: int | None, data: dict, expected_version: int | None = None
):
    """Create (obj_id None) or change a record; every field checked before any is set."""
    k = kind(name)
    if obj_id is None:
        obj = k.model()
        if name == "interaction":
            obj.user_id = ctx.user.id
        if name == "task":
            obj.author_id = ctx.user.id
            obj.status = "open"
            obj.priority = 2
        for key in ("client_id",):
            if key in data:
                setattr(obj, key, data[key])
    else:
        obj = get(ctx, name, obj_id)
        if hasattr(obj, "version"):
            check_version(obj, expected_version, f"{k.title} «{k.label(obj)}»")
    k.can_write(ctx, obj)
    data = dict(data)
    col = Collector()
    _texts(col, k, data)
    _dates(col, k, data)
    if k.check is not None:
        data = k.check(ctx, obj, data, col)
    if obj_id is None and not col.errors:
        _not_null(col, k, obj, data)
    col.raise_if_any()
    with flushing(obj, f"{k.title} «{k.label(obj)}»"):
        for key in k.fields:
            if key in data:
                value = data[key]
                setattr(obj, key, value.strip() if isinstance(value, str) else value)
        if "_phones" in data:
            obj.phones = [ContactPhone(e164=e, ext=x) for e, x in data["_phones"]]
        if "_emails" in data:
            obj.emails = [ContactEmail(email=e) for e in data["_emails"]]
        if obj_id is None:
            ctx.session.add(obj)
        ctx.session.flush()
    return obj


def set_deletion_mark(ctx: Context, name: str, obj_id: int, mark: bool = True):
    k = kind(name)
    obj = get(ctx, name, obj_id)
    k.can_write(ctx, obj)
    if not hasattr(obj, "deletion_mark"):
        raise ValidationError("Пометка удаления", f"«{k.title}» не помечается на удаление")
    if obj is ctx.user and mark:
        raise ValidationError("Пометка удаления", "нельзя пометить на удаление самого себя")
    with flushing(obj, f"{k.title} «{k.label(obj)}»"):
        obj.deletion_mark = mark
        ctx.session.flush()
    return obj


def values(obj, fields: tuple[str, ...]) -> dict:
    """A record's fields as plain values (for forms and exports)."""
    # a password's hash never leaves the rules, whoever reads the record
    out = {key: getattr(obj, key, None) for key in fields if key != "password_hash"}
    if isinstance(obj, ContactPerson):
        out["phones"] = [format_phone(p.e164, p.ext) for p in obj.phones]
        out["emails"] = [e.email for e in obj.emails]
    return out
