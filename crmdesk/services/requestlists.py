"""The requests registry as a dynamic list (a page at a time, rights applied), with filters by
status, category, executor, object and «Просрочена»; added to ``lists.SPECS`` on import.
Overdue rows are the list's alert rows (shown red); rows with less than a working day left
are its warn rows (amber)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from crmdesk.models import Client, User, utcnow
from crmdesk.models.service import (
    Contractor,
    Premises,
    RequestCategory,
    ServiceRequest,
)
from crmdesk.services import lists
from crmdesk.services.context import Context
from crmdesk.services.lists import Col, Filter, ListSpec, ListState, text_search
from crmdesk.services.requests import CHANNELS, OPEN, PRIORITIES, STATUSES, visible

Executor = aliased(User)
ReqClient = aliased(Client)


def overdue_condition(now: datetime | None = None):
    return and_(ServiceRequest.status.in_(OPEN), ServiceRequest.deadline < (now or utcnow()))


NEAR_WORKING_DAYS = 1  # «near the deadline»: less than this many working days left


def near_limit(session: Session, now: datetime | None = None) -> datetime:
    """The moment NEAR_WORKING_DAYS working days from ``now`` (the same clock time on that
    working day): a deadline before it is near. Friday 15:00 → Monday 15:00."""
    from crmdesk.services import calendar

    local = (now or utcnow()).astimezone()
    day = calendar.add_working_days(session, local.date(), NEAR_WORKING_DAYS)
    return local + timedelta(days=(day - local.date()).days)


def near_condition(session: Session, now: datetime | None = None):
    """Open requests whose deadline has not passed yet but is less than a working day off."""
    now = now or utcnow()
    return and_(ServiceRequest.status.in_(OPEN), ServiceRequest.deadline >= now,
                ServiceRequest.deadline < near_limit(session, now))


def _overdue_match(session: Session, flt: Filter):
    wanted = flt.value not in (False, 0, "0", "нет", "false")
    cond = overdue_condition()
    return cond if (flt.op == "=") == wanted else ~cond


def _query(ctx: Context) -> Select:
    return (
        select(ServiceRequest.id)
        .outerjoin(RequestCategory, RequestCategory.id == ServiceRequest.category_id)
        .outerjoin(Executor, Executor.id == ServiceRequest.executor_id)
        .outerjoin(Contractor, Contractor.id == ServiceRequest.contractor_id)
        .outerjoin(ReqClient, ReqClient.id == ServiceRequest.client_id)
        .where(visible(ctx))
    )


REQUESTS = ListSpec(
    name="requests",
    title="Заявки",
    model=ServiceRequest,
    columns=[
        Col("registered_at", "Дата", ServiceRequest.registered_at, kind="datetime", width=120,
            indexed=True),
        Col("number", "Номер", ServiceRequest.number, width=120),
        Col("status", "Статус", ServiceRequest.status, kind="enum", width=95, choices=STATUSES),
        Col("category", "Категория", RequestCategory.name, width=150),
        Col("description", "Описание", ServiceRequest.description, width=260, sortable=False),
        Col("object", "Объект", ServiceRequest.address, width=220),
        Col("applicant", "Заявитель",
            func.coalesce(ReqClient.name, ServiceRequest.applicant_name,
                          ServiceRequest.applicant_phone), width=180),
        Col("executor", "Исполнитель", func.coalesce(Executor.full_name, Contractor.name),
            width=160),
        Col("deadline", "Срок", ServiceRequest.deadline, kind="datetime", width=120),
        Col("overdue", "Просрочена", overdue_condition(), kind="bool", width=80,
            sortable=False, match=_overdue_match),
        Col("priority", "Важность", ServiceRequest.priority, kind="enum", width=80,
            choices=PRIORITIES),
        Col("paid", "Платная", ServiceRequest.paid, kind="bool", width=70, hidden=True),
        Col("channel", "Канал", ServiceRequest.channel, kind="enum", width=90,
            choices=CHANNELS, hidden=True),
        Col("id", "Код", ServiceRequest.id, kind="int", width=70, hidden=True),
    ],
    query=_query,
    search=text_search(ServiceRequest.number, ServiceRequest.description,
                       ServiceRequest.address),
    default_sort="registered_at",
    default_descending=True,
    marked=ServiceRequest.deletion_mark,
    alert=overdue_condition,
    warn=near_condition,
    fixed={"executor_id": ServiceRequest.executor_id, "status": ServiceRequest.status,
           "category_id": ServiceRequest.category_id, "premises_id": ServiceRequest.premises_id,
           "client_id": ServiceRequest.client_id,
           "house_id": select(Premises.house_id).where(Premises.id == ServiceRequest.premises_id)
           .scalar_subquery()},
    form="request",
    display=lambda values: f"Заявка {values[1]}",
)

lists.SPECS.setdefault(REQUESTS.name, REQUESTS)


def registry_state(status: str | None = None, overdue: bool = False,
                   executor_id: int | None = None, category_id: int | None = None,
                   premises_id: int | None = None, house_id: int | None = None) -> ListState:
    """The list state of the registry's filters (the CLI, the desktop and the benchmark)."""
    state = ListState()
    if status:
        state.fixed["status"] = status
    if executor_id:
        state.fixed["executor_id"] = executor_id
    if category_id:
        state.fixed["category_id"] = category_id
    if premises_id:
        state.fixed["premises_id"] = premises_id
    if overdue:
        state.filters.append(Filter("overdue", "=", True))
    if house_id:
        state.fixed["house_id"] = house_id
    return state


CATEGORIES = ListSpec(
    name="request_categories",
    title="Категории заявок",
    model=RequestCategory,
    columns=[
        Col("name", "Наименование", RequestCategory.name, width=220),
        Col("sla_days", "Срок, раб. дней", RequestCategory.sla_days, kind="int", width=110),
        Col("sla_hours", "Срок, часов", RequestCategory.sla_hours, kind="int", width=90),
        Col("executor", "Исполнитель", func.coalesce(Executor.full_name, Contractor.name),
            width=180),
        Col("paid", "Платная", RequestCategory.paid, kind="bool", width=70),
    ],
    query=lambda ctx: select(RequestCategory.id)
    .outerjoin(Executor, Executor.id == RequestCategory.executor_id)
    .outerjoin(Contractor, Contractor.id == RequestCategory.contractor_id),
    search=text_search(RequestCategory.name),
    default_sort="name",
    marked=RequestCategory.deletion_mark,
    form="request_category",
    display=lambda values: values[0],
)

CONTRACTORS = ListSpec(
    name="contractors",
    title="Подрядчики",
    model=Contractor,
    columns=[
        Col("name", "Наименование", Contractor.name, width=240),
        Col("phone", "Телефон", Contractor.phone, kind="phone", width=140),
        Col("email", "Эл. почта", Contractor.email, width=160),
        Col("inn", "ИНН", Contractor.inn, width=110),
    ],
    query=lambda ctx: select(Contractor.id),
    search=text_search(Contractor.name),
    default_sort="name",
    marked=Contractor.deletion_mark,
    form="contractor",
    display=lambda values: values[0],
)

for _spec in (CATEGORIES, CONTRACTORS):
    lists.SPECS.setdefault(_spec.name, _spec)
