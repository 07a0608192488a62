"""The work on a request: completion with work and materials, the applicant's confirmation,
the order of a paid request, deadline control, files (photos, audio, documents).
Part of the requests API (re-exported by ``crmdesk.services.requests``); no Qt here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select

from crmdesk.models import Product, User, utcnow
from crmdesk.models.service import RequestLine, ServiceRequest
from crmdesk.services import limits
from crmdesk.services.context import Context
from crmdesk.services.errors import AccessDenied, ValidationError
from crmdesk.services.money import ZERO, round2
from crmdesk.services.requests import (
    OPEN,
    REMIND_BEFORE,
    STATUSES,
    _log,
    can_dispatch,
    change_status,
    get_request,
)


# --- completion --------------------------------------------------------------------------
def complete(ctx: Context, request_id: int, result: str, lines: list[dict] | None = None,
             comment: str | None = None) -> ServiceRequest:
    """«Выполнена»: what was done and the work and materials (products and services of the
    catalogue; priced for a paid request). Lines are checked row by row, all or nothing."""
    req = get_request(ctx, request_id)
    if not (result or "").strip():
        raise ValidationError("Что сделано", "не заполнено")
    new_lines = [_line(ctx, req, item, no) for no, item in enumerate(lines or [], 1)]
    if req.status in ("new", "assigned", "postponed"):
        change_status(ctx, request_id, "in_work", "начата при выполнении")
    req.result = limits.text(result.strip(), "Что сделано", 10_000)
    req.lines = new_lines
    ctx.session.flush()
    return change_status(ctx, request_id, "done", comment)


def _line(ctx: Context, req: ServiceRequest, item: dict, no: int) -> RequestLine:
    if not isinstance(item, dict):
        raise ValidationError("Работы и материалы", "строка не заполнена", no)
    product = None
    ref = item.get("product_id") or item.get("product")
    if ref is not None:
        cond = (Product.id == ref if isinstance(ref, int)
                else or_(Product.article == str(ref), Product.name == str(ref)))
        stmt = select(Product).where(cond)
        product = ctx.session.scalars(stmt).first()
        if product is None:
            raise ValidationError("Номенклатура", f"не найдена: «{ref}»", no)
    description = item.get("description") or (product.name if product else None)
    if not description:
        raise ValidationError("Работы и материалы", "не заполнено", no)
    qty = limits.quantity(item.get("quantity", 1), no)
    price = item.get("price")
    if price is None:
        price = product.price if (product is not None and req.paid) else ZERO
    price = limits.money(price, "Цена", no)
    return RequestLine(line_no=no, product_id=product.id if product else None,
                       description=limits.text(description, "Работы и материалы", 500, no),
                       unit=item.get("unit") or (product.unit if product else "шт"),
                       quantity=qty, price=price, amount=round2(qty * price))


def total(req: ServiceRequest) -> Decimal:
    return sum((ln.amount for ln in req.lines), ZERO)


def confirm(ctx: Context, request_id: int, comment: str | None = None) -> ServiceRequest:
    """The applicant confirms the work («Выполнена» only); the dispatcher then closes it."""
    req = get_request(ctx, request_id)
    if req.status != "done":
        raise ValidationError("Подтверждение заявителя",
                              f"заявка «{STATUSES[req.status]}», а не «Выполнена»")
    req.confirmed_at = utcnow()
    _log(ctx, req, req.status, req.status, "подтверждено заявителем" + (
        f": {comment}" if comment else ""))
    ctx.session.flush()
    return req


def create_order(ctx: Context, request_id: int):
    """«Создать на основании → Заказ клиента»: a paid request's work and materials become
    an order of its client; its «Акт выполненных работ» prints from the order."""
    from crmdesk.services.documents import create_document

    req = get_request(ctx, request_id)
    if not req.paid:
        raise ValidationError("Платная", "заявка бесплатная: заказ не нужен")
    if req.client_id is None:
        raise ValidationError("Клиент", "не заполнено: заказ создаётся на клиента")
    if not req.lines:
        raise ValidationError("Работы и материалы", "не заполнено")
    if req.order_id is not None:
        raise ValidationError("Заказ", f"по заявке уже создан заказ (код {req.order_id})")
    lines = [{"product_id": ln.product_id, "description": ln.description, "unit": ln.unit,
              "quantity": ln.quantity, "price": ln.price} for ln in req.lines]
    doc = create_document(ctx, "order", req.client_id, {
        "lines": lines, "comment": f"По заявке № {req.number}"})
    req.order_id = doc.id
    ctx.session.flush()
    return doc


def dispatchers(session) -> list[User]:
    from crmdesk.models import Role

    return list(session.scalars(select(User).join(Role).where(
        Role.code == "dispatcher", User.active.is_(True)).order_by(User.id)))


def check_deadlines(ctx: Context, now: datetime | None = None, limit: int = 500) -> dict:
    """A reminder task to the executor REMIND_BEFORE the deadline; a task to the dispatcher
    (the author when there is none) once it has passed. Each happens once per request."""
    from crmdesk.models import Task

    if not can_dispatch(ctx):
        raise AccessDenied(f"Недостаточно прав: сроки заявок проверяет диспетчер (пользователь "
                           f"{ctx.user.login} — не диспетчер).")
    now = now or utcnow()
    made = {"reminders": 0, "escalations": 0}
    soon = ctx.session.scalars(select(ServiceRequest).where(
        ServiceRequest.status.in_(OPEN), ServiceRequest.reminded.is_(False),
        ServiceRequest.executor_id.isnot(None), ServiceRequest.deadline > now,
        ServiceRequest.deadline <= now + REMIND_BEFORE).limit(limit)).all()
    for req in soon:
        ctx.session.add(Task(title=f"Срок заявки № {req.number} истекает "
                                   f"{req.deadline.astimezone():%d.%m.%Y %H:%M}",
                             description=req.description, executor_id=req.executor_id,
                             author_id=ctx.user.id, deadline=req.deadline, remind_at=now,
                             client_id=req.client_id, priority=1, status="open"))
        req.reminded = True
        made["reminders"] += 1
    late = ctx.session.scalars(select(ServiceRequest).where(
        ServiceRequest.status.in_(OPEN), ServiceRequest.escalated.is_(False),
        ServiceRequest.deadline < now).limit(limit)).all()
    heads = dispatchers(ctx.session)
    for req in late:
        to = heads[0].id if heads else (req.author_id or ctx.user.id)
        ctx.session.add(Task(title=f"Просрочена заявка № {req.number}",
                             description=req.description, executor_id=to,
                             author_id=ctx.user.id, deadline=now, remind_at=now,
                             client_id=req.client_id, priority=1, status="open"))
        req.escalated = True
        made["escalations"] += 1
    ctx.session.flush()
    return made


# --- files: photos, audio recordings, documents (services/attachments, owner «request») --
def _files_access(ctx: Context, request_id: int, write: bool) -> None:
    """Whoever sees a request sees its files; its executor, author or a dispatcher adds."""
    req = get_request(ctx, request_id)
    if write and not (can_dispatch(ctx) or ctx.user.id in (req.executor_id, req.author_id)):
        raise AccessDenied(f"Недостаточно прав: файлы к заявке № {req.number} прикладывают "
                           "её исполнитель и диспетчер.")


def attach_file(ctx: Context, request_id: int, name: str, data: bytes):
    from crmdesk.services import attachments

    return attachments.attach(ctx, "request", request_id, name, data)


def files(ctx: Context, request_id: int) -> list:
    from crmdesk.services import attachments

    return attachments.attachments(ctx, "request", request_id)


def _register_files() -> None:
    from crmdesk.services import attachments

    attachments.ACCESS_CHECKS.setdefault("request", _files_access)


_register_files()


# --- the applicant's notices by SMS (the «requests_notify_sms» setting; off by default) ----
NOTIFY_SETTING = "requests_notify_sms"


def sms_notifier(ctx: Context, req: ServiceRequest, event: str) -> None:
    """An SMS to the applicant on registration and completion (requests.TEMPLATES) through
    the office's SMS provider. A failure never refuses the request: it is written into the
    request's log («SMS заявителю не отправлено: …»)."""
    from crmdesk.models import ClientPhone, Organization
    from crmdesk.services import sms
    from crmdesk.services.requests import notice_text
    from crmdesk.services.settings import get_setting

    if not get_setting(ctx.session, NOTIFY_SETTING):
        return
    phone = req.applicant_phone or (ctx.session.scalar(
        select(ClientPhone.e164).where(ClientPhone.client_id == req.client_id)
        .order_by(ClientPhone.id).limit(1)) if req.client_id else None)
    if not phone:
        return
    org_phone = ctx.session.scalar(select(Organization.phone).limit(1)) or ""
    try:
        with ctx.session.begin_nested():
            row = sms.send_sms(ctx, phone, notice_text(req, event, org_phone),
                               client_id=req.client_id)
        failed = row.status not in ("sent", "delivered") and (row.reason or row.status)
    except Exception as exc:  # noqa: BLE001 — a notice must not undo the request
        from crmdesk.services.errors import friendly

        known = friendly(exc)
        failed = str(known) if known is not None else type(exc).__name__
    if failed:
        _log(ctx, req, req.status, req.status, f"SMS заявителю не отправлено: {failed}")
        ctx.session.flush()


def _register_notifier() -> None:
    from crmdesk.services.requests import NOTIFY

    if sms_notifier not in NOTIFY:
        NOTIFY.append(sms_notifier)


_register_notifier()
