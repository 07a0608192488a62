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


# --- the applicant's notices: SMS or e-mail, as the settings say (both off by default) -----
NOTIFY_SETTING = "requests_notify_sms"
EMAIL_SETTING = "requests_notify_email"
EMAIL_TEMPLATES = {  # event → the e-mail template (made on first use; edited as any other)
    "registered": ("Заявка принята (письмо)", "Ваша заявка {Номер} принята",
                   "{Обращение}\n\nВаша заявка № {Номер} от {Дата} принята. Срок выполнения: "
                   "{Срок выполнения}.\n\n{Организация}"),
    "done": ("Заявка выполнена (письмо)", "Ваша заявка {Номер} выполнена",
             "{Обращение}\n\nВаша заявка № {Номер} от {Дата} выполнена. Если что-то не так, "
             "ответьте на это письмо.\n\n{Организация}"),
}


def _register_template_field() -> None:
    from crmdesk.services import templates

    templates.FIELDS.setdefault("Срок выполнения", "срок выполнения заявки")


_register_template_field()


def applicant_addresses(ctx: Context, req: ServiceRequest) -> tuple[str | None, str | None]:
    """(phone E.164, e-mail) of the applicant: the request's own, else the contact person's,
    else the client's first."""
    from crmdesk.models import ClientEmail, ClientPhone, ContactEmail

    phone = req.applicant_phone or (ctx.session.scalar(
        select(ClientPhone.e164).where(ClientPhone.client_id == req.client_id)
        .order_by(ClientPhone.id).limit(1)) if req.client_id else None)
    email = req.applicant_email
    if not email and req.contact_id:
        email = ctx.session.scalar(select(ContactEmail.email).where(
            ContactEmail.contact_id == req.contact_id).order_by(ContactEmail.id).limit(1))
    if not email and req.client_id:
        email = ctx.session.scalar(select(ClientEmail.email).where(
            ClientEmail.client_id == req.client_id).order_by(ClientEmail.id).limit(1))
    return phone, email


def notice_channel(ctx: Context, req: ServiceRequest) -> tuple[str, str] | None:
    """Which channel a notice goes by: («sms», phone) or («email», address), or None.
    The applicant known by phone gets an SMS, by e-mail a letter, each as its setting
    allows; with both known, a request that came by e-mail is answered by e-mail."""
    from crmdesk.services.settings import get_setting

    sms_on, email_on = get_setting(ctx.session, NOTIFY_SETTING), get_setting(
        ctx.session, EMAIL_SETTING)
    if not (sms_on or email_on):
        return None
    phone, email = applicant_addresses(ctx, req)
    if email and email_on and (req.channel == "email" or not (phone and sms_on)):
        return "email", email
    if phone and sms_on:
        return "sms", phone
    return None


def notify_applicant(ctx: Context, req: ServiceRequest, event: str) -> None:
    """The applicant's notice on registration and completion, by SMS (requests.TEMPLATES,
    the office's SMS provider) or e-mail (EMAIL_TEMPLATES, the office's mail box; logged in
    the outbox). A failure never refuses the request: it is written into the request's log
    («SMS заявителю не отправлено: …», «Письмо заявителю не отправлено: …»)."""
    chosen = notice_channel(ctx, req)
    if chosen is None:
        return
    kind, address = chosen
    try:
        with ctx.session.begin_nested():
            failed = (_send_sms(ctx, req, event, address) if kind == "sms"
                      else _send_email(ctx, req, event, address))
    except Exception as exc:  # noqa: BLE001 — a notice must not undo the request
        from crmdesk.services.errors import friendly

        known = friendly(exc)
        failed = str(known) if known is not None else type(exc).__name__
        if kind == "email":  # the attempt stays in the outbox with its reason
            _failed_letter(ctx, req, address, failed)
    if failed:
        what = "SMS заявителю" if kind == "sms" else "Письмо заявителю"
        _log(ctx, req, req.status, req.status, f"{what} не отправлено: {failed}")
        ctx.session.flush()


def _send_sms(ctx: Context, req: ServiceRequest, event: str, phone: str) -> str | None:
    from crmdesk.models import Organization
    from crmdesk.services import sms
    from crmdesk.services.requests import notice_text

    org_phone = ctx.session.scalar(select(Organization.phone).limit(1)) or ""
    row = sms.send_sms(ctx, phone, notice_text(req, event, org_phone), client_id=req.client_id)
    return (row.reason or row.status) if row.status not in ("sent", "delivered") else None


def notice_letter(ctx: Context, req: ServiceRequest, event: str) -> tuple[str, str]:
    """(subject, body) of the e-mail notice, from its template (made on first use)."""
    from crmdesk.models import Client, ContactPerson
    from crmdesk.models.comms import MessageTemplate
    from crmdesk.services import templates

    name, subject, body = EMAIL_TEMPLATES[event]
    tpl = ctx.session.scalar(select(MessageTemplate).where(MessageTemplate.name == name))
    if tpl is None:
        tpl = MessageTemplate(name=name, channel="email", subject=subject, body=body,
                              advertising=False)
        ctx.session.add(tpl)
        ctx.session.flush()
    client = ctx.session.get(Client, req.client_id) if req.client_id else None
    contact = ctx.session.get(ContactPerson, req.contact_id) if req.contact_id else None
    if client is not None:
        values = templates.values_for(ctx, client, contact, wanted=templates.fields_in(
            tpl.subject, tpl.body))
    else:
        from crmdesk.models import Organization

        org = ctx.session.scalar(select(Organization.name).limit(1))
        values = {"Контактное лицо": req.applicant_name, "Организация": org,
                  "Обращение": templates._salutation(req.applicant_name)}
    when = f"{req.deadline.astimezone():%d.%m.%Y %H:%M}" if req.deadline else "не установлен"
    values.update({"Номер": req.number, "Дата": f"{req.registered_at.astimezone():%d.%m.%Y}",
                   "Документ": f"Заявка № {req.number}", "Срок выполнения": when})
    return templates.render(tpl.subject, values), templates.render(tpl.body, values)


def _send_email(ctx: Context, req: ServiceRequest, event: str, address: str) -> str | None:
    from crmdesk.integrations import smtp as smtpmod
    from crmdesk.models import Interaction, OutboxMessage
    from crmdesk.services import mail

    account = mail.account_for(ctx.session, ctx.user)
    subject, body = notice_letter(ctx, req, event)
    row = OutboxMessage(channel="email", client_id=req.client_id, contact_id=req.contact_id,
                        recipient=req.applicant_name or (req.client.name if req.client else
                                                         address),
                        address=address, subject=subject, body=body, account_id=account.id,
                        status="sending")
    ctx.session.add(row)
    ctx.session.flush()
    message = smtpmod.compose(account.from_address, address, subject, body,
                              sender_name=account.from_name)
    try:
        with smtpmod.SmtpConnection(mail.smtp_settings(account)) as conn:
            conn.send(message)
    except smtpmod.MailError as exc:
        row.status, row.reason = "failed", str(exc)
        ctx.session.flush()
        return str(exc)
    row.status, row.sent_at = "sent", utcnow()
    if req.client_id is not None:
        ctx.session.add(Interaction(client_id=req.client_id, contact_id=req.contact_id,
                                    kind="mail_out", gist=f"{subject}\nКому: {address}",
                                    user_id=ctx.user.id, occurred_at=row.sent_at))
    ctx.session.flush()
    return None


def _failed_letter(ctx: Context, req: ServiceRequest, address: str, reason: str) -> None:
    from crmdesk.models import OutboxMessage

    ctx.session.add(OutboxMessage(channel="email", client_id=req.client_id,
                                  recipient=req.applicant_name or address, address=address,
                                  body="", status="failed", reason=reason))
    ctx.session.flush()


def _register_notifier() -> None:
    from crmdesk.services.requests import NOTIFY

    if notify_applicant not in NOTIFY:
        NOTIFY.append(notify_applicant)


_register_notifier()
