"""Telephony rules: the PBX settings, users' extensions, calls logged once, missed calls.

Every listener — a desktop connected to Asterisk, the headless ``crmdesk telephony run``, a
cloud PBX feeding ``crmdesk call event`` — hands its :class:`CallUpdate` s to
:func:`log_update`. The call's row is inserted with insert-or-ignore on its unique
``linkedid`` (``ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike), and state changes
are guarded updates (``… WHERE state IN ('ringing', 'talking')``): whichever listener comes
first writes, the others change nothing, so a call is logged once however many listen.

A call from a known number is an interaction of that client from its first ring; a call
from an unknown number is kept with the bare number and becomes the client's interaction
when a client (or contact person) with that number is saved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from crmdesk.models import Call, CallSignal, ClientPhone, ContactPhone, Interaction, User
from crmdesk.models.telephony import CALL_DIRECTIONS, CALL_STATES
from crmdesk.services import rights
from crmdesk.services.calltracker import CallInfo, CallUpdate
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.phones import format_phone, normalize_phone
from crmdesk.services.settings import phone_region
from crmdesk.services.telephony_setup import (  # noqa: F401 — the settings, here as before
    AMI_ENV,
    ami_config,
    ami_connect_params,
    ami_secret_key,
    configure,
    set_extension,
    user_by_ext,
)

LIVE = ("ringing", "talking")


# --- logging calls ---
def _insert_or_ignore(session: Session, values: dict) -> int | None:
    """Insert the call unless its linkedid is there; the new id, or None when it was."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(Call).values(**values).on_conflict_do_nothing(index_elements=["linkedid"])
    return session.execute(stmt.returning(Call.id)).scalar()


def _match(session: Session, number: str):
    """(e164, client id, contact id) — the first client or contact person with the number."""
    from crmdesk.services import search
    from crmdesk.services.context import default_login

    try:
        phone = normalize_phone(number, phone_region(session)) if number else None
    except ValidationError:
        phone = None
    if phone is None:
        return None, None, None
    system = session.info.get("_tel_system_user")
    if system is None:
        system = session.scalar(select(User).where(User.login == default_login(session)))
        session.info["_tel_system_user"] = system
    found = search.by_phone(session, system, phone.e164, phone_region(session))
    if not found:
        return phone.e164, None, None
    live = [f for f in found if not f[0].deletion_mark] or found
    client, contact, _e = live[0]
    return phone.e164, client.id, contact.id if contact else None


def auto_gist(call: Call) -> str:
    who = format_phone(call.e164) if call.e164 else call.number
    if call.state == "missed":
        return (
            f"Пропущенный входящий звонок с {who}" if call.direction == "in"
            else f"Исходящий звонок на {who}: не ответили"
        )
    head = f"Входящий звонок с {who}" if call.direction == "in" else f"Исходящий звонок на {who}"
    if call.state in LIVE:
        return head
    minutes, seconds = divmod(call.duration_sec or 0, 60)
    text = f"{head}, разговор {minutes}:{seconds:02d}"
    if call.transferred_to:
        text += f", переведён на {call.transferred_to}"
    return text


def _interaction_user(session: Session, call: Call) -> int | None:
    if call.answered_by_id:
        return call.answered_by_id
    user = user_by_ext(session, call.ext)
    return user.id if user else None


def _make_interaction(session: Session, call: Call) -> None:
    """The client's interaction for this call (once: guarded by interaction_id IS NULL)."""
    item = Interaction(
        client_id=call.client_id,
        contact_id=call.contact_id,
        kind="call_in" if call.direction == "in" else "call_out",
        occurred_at=call.started_at,
        gist=auto_gist(call),
        user_id=_interaction_user(session, call),
        duration_min=_minutes(call.duration_sec),
    )
    session.add(item)
    session.flush()
    done = session.execute(
        update(Call)
        .where(Call.id == call.id, Call.interaction_id.is_(None))
        .values(interaction_id=item.id)
    ).rowcount
    if not done:
        session.delete(item)
        session.flush()
    session.refresh(call)


def _minutes(seconds: int | None) -> int | None:
    return None if seconds is None else (seconds + 59) // 60


def _sync_interaction(session: Session, call: Call) -> None:
    if call.interaction_id is None:
        if call.client_id is not None:
            _make_interaction(session, call)
        return
    item = session.get(Interaction, call.interaction_id)
    if item is None:
        return
    if not call.noted:
        item.gist = auto_gist(call)
    item.duration_min = _minutes(call.duration_sec)
    item.user_id = _interaction_user(session, call) or item.user_id


def log_update(session: Session, upd: CallUpdate) -> Call | None:
    """Write what one update says into the database (idempotent; commit is the caller's)."""
    info = upd.call
    if info.direction == "out" and not info.number:
        return None
    e164, client_id, contact_id = _match(session, info.number)
    new_id = _insert_or_ignore(session, {
        "linkedid": info.linkedid, "source": info.source, "direction": info.direction,
        "number": info.number[:50], "e164": e164, "ext": info.ext, "state": "ringing",
        "started_at": info.started, "client_id": client_id, "contact_id": contact_id,
        "noted": False, "created_at": datetime.now(UTC),
    })
    call = session.scalar(select(Call).where(Call.linkedid == info.linkedid))
    if new_id is not None and call.client_id is not None:
        _make_interaction(session, call)
    if upd.ext and upd.kind in ("ring", "answer", "stop"):
        _signal(session, info.linkedid, upd.ext, upd.kind)
    answered_by = user_by_ext(session, info.answered_ext)
    if upd.kind == "answer":
        session.execute(
            update(Call).where(Call.id == call.id, Call.state.in_(LIVE)).values(
                state="talking", answered_ext=info.answered_ext,
                answered_by_id=answered_by.id if answered_by else None,
                answered_at=info.answered, transferred_to=info.transferred_to,
            )
        )
    elif upd.kind == "end":
        finished = session.execute(
            update(Call).where(Call.id == call.id, Call.state.in_(LIVE)).values(
                state=info.state, answered_ext=info.answered_ext,
                answered_by_id=answered_by.id if answered_by else None,
                answered_at=info.answered, ended_at=info.ended, duration_sec=info.duration,
                transferred_to=info.transferred_to, recording=info.recording,
            )
        ).rowcount
        for ext in info.rang:
            _signal(session, info.linkedid, ext, "end")
        if finished:
            session.refresh(call)
            _finished(session, call)
    elif upd.kind == "cdr":
        session.execute(
            update(Call).where(Call.id == call.id).values(
                recording=info.recording, duration_sec=info.duration
            )
        )
    session.flush()
    session.refresh(call)
    if upd.kind in ("answer", "end", "cdr"):
        _sync_interaction(session, call)
        session.flush()
    return call


def _signal(session: Session, linkedid: str, ext: str, state: str) -> None:
    """Tell desks that poll (see signals_since) — once, however many listeners log it."""
    seen = session.scalar(
        select(CallSignal.id).where(
            CallSignal.ext == ext, CallSignal.linkedid == linkedid, CallSignal.state == state
        ).limit(1)
    )
    if seen is None:
        session.add(CallSignal(linkedid=linkedid, ext=ext, state=state))


def _finished(session: Session, call: Call) -> None:
    """An answered call with a number clears the missed calls from it that came before."""
    if call.state == "answered" and call.e164:
        session.execute(
            update(Call)
            .where(
                Call.e164 == call.e164, Call.direction == "in", Call.state == "missed",
                Call.called_back_at.is_(None), Call.started_at <= call.started_at,
                Call.id != call.id,
            )
            .values(called_back_at=call.ended_at or datetime.now(UTC))
        )
    session.execute(
        delete(CallSignal).where(CallSignal.at < datetime.now(UTC) - timedelta(days=1))
    )


def record(engine, upd: CallUpdate, retries: int = 3) -> None:
    """log_update in a transaction of its own (listeners call this); retried on a race."""
    from sqlalchemy.exc import DBAPIError

    from crmdesk.db import session_factory

    for attempt in range(retries):
        session = session_factory(engine)()
        try:
            log_update(session, upd)
            session.commit()
            return
        except DBAPIError:
            session.rollback()
            if attempt == retries - 1:
                raise
        finally:
            session.close()


# --- the user's side ---
def get_call(ctx: Context, call_id: int) -> Call:
    call = ctx.session.get(Call, call_id)
    if call is None:
        raise NotFound(f"Звонок с кодом {call_id} не найден.")
    if call.client is not None:
        rights.check_read_client(ctx.user, call.client)
    return call


def save_notes(ctx: Context, call_id: int, gist: str, next_step: str | None = None) -> Call:
    """The gist and next step the user types in the call window, into the interaction."""
    ctx.require(rights.INTERACTIONS)
    call = get_call(ctx, call_id)
    if not (gist or "").strip():
        raise ValidationError("Суть разговора", "не заполнено")
    if call.client_id is None:
        raise ValidationError(
            "Клиент", "номер не принадлежит ни одному клиенту: создайте клиента или лида"
        )
    call.noted = True
    ctx.session.flush()
    if call.interaction_id is None:
        _make_interaction(ctx.session, call)
    item = ctx.session.get(Interaction, call.interaction_id)
    item.gist = gist.strip()
    item.next_step = (next_step or "").strip() or None
    if item.user_id is None:
        item.user_id = ctx.user.id
    ctx.session.flush()
    return call


def _visible(ctx: Context):
    from crmdesk.models import Client

    if ctx.can(rights.VIEW_ALL) or ctx.can(rights.EDIT_ALL):
        return None
    mine = select(Client.id).where(Client.owner_id == ctx.user.id)
    return or_(Call.client_id.is_(None), Call.client_id.in_(mine))


def missed_condition():
    return and_(Call.direction == "in", Call.state == "missed", Call.called_back_at.is_(None))


def list_calls(
    ctx: Context, missed: bool = False, limit: int = 50, offset: int = 0
) -> list[Call]:
    """Calls, newest first, a page at a time; ``missed``: not yet called back."""
    stmt = select(Call)
    vis = _visible(ctx)
    if vis is not None:
        stmt = stmt.where(vis)
    if missed:
        stmt = stmt.where(missed_condition())
    stmt = stmt.order_by(Call.started_at.desc(), Call.id.desc()).limit(limit).offset(offset)
    return list(ctx.session.scalars(stmt))


def mark_called_back(ctx: Context, call_id: int) -> Call:
    call = get_call(ctx, call_id)
    if call.called_back_at is None:
        call.called_back_at = datetime.now(UTC)
        ctx.session.flush()
    return call


def call_row(call: Call, user: User | None = None) -> dict:
    """The call as lists and the CLI show it; for ``user``, a client they may not see is
    not named (the call is logged on it all the same)."""
    hidden = user is not None and call.client is not None and not rights.can_read_client(
        user, call.client
    )

    def when(value):
        return value.astimezone().strftime("%d.%m.%Y %H:%M:%S") if value else None

    return {
        "id": call.id,
        "started": when(call.started_at),
        "direction": CALL_DIRECTIONS[call.direction],
        "state": CALL_STATES.get(call.state, call.state),
        "number": format_phone(call.e164) if call.e164 else call.number,
        "client": call.client.name if call.client and not hidden else None,
        "contact": call.contact.name if call.contact and not hidden else None,
        "ext": call.ext,
        "answered_by": call.answered_by.login if call.answered_by else call.answered_ext,
        "duration_sec": call.duration_sec,
        "recording": call.recording,
        "called_back": when(call.called_back_at),
        "linkedid": call.linkedid,
    }


def call_info(call: Call) -> CallInfo:
    """The tracker's view of a stored call (the external feed continues from it)."""
    return CallInfo(
        linkedid=call.linkedid, direction=call.direction, number=call.number,
        started=call.started_at, ext=call.ext, rang=[call.ext] if call.ext else [],
        state=call.state, answered_ext=call.answered_ext, transferred_to=call.transferred_to,
        answered=call.answered_at, ended=call.ended_at, duration=call.duration_sec,
        recording=call.recording, source=call.source,
    )


# --- a client saved with a number that called before ---
def attach_calls(session: Session, e164s: set[str]) -> int:
    """Calls kept with a bare number get the client now having it, and their interaction."""
    orphans = list(
        session.scalars(select(Call).where(Call.e164.in_(e164s), Call.client_id.is_(None)))
    )
    for call in orphans:
        _e, client_id, contact_id = _match(session, call.e164)
        if client_id is None:
            continue
        call.client_id, call.contact_id = client_id, contact_id
        session.flush()
        _make_interaction(session, call)
    return len(orphans)


@event.listens_for(Session, "after_flush")
def _remember_new_phones(session: Session, _flush_context) -> None:
    for obj in session.new:
        if isinstance(obj, ClientPhone | ContactPhone) and obj.e164:
            session.info.setdefault("_tel_new_phones", set()).add(obj.e164)


@event.listens_for(Session, "before_commit")
def _attach_on_commit(session: Session) -> None:
    phones = session.info.pop("_tel_new_phones", None)
    if phones and session.bind is not None:
        session.flush()
        if session.scalar(
            select(Call.id).where(Call.e164.in_(phones), Call.client_id.is_(None)).limit(1)
        ):
            attach_calls(session, phones)


# --- what the desktop asks ---
def call_by_linkedid(ctx: Context, linkedid: str) -> Call:
    call = ctx.session.scalar(select(Call).where(Call.linkedid == linkedid))
    if call is None:
        raise NotFound("Звонок ещё не записан: повторите через секунду.")
    if call.client is not None:
        rights.check_read_client(ctx.user, call.client)
    return call


def last_signal_id(session: Session) -> int:
    return session.scalar(select(func.max(CallSignal.id))) or 0


def signals_since(session: Session, ext: str, last_id: int) -> tuple[list[CallUpdate], int]:
    """What happened to calls on this extension since ``last_id`` (for desktops that do not
    listen to the PBX themselves): updates as the listener would give, and the new last id."""
    rows = list(session.scalars(
        select(CallSignal).where(CallSignal.ext == ext, CallSignal.id > last_id)
        .order_by(CallSignal.id).limit(200)
    ))
    updates = []
    for sig in rows:
        call = session.scalar(select(Call).where(Call.linkedid == sig.linkedid))
        if call is not None:
            info = call_info(call)
            if ext not in info.rang:
                info.rang.append(ext)
            updates.append(CallUpdate(sig.state, info, sig.ext))
    return updates, (rows[-1].id if rows else last_id)


def lead_from_call(ctx: Context, number: str) -> int:
    """«Создать лида» of the call window: a potential client with the caller's number."""
    from crmdesk.services.leads import create_lead

    ctx.require(rights.INTERACTIONS)
    phone = normalize_phone(number, phone_region(ctx.session), field="Номер")
    if phone is None:
        raise ValidationError("Номер", "не заполнено")
    lead = create_lead(ctx.session, f"Звонок с {phone.display}", None, phone.e164, None,
                       ctx.user, "входящий звонок")
    lead.source = "Телефон"
    lead.manager_id = lead.manager_id or ctx.user.id
    ctx.session.flush()
    return lead.id
