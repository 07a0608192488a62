"""The requests' catalogues: categories (with their SLA and default executor) and external
contractors. Changed by a dispatcher, the administrator or whoever edits catalogues."""

from __future__ import annotations

from sqlalchemy import select

from crmdesk.models import User
from crmdesk.models.service import Contractor, RequestCategory
from crmdesk.services import limits, rights
from crmdesk.services.context import Context
from crmdesk.services.errors import AccessDenied, Collector, ValidationError


def _require(ctx: Context) -> None:
    if not (ctx.can(rights.ADMIN) or ctx.can(rights.CATALOG) or ctx.can(rights.REQUESTS_ALL)):
        raise AccessDenied(f"Недостаточно прав: пользователь {ctx.user.login} не может менять "
                           "справочники заявок.")


def _term(value, field: str, errors: Collector, maximum: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        errors.add(field, f"«{value}» — не целое число")
        return None
    if not 0 <= n <= maximum:
        errors.add(field, f"от 0 до {maximum}")
        return None
    return n


def save_category(ctx: Context, data: dict, category_id: int | None = None) -> RequestCategory:
    """data: name, sla_days (working days) or sla_hours (around the clock), executor_id,
    contractor_id, paid."""
    _require(ctx)
    errors = Collector()
    name = errors.check(limits.text, (data.get("name") or "").strip() or None, "Наименование",
                        200)
    if not name:
        errors.add("Наименование", "не заполнено")
    days = _term(data.get("sla_days"), "Срок, рабочих дней", errors, 365)
    hours = _term(data.get("sla_hours"), "Срок, часов", errors, 24 * 60)
    if days is not None and hours is not None:
        errors.add("Срок, часов", "укажите срок в рабочих днях или в часах, не оба")
    executor_id, contractor_id = data.get("executor_id"), data.get("contractor_id")
    if executor_id and ctx.session.get(User, executor_id) is None:
        errors.add("Исполнитель", f"пользователь с кодом {executor_id} не найден")
    if contractor_id and ctx.session.get(Contractor, contractor_id) is None:
        errors.add("Подрядчик", f"подрядчик с кодом {contractor_id} не найден")
    same = ctx.session.scalar(select(RequestCategory.id).where(RequestCategory.name == name))
    if name and same is not None and same != category_id:
        errors.add("Наименование", f"категория «{name}» уже есть")
    errors.raise_if_any()
    cat = ctx.session.get(RequestCategory, category_id) if category_id else RequestCategory()
    if cat is None:
        raise ValidationError("Категория", f"категория с кодом {category_id} не найдена")
    cat.name, cat.sla_days, cat.sla_hours = name, days, hours
    cat.executor_id, cat.contractor_id = executor_id or None, contractor_id or None
    cat.paid = bool(data.get("paid"))
    ctx.session.add(cat)
    ctx.session.flush()
    return cat


def save_contractor(ctx: Context, data: dict, contractor_id: int | None = None) -> Contractor:
    from crmdesk.services.phones import normalize_phone

    _require(ctx)
    name = limits.text((data.get("name") or "").strip(), "Наименование", 300)
    if not name:
        raise ValidationError("Наименование", "не заполнено")
    phone = normalize_phone(data.get("phone"), field="Телефон")
    c = ctx.session.get(Contractor, contractor_id) if contractor_id else Contractor()
    if c is None:
        raise ValidationError("Подрядчик", f"подрядчик с кодом {contractor_id} не найден")
    c.name, c.inn = name, (data.get("inn") or None)
    c.phone, c.email = (phone.e164 if phone else None), (data.get("email") or None)
    ctx.session.add(c)
    ctx.session.flush()
    return c


def categories(ctx: Context) -> list[RequestCategory]:
    return list(ctx.session.scalars(select(RequestCategory).where(
        RequestCategory.deletion_mark.is_(False)).order_by(RequestCategory.name)))


# --- the service's settings: the housing module, the applicant's notices, meter reminders --
SERVICE_SETTINGS = {  # key → title (the form's and the messages' field names)
    "housing_enabled": "Модуль ЖКХ",
    "requests_notify_sms": "Уведомлять заявителя по SMS",
    "requests_notify_email": "Уведомлять заявителя по эл. почте",
    "meter_verify_days": "Напоминать о поверке счётчиков за, дней",
}


def service_settings(session) -> dict:
    from crmdesk.services.settings import get_setting

    return {key: get_setting(session, key) for key in SERVICE_SETTINGS}


def save_service_settings(ctx: Context, data: dict) -> None:
    """The administrator switches the housing module and the notices, and sets how many
    days ahead a meter's verification is reminded (1–365)."""
    from crmdesk.services import housing
    from crmdesk.services.settings import set_setting

    rights.require(ctx.user, rights.ADMIN)
    errors = Collector()
    days = _term(data.get("meter_verify_days"), SERVICE_SETTINGS["meter_verify_days"], errors,
                 365)
    if days is not None and days < 1:
        errors.add(SERVICE_SETTINGS["meter_verify_days"], "от 1 до 365")
    errors.raise_if_any()
    housing.set_enabled(ctx, bool(data.get("housing_enabled")))
    for key in ("requests_notify_sms", "requests_notify_email"):
        set_setting(ctx.session, key, bool(data.get(key)))
    set_setting(ctx.session, "meter_verify_days", days or 30)
