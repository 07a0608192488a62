"""Who is working: a row per running desktop, kept alive by a heartbeat, ended by the
administrator («Активные пользователи»).

A desktop calls ``start_session`` at sign-in and ``heartbeat`` every ``HEARTBEAT`` seconds;
a session not seen for ``STALE`` seconds is gone (its object locks may be taken over). The
administrator's ``end_session`` marks it ended and frees its locks; that desktop learns it
from its next heartbeat (or at once from the change notification) and every write it tries
afterwards is refused with ``SessionEnded`` — nothing half-written, nothing already
written lost. Writes carry the session's id in ``session.info["office_session_id"]``.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, event, select, update
from sqlalchemy.orm import Session

from crmdesk.models import ObjectLock, OfficeSession, User, utcnow
from crmdesk.services.errors import CrmError, NotFound

HEARTBEAT = 20  # seconds between a desktop's heartbeats
STALE = 90  # a session not seen for this long is gone


class SessionEnded(CrmError):
    """The administrator ended this desktop's session: writes are refused."""

    def __init__(self, by: str | None = None, at: datetime | None = None,
                 reason: str | None = None):
        self.by, self.at, self.reason = by, at, reason
        who = f" администратором {by}" if by else ""
        when = f" в {at.astimezone():%H:%M}" if at else ""
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"Сеанс работы завершён{who}{when}{why}. Данные, записанные ранее, сохранены; "
            "новые изменения не записываются — перезапустите программу и войдите снова."
        )


@dataclass
class ActiveSession:
    id: int
    login: str
    full_name: str
    computer: str
    program: str
    started_at: datetime
    last_seen: datetime
    alive: bool
    locks: int


def this_computer() -> str:
    return (os.environ.get("COMPUTERNAME") or socket.gethostname() or "?")[:200]


def start_session(session: Session, user_id: int, computer: str | None = None,
                  program: str = "crmdesk") -> int:
    row = OfficeSession(user_id=user_id, computer=computer or this_computer(),
                        program=program, pid=os.getpid())
    session.add(row)
    session.flush()
    return row.id


def _ended(session: Session, row: OfficeSession) -> SessionEnded:
    by = session.get(User, row.ended_by_id) if row.ended_by_id else None
    return SessionEnded(by.full_name if by else None, row.ended_at, row.end_reason)


def heartbeat(engine: Engine, session_id: int) -> SessionEnded | None:
    """Keep the session alive; the ``SessionEnded`` to show when it was ended meanwhile.
    A plain UPDATE (no ORM flush), so it notifies nobody."""
    with Session(engine) as s, s.begin():
        done = s.execute(
            update(OfficeSession)
            .where(OfficeSession.id == session_id, OfficeSession.ended_at.is_(None))
            .values(last_seen=utcnow())
        ).rowcount
        if done:
            return None
        row = s.get(OfficeSession, session_id)
        if row is None:
            return SessionEnded(reason="сеанс удалён")
        return _ended(s, row)


def close_session(engine: Engine, session_id: int) -> None:
    """The desktop closes normally: its locks are freed, the session ends by itself."""
    from crmdesk.services.changes import announce

    with Session(engine) as s, s.begin():
        freed = s.execute(delete(ObjectLock).where(ObjectLock.session_id == session_id)).rowcount
        s.execute(
            update(OfficeSession)
            .where(OfficeSession.id == session_id, OfficeSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason="выход из программы")
        )
        # the others' «Активные пользователи» and read-only cards follow at once
        announce(s, "office_sessions", *(["object_locks"] if freed else []))


def is_alive(row: OfficeSession, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return row.ended_at is None and now - row.last_seen < timedelta(seconds=STALE)


def active_sessions(session: Session, now: datetime | None = None,
                    include_stale: bool = True) -> list[ActiveSession]:
    """Sessions not ended, newest first (those not seen for ``STALE`` s flagged not alive)."""
    from sqlalchemy import func

    now = now or utcnow()
    locks = (
        select(ObjectLock.session_id, func.count().label("n"))
        .group_by(ObjectLock.session_id).subquery()
    )
    rows = session.execute(
        select(OfficeSession, User.login, User.full_name, locks.c.n)
        .join(User, User.id == OfficeSession.user_id)
        .outerjoin(locks, locks.c.session_id == OfficeSession.id)
        .where(OfficeSession.ended_at.is_(None))
        .order_by(OfficeSession.started_at.desc(), OfficeSession.id.desc())
    ).all()
    found = [
        ActiveSession(r.id, login, name, r.computer, r.program, r.started_at, r.last_seen,
                      is_alive(r, now), n or 0)
        for r, login, name, n in rows
    ]
    return found if include_stale else [a for a in found if a.alive]


def end_session(ctx, session_id: int, reason: str | None = None) -> None:
    """The administrator ends a session (a hung desktop, a dismissed employee): its locks
    are freed at once; that desktop's writes are refused from now on."""
    from crmdesk.services.rights import ADMIN

    ctx.require(ADMIN)
    row = ctx.session.get(OfficeSession, session_id)
    if row is None:
        raise NotFound(f"Сеанс {session_id} не найден.")
    if row.ended_at is not None:
        raise CrmError(f"Сеанс {session_id} уже завершён.")
    row.ended_at, row.ended_by_id = utcnow(), ctx.user.id
    row.end_reason = (reason or "").strip()[:300] or None
    if ctx.session.execute(delete(ObjectLock).where(ObjectLock.session_id == session_id)).rowcount:
        from crmdesk.services.changes import announce

        announce(ctx.session, "object_locks")


def _on_write(session: Session) -> None:
    sid = session.info.get("office_session_id")
    if sid is None:
        return
    row = session.execute(
        select(OfficeSession).where(OfficeSession.id == sid)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None:
        raise (_ended(session, row) if row else SessionEnded(reason="сеанс удалён"))


@event.listens_for(Session, "before_flush")
def _refuse_ended(session: Session, _ctx, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        _on_write(session)
