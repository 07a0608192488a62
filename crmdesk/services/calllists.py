"""The calls journal and the missed calls still to call back, as dynamic lists (a page at a
time, like every list); added to ``lists.SPECS`` when this module is imported."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from crmdesk.models import Call, Client, User
from crmdesk.models.telephony import CALL_DIRECTIONS, CALL_STATES
from crmdesk.services import lists, rights
from crmdesk.services.context import Context
from crmdesk.services.lists import Col, ListSpec, text_search
from crmdesk.services.telephony import missed_condition

CallClient = aliased(Client)
Answered = aliased(User)


def _visible(ctx: Context, stmt: Select) -> Select:
    if ctx.can(rights.VIEW_ALL) or ctx.can(rights.EDIT_ALL):
        return stmt
    return stmt.where(or_(Call.client_id.is_(None), CallClient.owner_id == ctx.user.id))


def _calls_query(ctx: Context) -> Select:
    stmt = (
        select(Call.id)
        .outerjoin(CallClient, CallClient.id == Call.client_id)
        .outerjoin(Answered, Answered.id == Call.answered_by_id)
    )
    return _visible(ctx, stmt)


def _missed_query(ctx: Context) -> Select:
    return _calls_query(ctx).where(missed_condition())


def _columns() -> list[Col]:
    return [
        Col("started_at", "Начало", Call.started_at, kind="datetime", width=130, indexed=True),
        Col("direction", "Направление", Call.direction, kind="enum", width=90,
            choices=CALL_DIRECTIONS),
        Col("state", "Состояние", Call.state, kind="enum", width=90, choices=CALL_STATES),
        Col("number", "Номер", func.coalesce(Call.e164, Call.number), kind="phone", width=140),
        Col("client", "Клиент", CallClient.name, width=220),
        Col("ext", "Внутр.", Call.ext, width=60),
        Col("answered_by", "Ответил", Answered.full_name, width=150),
        Col("duration", "Сек.", Call.duration_sec, kind="int", width=60),
        Col("recording", "Запись", Call.recording, width=200, hidden=True),
    ]


CALLS = ListSpec(
    name="calls",
    title="Звонки",
    model=Call,
    columns=_columns(),
    query=_calls_query,
    search=text_search(Call.number, CallClient.name),
    default_sort="started_at",
    default_descending=True,
    alert=missed_condition,
    fixed={"client_id": Call.client_id},
    form="call",
)

MISSED_CALLS = ListSpec(
    name="missed_calls",
    title="Пропущенные звонки",
    model=Call,
    columns=_columns(),
    query=_missed_query,
    search=text_search(Call.number, CallClient.name),
    default_sort="started_at",
    default_descending=True,
    form="call",
)

for _spec in (CALLS, MISSED_CALLS):
    lists.SPECS.setdefault(_spec.name, _spec)
