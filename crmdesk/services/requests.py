"""Service requests («Заявки»): registration, dispatch, statuses with their log, deadlines,
completion with work and materials, the applicant's confirmation, the order of a paid one.

Statuses: Новая → Назначена → В работе → Выполнена → Закрыта, with Отклонена and Отложена;
only the changes in TRANSITIONS are allowed, each is logged (who, when, comment). Rights:
a dispatcher (``requests.dispatch``) and the administrator see and change every request;
others see the requests they registered or carry out, an executor (``requests.own``) moves
only his own. No Qt here: the desktop, the CLI and the tests call these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crmdesk.models import Client, ContactPerson, NumberSequence, User, utcnow
from crmdesk.models.service import (
    Contractor,
    Premises,
    RequestCategory,
    RequestStatusChange,
    ServiceRequest,
)
from crmdesk.services import calendar, limits, rights
from crmdesk.services.context import Context
from crmdesk.services.errors import AccessDenied, Collector, NotFound, ValidationError
from crmdesk.services.locking import check_version
from crmdesk.services.validation import is_valid, validate_email

STATUSES = {
    "new": "Новая",
    "assigned": "Назначена",
    "in_work": "В работе",
    "done": "Выполнена",
    "closed": "Закрыта",
    "rejected": "Отклонена",
    "postponed": "Отложена",
}
OPEN = ("new", "assigned", "in_work", "postponed")  # the deadline still runs
TRANSITIONS = {
    "new": ("assigned", "in_work", "rejected", "postponed"),
    "assigned": ("in_work", "rejected", "postponed", "new"),
    "in_work": ("done", "postponed"),
    "postponed": ("assigned", "in_work", "rejected"),
    "done": ("closed", "in_work"),  # in_work: the applicant is not satisfied
    "rejected": ("new",),
    "closed": (),
}
EXECUTOR_MOVES = {("assigned", "in_work"), ("in_work", "done"), ("in_work", "postponed"),
                  ("postponed", "in_work")}  # what an executor may do to his own request
CHANNELS = {"call": "Звонок", "email": "Электронная почта", "visit": "Личный визит",
            "site": "Сайт", "messenger": "Мессенджер"}
PRIORITIES = {1: "Высокий", 2: "Обычный", 3: "Низкий"}
REMIND_BEFORE = timedelta(hours=4)  # the executor is reminded this long before the deadline

# Notification hooks: fn(ctx, request, event) with event «registered» | «done»; the
# communications module adds a sender (SMS or e-mail by TEMPLATES); tests add recorders.
NOTIFY: list[Callable] = []
TEMPLATES = {
    "registered": "Ваша заявка № {number} принята. Срок выполнения: {deadline}.",
    "done": "Ваша заявка № {number} выполнена. Оцените, пожалуйста, работу: {phone}.",
}


# --- rights ------------------------------------------------------------------------------
def can_dispatch(ctx: Context) -> bool:
    return ctx.can(rights.REQUESTS_ALL) or ctx.can(rights.ADMIN)


def can_register(ctx: Context) -> bool:
    return can_dispatch(ctx) or ctx.can(rights.INTERACTIONS)


def visible(ctx: Context):
    """SQL condition: the requests this user sees."""
    if can_dispatch(ctx):
        return ServiceRequest.id.isnot(None)
    return or_(ServiceRequest.executor_id == ctx.user.id, ServiceRequest.author_id == ctx.user.id)


def get_request(ctx: Context, request_id: int) -> ServiceRequest:
    req = ctx.session.scalar(
        select(ServiceRequest).where(ServiceRequest.id == request_id, visible(ctx))
    )
    if req is None:
        raise NotFound(f"Заявка с кодом {request_id} не найдена (или недоступна вам).")
    return req


def find_request(ctx: Context, number_or_id: str | int) -> ServiceRequest:
    text = str(number_or_id).strip()
    if text.isdigit() and len(text) < 7:
        return get_request(ctx, int(text))
    req = ctx.session.scalar(
        select(ServiceRequest).where(ServiceRequest.number == text, visible(ctx))
    )
    if req is None:
        raise NotFound(f"Заявка № {text} не найдена (или недоступна вам).")
    return req


# --- registration ------------------------------------------------------------------------
def next_number(session, year: int) -> str:
    """ЗВ-2026-000001: sequential within the year, never reused (the documents' counter)."""
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(NumberSequence)
    session.execute(ins.values(doc_type="request", year=year, last_number=0)
                    .on_conflict_do_nothing())
    n = session.execute(
        update(NumberSequence)
        .where(NumberSequence.doc_type == "request", NumberSequence.year == year)
        .values(last_number=NumberSequence.last_number + 1)
        .returning(NumberSequence.last_number)
    ).scalar_one()
    return f"ЗВ-{year}-{n:06d}"


def find_category(ctx: Context, ref) -> RequestCategory:
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        cat = ctx.session.get(RequestCategory, int(ref))
    else:
        cat = ctx.session.scalar(
            select(RequestCategory).where(RequestCategory.name == str(ref).strip())
        )
    if cat is None or cat.deletion_mark:
        names = ctx.session.scalars(select(RequestCategory.name).where(
            RequestCategory.deletion_mark.is_(False)).order_by(RequestCategory.name)).all()
        raise ValidationError("Категория", f"нет категории «{ref}»; есть: {', '.join(names)}")
    return cat


def proposal(ctx: Context, category_ref, registered_at: datetime | None = None) -> dict:
    """What a category proposes when chosen: executor, contractor, deadline, paid."""
    cat = find_category(ctx, category_ref)
    at = registered_at or utcnow()
    return {"executor_id": cat.executor_id, "contractor_id": cat.contractor_id,
            "deadline": calendar.deadline(ctx.session, at, cat.sla_days, cat.sla_hours),
            "paid": cat.paid}


def _ref(ctx: Context, model, value, field: str, errors: Collector):
    if value in (None, ""):
        return None
    obj = ctx.session.get(model, value) if isinstance(value, int) else None
    if obj is None:
        errors.add(field, f"не найдено значение с кодом «{value}»")
    return obj


def create_request(ctx: Context, data: dict) -> ServiceRequest:
    """Register a request. data: description, category (id or name), channel, client_id,
    contact_id, applicant_name, applicant_phone, applicant_email, address, premises_id,
    priority, paid, executor_id, contractor_id, planned_on, deadline, registered_at. The
    category proposes the executor and the deadline where they are not given."""
    from crmdesk.services.phones import normalize_phone
    from crmdesk.services.settings import phone_region

    if not can_register(ctx):
        raise AccessDenied(f"Недостаточно прав: пользователь {ctx.user.login} не может "
                           "регистрировать заявки.")
    errors = Collector()
    description = errors.check(limits.text, (data.get("description") or "").strip() or None,
                               "Описание", 10_000)
    if not description:
        errors.add("Описание", "не заполнено")
    channel = data.get("channel") or "call"
    if channel not in CHANNELS:
        errors.add("Канал", f"«{channel}»: можно {', '.join(CHANNELS)}")
    client = _ref(ctx, Client, data.get("client_id"), "Клиент", errors)
    if client is not None:
        try:
            rights.check_read_client(ctx.user, client)
        except AccessDenied:
            if not can_dispatch(ctx):
                raise
    contact = _ref(ctx, ContactPerson, data.get("contact_id"), "Контактное лицо", errors)
    premises = _ref(ctx, Premises, data.get("premises_id"), "Помещение", errors)
    phone = errors.check(normalize_phone, data.get("applicant_phone"),
                         phone_region(ctx.session), "Телефон заявителя")
    name = errors.check(limits.text, (data.get("applicant_name") or "").strip() or None,
                        "Заявитель", 300)
    email = errors.check(validate_email, data.get("applicant_email"), "Эл. почта заявителя")
    if client is None and contact is None and not name and phone is None \
            and not errors.errors:
        errors.add("Заявитель", "не заполнено: выберите клиента или укажите имя и телефон")
    category = None
    if data.get("category") not in (None, ""):
        category = errors.check(find_category, ctx, data["category"])
    priority = data.get("priority", 2)
    if priority not in PRIORITIES:
        errors.add("Важность", "1 — высокий, 2 — обычный, 3 — низкий")
    executor = _ref(ctx, User, data.get("executor_id"), "Исполнитель", errors)
    contractor = _ref(ctx, Contractor, data.get("contractor_id"), "Подрядчик", errors)
    registered_at = data.get("registered_at") or utcnow()
    planned_on = errors.check(limits.check_date, data.get("planned_on"), "Плановая дата")
    errors.raise_if_any()
    if not description:  # the collector raised already; this keeps type checkers calm
        raise ValidationError("Описание", "не заполнено")
    prop = proposal(ctx, category.id, registered_at) if category else {}
    if executor is None and contractor is None:
        executor = ctx.session.get(User, prop["executor_id"]) if prop.get("executor_id") else None
        contractor = (ctx.session.get(Contractor, prop["contractor_id"])
                      if prop.get("contractor_id") else None)
    req = ServiceRequest(
        number=next_number(ctx.session, registered_at.astimezone().year),
        registered_at=registered_at,
        channel=channel,
        client_id=client.id if client else (contact.client_id if contact else None),
        contact_id=contact.id if contact else None,
        applicant_name=name or (contact.name if contact else None),
        applicant_phone=phone.e164 if phone else None,
        applicant_email=email or None,
        address=(data.get("address") or None) or (premises.title() if premises else None),
        premises_id=premises.id if premises else None,
        category_id=category.id if category else None,
        description=description,
        priority=priority,
        paid=bool(data["paid"]) if data.get("paid") is not None else bool(prop.get("paid")),
        executor_id=executor.id if executor else None,
        contractor_id=contractor.id if contractor else None,
        author_id=ctx.user.id,
        planned_on=planned_on,
        deadline=data.get("deadline") or prop.get("deadline"),
        status="new",
    )
    ctx.session.add(req)
    ctx.session.flush()
    _log(ctx, req, None, "new", data.get("comment"))
    if executor is not None or contractor is not None:
        _move(ctx, req, "assigned", "назначен по категории" if category else None)
    _notify(ctx, req, "registered")
    return req


def register_from_call(ctx: Context, call_id: int, description: str, **data) -> ServiceRequest:
    """A request from the call window or the phone panel: the caller's client, contact and
    number are filled from the call."""
    from crmdesk.models import Call

    call = ctx.session.get(Call, call_id)
    if call is None:
        raise NotFound(f"Звонок с кодом {call_id} не найден.")
    values = {"client_id": call.client_id, "contact_id": call.contact_id,
              "applicant_phone": call.e164 or call.number, "channel": "call"}
    values.update({k: v for k, v in data.items() if v is not None})
    values["description"] = description
    return create_request(ctx, values)


def register_from_letter(ctx: Context, letter_id: int, **data) -> ServiceRequest:
    """A request from an incoming letter: its client and contact, the sender's name, the
    subject and text as the description (channel «e-mail»); the letter's files become the
    request's files."""
    from crmdesk.models import Attachment, Letter, LetterFile
    from crmdesk.services.requestwork import attach_file

    letter = ctx.session.get(Letter, letter_id)
    if letter is None or letter.direction != "in":
        raise NotFound(f"Входящее письмо с кодом {letter_id} не найдено.")
    text = "\n\n".join(x.strip() for x in (letter.subject, letter.body) if x and x.strip())
    values = {"client_id": letter.client_id, "contact_id": letter.contact_id,
              "applicant_name": letter.from_name or letter.from_address, "channel": "email",
              "applicant_email": letter.from_address if is_valid(
                  validate_email, letter.from_address) else None,
              "description": text[:10_000]}
    values.update({k: v for k, v in data.items() if v is not None})
    req = create_request(ctx, values)
    for f in ctx.session.scalars(select(Attachment).join(
            LetterFile, LetterFile.attachment_id == Attachment.id)
            .where(LetterFile.letter_id == letter.id).order_by(Attachment.id)):
        attach_file(ctx, req.id, f.name, f.data)
    return req


# --- statuses ----------------------------------------------------------------------------
def _log(ctx: Context, req: ServiceRequest, old: str | None, new: str, comment=None) -> None:
    ctx.session.add(RequestStatusChange(request_id=req.id, user_id=ctx.user.id,
                                        from_status=old, to_status=new, comment=comment))


def _move(ctx: Context, req: ServiceRequest, new: str, comment: str | None = None) -> None:
    old = req.status
    now = utcnow()
    req.status = new
    if new == "done":
        req.done_at = now
    elif new == "closed":
        req.closed_at = now
    elif new in ("in_work", "new"):
        req.done_at = req.closed_at = None
    _log(ctx, req, old, new, comment)
    ctx.session.flush()


def change_status(ctx: Context, request_id: int, new: str, comment: str | None = None,
                  expected_version: int | None = None) -> ServiceRequest:
    """Move a request along the allowed changes; each change is logged with the comment."""
    req = get_request(ctx, request_id)
    check_version(req, expected_version, f"Заявка № {req.number}")
    if new not in STATUSES:
        raise ValidationError("Статус", f"«{new}»: можно {', '.join(STATUSES)}")
    if new not in TRANSITIONS[req.status]:
        allowed = ", ".join(f"«{STATUSES[s]}»" for s in TRANSITIONS[req.status]) or "никакой"
        raise ValidationError("Статус", f"из «{STATUSES[req.status]}» нельзя перейти в "
                                        f"«{STATUSES[new]}»; можно: {allowed}")
    if not can_dispatch(ctx):
        own = req.executor_id == ctx.user.id
        if not (own and (req.status, new) in EXECUTOR_MOVES):
            raise AccessDenied(f"Недостаточно прав: менять статус заявки № {req.number} "
                               f"на «{STATUSES[new]}» может диспетчер.")
    if new == "assigned" and req.executor_id is None and req.contractor_id is None:
        raise ValidationError("Исполнитель", "не заполнено: назначьте исполнителя")
    if new in ("rejected", "postponed") and not (comment or "").strip():
        raise ValidationError("Комментарий", f"не заполнено: укажите причину («{STATUSES[new]}»)")
    if new == "done" and not (req.result or "").strip():
        raise ValidationError("Что сделано", "не заполнено")
    _move(ctx, req, new, comment)
    if new == "done":
        _notify(ctx, req, "done")
    return req


def assign(ctx: Context, request_id: int, executor_id: int | None = None,
           contractor_id: int | None = None, planned_on: date | None = None,
           comment: str | None = None) -> ServiceRequest:
    """The dispatcher gives the request to a user or a contractor (status «Назначена»)."""
    if not can_dispatch(ctx):
        raise AccessDenied("Недостаточно прав: назначает исполнителя диспетчер.")
    req = get_request(ctx, request_id)
    if req.status in ("done", "closed", "rejected"):
        raise ValidationError("Исполнитель", f"заявка уже «{STATUSES[req.status]}»")
    if executor_id is None and contractor_id is None:
        raise ValidationError("Исполнитель", "не заполнено")
    if executor_id is not None and ctx.session.get(User, executor_id) is None:
        raise ValidationError("Исполнитель", f"пользователь с кодом {executor_id} не найден")
    if contractor_id is not None and ctx.session.get(Contractor, contractor_id) is None:
        raise ValidationError("Подрядчик", f"подрядчик с кодом {contractor_id} не найден")
    req.executor_id, req.contractor_id = executor_id, contractor_id
    req.planned_on = planned_on or req.planned_on
    req.reminded = False
    who = ctx.session.get(User, executor_id).full_name if executor_id else (
        ctx.session.get(Contractor, contractor_id).name)
    _move(ctx, req, "assigned", comment or f"исполнитель: {who}")
    return req


# --- deadlines ---------------------------------------------------------------------------
def is_overdue(req: ServiceRequest, now: datetime | None = None) -> bool:
    return bool(req.status in OPEN and req.deadline and req.deadline < (now or utcnow()))


def _notify(ctx: Context, req: ServiceRequest, event: str) -> None:
    for hook in NOTIFY:
        hook(ctx, req, event)


def notice_text(req: ServiceRequest, event: str, phone: str = "") -> str:
    """The applicant's message for ``event`` from TEMPLATES (what a sender hook sends)."""
    when = f"{req.deadline.astimezone():%d.%m.%Y %H:%M}" if req.deadline else "не установлен"
    return TEMPLATES[event].format(number=req.number, deadline=when, phone=phone)


EDITABLE = ("description", "applicant_name", "address", "priority", "paid", "planned_on",
            "deadline", "channel")


def update_request(ctx: Context, request_id: int, data: dict,
                   expected_version: int | None = None) -> ServiceRequest:
    """Change a request's details (a dispatcher, or the one who registered it while it is
    «Новая»); another executor is given with assign() (logged as «Назначена»)."""
    from crmdesk.services.phones import normalize_phone
    from crmdesk.services.settings import phone_region

    req = get_request(ctx, request_id)
    check_version(req, expected_version, f"Заявка № {req.number}")
    if not (can_dispatch(ctx) or (req.author_id == ctx.user.id and req.status == "new")):
        raise AccessDenied(f"Недостаточно прав: заявку № {req.number} меняет диспетчер.")
    errors = Collector()
    if "description" in data and not (data["description"] or "").strip():
        errors.add("Описание", "не заполнено")
    if data.get("priority", req.priority) not in PRIORITIES:
        errors.add("Важность", "1 — высокий, 2 — обычный, 3 — низкий")
    if data.get("channel", req.channel) not in CHANNELS:
        errors.add("Канал", f"можно {', '.join(CHANNELS)}")
    phone = errors.check(normalize_phone, data.get("applicant_phone", req.applicant_phone),
                         phone_region(ctx.session), "Телефон заявителя")
    email = errors.check(validate_email, data.get("applicant_email", req.applicant_email),
                         "Эл. почта заявителя")
    category = req.category
    if "category" in data:
        category = (errors.check(find_category, ctx, data["category"])
                    if data["category"] not in (None, "") else None)
    client = req.client
    if "client_id" in data:
        client = _ref(ctx, Client, data["client_id"], "Клиент", errors)
    premises = req.premises
    if "premises_id" in data:
        premises = _ref(ctx, Premises, data["premises_id"], "Помещение", errors)
    planned = errors.check(limits.check_date, data.get("planned_on", req.planned_on),
                           "Плановая дата")
    errors.raise_if_any()
    for key in EDITABLE:
        if key in data and key != "planned_on":
            value = data[key]
            setattr(req, key, value.strip() if isinstance(value, str) else value)
    req.planned_on = planned
    req.applicant_phone = phone.e164 if phone else None
    req.applicant_email = email or None
    req.category_id = category.id if category else None
    req.client_id = client.id if client else None
    req.premises_id = premises.id if premises else None
    if premises is not None and not req.address:
        req.address = premises.title()
    executor_id = data.get("executor_id", req.executor_id)
    if executor_id and executor_id != req.executor_id:
        assign(ctx, req.id, executor_id=executor_id)
    ctx.session.flush()
    return req


# the work on a request, its deadlines and files (split out for length), part of this API
from crmdesk.services.requestwork import (  # noqa: E402
    attach_file,
    check_deadlines,
    complete,
    confirm,
    create_order,
    dispatchers,
    files,
    total,
)

__all__ = [
    "attach_file", "assign", "can_dispatch", "change_status", "check_deadlines", "complete",
    "confirm", "create_order", "create_request", "dispatchers", "files", "find_category",
    "find_request", "get_request", "is_overdue", "next_number", "notice_text", "proposal",
    "register_from_call", "total", "update_request", "visible",
]
