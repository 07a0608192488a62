"""Listening to the PBX, dialling out, and the feed any other PBX can use.

:class:`CallListener` connects to Asterisk (``integrations.ami``), turns its events into call
updates (``calltracker``), logs each one (``telephony.record``) and passes it on to whoever
shows it (the desktop's call window; nobody in the headless process). :func:`dial` asks
Asterisk to ring the user's extension and then the number (Originate). :func:`external_event`
is the way in for cloud PBXs and scripts: ``crmdesk call event`` calls it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from crmdesk.integrations.ami import AmiClient, AmiError
from crmdesk.models import Call, User
from crmdesk.services import telephony
from crmdesk.services.calltracker import CallInfo, CallTracker, CallUpdate
from crmdesk.services.context import Context
from crmdesk.services.errors import CrmError, NotFound, ValidationError
from crmdesk.services.phones import normalize_phone
from crmdesk.services.settings import get_setting, phone_region

log = logging.getLogger(__name__)


class CallListener:
    """The PBX's events → logged calls → ``on_update`` (called in the listener's thread)."""

    def __init__(
        self,
        engine,
        params: dict,
        on_update: Callable[[CallUpdate], None] | None = None,
        on_status: Callable[[str, str], None] | None = None,
        log_calls: bool = True,
        backoff: tuple[float, ...] | None = None,
    ):
        self.engine = engine
        self.tracker = CallTracker(ext_max_len=int(params.get("ext_max_len", 5)))
        self.on_update, self.log_calls = on_update, log_calls
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self.client = AmiClient(
            params["host"], params["port"], params["user"], params["secret"],
            on_event=self._event, on_status=on_status, backoff=backoff,
        )

    def start(self) -> CallListener:
        self.client.start()
        return self

    def stop(self) -> None:
        self.client.stop()

    def _event(self, msg: dict) -> None:
        with self._lock:
            updates = self.tracker.feed(msg)
        for upd in updates:
            if self.on_update is not None:
                try:
                    self.on_update(upd)
                except Exception:  # noqa: BLE001 — the window's defect must not stop logging
                    log.exception("call window update failed")
            if self.log_calls:
                try:
                    telephony.record(self.engine, upd)
                except Exception as exc:  # noqa: BLE001 — keep listening; say what failed
                    self.errors.append(str(exc))
                    log.exception("a call could not be logged")


def listener_for(engine, **kw) -> CallListener:
    """A listener on this database's PBX settings (the secret as ami_connect_params finds it)."""
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, read_only=True) as ctx:
        params = telephony.ami_connect_params(ctx.session)
    return CallListener(engine, params, **kw)


# --- click-to-call ---
def dial_string(e164: str, style: str = "8") -> str:
    """What the PBX's dialplan takes: Russian numbers as 8XXXXXXXXXX by default."""
    digits = e164.lstrip("+")
    if style == "e164":
        return e164
    if style == "digits":
        return digits
    if e164.startswith("+7") and len(digits) == 11:
        return "8" + digits[1:]
    return "810" + digits


def dial(ctx: Context, number: str, login: str | None = None, client: AmiClient | None = None,
         params: dict | None = None) -> dict:
    """Ring the user's extension, then the number (Asterisk Originate); the call is logged
    by the listeners as it goes, like any other outgoing call."""
    user = ctx.user
    if login and login != ctx.user.login:
        user = ctx.session.scalar(select(User).where(User.login == login))
        if user is None:
            raise NotFound(f"Пользователь «{login}» не найден.")
    if not user.extension:
        raise ValidationError(
            "Внутренний номер", f"не заполнено у пользователя {user.login}: "
            f"crmdesk users extension {user.login} 101"
        )
    phone = normalize_phone(number, phone_region(ctx.session), field="Номер")
    if phone is None:
        raise ValidationError("Номер", "не заполнено")
    params = params or telephony.ami_connect_params(ctx.session)
    style = get_setting(ctx.session, "telephony_dial_style") or "8"
    target = dial_string(phone.e164, style)
    fields = {
        "Channel": params.get("channel", "PJSIP/{ext}").format(ext=user.extension),
        "Context": params.get("context", "from-internal"),
        "Exten": target,
        "Priority": 1,
        "CallerID": f"<{target}>",
        "Timeout": 30000,
        "Async": "true",
    }
    own = client is None
    if own:
        client = AmiClient(params["host"], params["port"], params["user"], params["secret"],
                           on_event=lambda _m: None, backoff=(0.5,))
        client.start()
    try:
        response = client.action("Originate", **fields)
    except AmiError as exc:
        raise CrmError(str(exc)) from None
    finally:
        if own:
            client.stop()
    return {"ext": user.extension, "number": phone.e164, "dialled": target,
            "message": response.get("Message", "")}


# --- any PBX: events from a script or a webhook ---
STATES = ("ringing", "answered", "ended")


def external_event(
    ctx: Context, direction: str, number: str, ext: str, state: str,
    call_id: str | None = None, duration: int | None = None, when: datetime | None = None,
) -> Call:
    """One state of a call reported by any PBX; the same logging and pop-up as Asterisk's."""
    if direction not in ("in", "out"):
        raise ValidationError("Направление", f"«{direction}» — допустимо in или out")
    if state not in STATES:
        raise ValidationError("Состояние", f"«{state}» — допустимо {', '.join(STATES)}")
    if not (number or "").strip():
        raise ValidationError("Номер", "не заполнено")
    if not (ext or "").strip().isdigit():
        raise ValidationError("Внутренний номер", f"«{ext}» — нужны цифры")
    if duration is not None and duration < 0:
        raise ValidationError("Длительность", "не может быть отрицательной")
    now = when or datetime.now(UTC)
    linkedid = f"ext:{call_id}" if call_id else None
    stored = None
    if linkedid:
        stored = ctx.session.scalar(select(Call).where(Call.linkedid == linkedid))
    else:
        stored = ctx.session.scalar(
            select(Call).where(
                Call.source == "external", Call.number == number.strip()[:50],
                Call.state.in_(telephony.LIVE),
            ).order_by(Call.id.desc()).limit(1)
        )
        linkedid = stored.linkedid if stored else f"ext:{uuid.uuid4().hex}"
    if stored is not None:
        info = telephony.call_info(stored)
        if info.final:
            return stored  # a late duplicate of a finished call changes nothing
        info.ringing = {info.ext} if info.ext and info.state == "ringing" else set()
    else:
        info = CallInfo(linkedid, direction, number.strip(), now, ext=ext, source="external")
    updates: list[CallUpdate] = []
    if stored is None or state == "ringing":
        if ext not in info.rang:
            info.rang.append(ext)
        updates.append(CallUpdate("ring", info, ext))
    if state == "answered" or (state == "ended" and duration and info.answered is None):
        if info.answered is None:
            info.answered, info.state, info.answered_ext = now, "talking", ext
        updates.append(CallUpdate("answer", info, ext))
    if state == "ended":
        info.ended = now
        if info.answered is not None or duration:
            info.state = "answered"
            info.duration = (
                duration if duration is not None
                else max(0, round((now - info.answered).total_seconds()))
            )
            if duration is not None and info.answered is not None:
                info.answered = min(info.answered, now)
        else:
            info.state, info.duration = "missed", 0
        updates.append(CallUpdate("end", info))
    call = None
    for upd in updates:
        call = telephony.log_update(ctx.session, upd)
    return call
