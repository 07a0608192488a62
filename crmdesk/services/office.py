"""Object locks as in 1C: opening an object for editing takes it; another user opening it
gets it read-only with «Объект редактируется пользователем Иванов И.И. с 10:42».

A lock is a row of ``object_locks`` owned by a session (``services.sessions``). It is
freed when the form closes, when the desktop exits, when the administrator ends the
session — and a session not seen for ``sessions.STALE`` seconds (a crashed desktop, a
pulled cable) loses its locks to the next one who opens the object. The version check
(``services.locking``) stays the last guard on saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crmdesk.models import ObjectLock, OfficeSession, User, utcnow
from crmdesk.models.base import Versioned
from crmdesk.services.errors import CrmError
from crmdesk.services.sessions import STALE


def short_name(full_name: str) -> str:
    """«Иванов Иван Иванович» → «Иванов И.И.» (a name of one word stays as it is)."""
    parts = full_name.split()
    if len(parts) < 2:
        return full_name
    return parts[0] + " " + "".join(p[0].upper() + "." for p in parts[1:3])


@dataclass
class LockHolder:
    user: str  # the full name
    since: datetime
    session_id: int
    computer: str

    @property
    def message(self) -> str:
        local = self.since.astimezone()
        when = (f"{local:%H:%M}" if local.date() == datetime.now().astimezone().date()
                else f"{local:%d.%m.%Y %H:%M}")
        return f"Объект редактируется пользователем {short_name(self.user)} с {when}"


class ObjectLocked(CrmError):
    def __init__(self, holder: LockHolder):
        self.holder = holder
        super().__init__(holder.message + ".")


def _holder(session: Session, lock: ObjectLock) -> tuple[LockHolder, bool]:
    """Who holds ``lock`` and whether that session is still alive."""
    owner = session.get(OfficeSession, lock.session_id)
    user = session.get(User, lock.user_id)
    alive = bool(owner and owner.ended_at is None
                 and utcnow() - owner.last_seen < timedelta(seconds=STALE))
    return LockHolder(user.full_name if user else "?", lock.since, lock.session_id,
                      owner.computer if owner else "?"), alive


def _read(session: Session, kind: str, obj_id: int) -> ObjectLock | None:
    return session.execute(
        select(ObjectLock).where(ObjectLock.object_type == kind, ObjectLock.object_id == obj_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def take_lock(session: Session, kind: str, obj_id: int, session_id: int,
              user_id: int) -> LockHolder | None:
    """Lock the object for ``session_id``: None when it is ours now, else who holds it.
    A lock of a dead or ended session is taken over."""
    for _attempt in range(3):
        lock = _read(session, kind, obj_id)
        if lock is None:
            try:
                with session.begin_nested():
                    session.add(ObjectLock(object_type=kind, object_id=obj_id,
                                           session_id=session_id, user_id=user_id))
                return None
            except IntegrityError:  # someone took it a moment ago: read who
                continue
        if lock.session_id == session_id:
            return None
        holder, alive = _holder(session, lock)
        if alive:
            return holder
        lock.session_id, lock.user_id, lock.since = session_id, user_id, utcnow()
        session.flush()
        return None
    lock = _read(session, kind, obj_id)
    return _holder(session, lock)[0] if lock else None


def release_lock(session: Session, kind: str, obj_id: int, session_id: int) -> None:
    """Free the object (a plain DELETE: announced here, so that a desktop showing it
    read-only takes it over at once)."""
    from crmdesk.services.changes import announce

    freed = session.execute(
        delete(ObjectLock).where(ObjectLock.object_type == kind, ObjectLock.object_id == obj_id,
                                 ObjectLock.session_id == session_id)
    ).rowcount
    if freed:
        announce(session, "object_locks")


def lock_holder(session: Session, kind: str, obj_id: int,
                session_id: int | None = None) -> LockHolder | None:
    """Who else (a live session other than ``session_id``) has the object open."""
    lock = _read(session, kind, obj_id)
    if lock is None or lock.session_id == session_id:
        return None
    holder, alive = _holder(session, lock)
    return holder if alive else None


def require_unlocked(session: Session, kind: str, obj_id: int, session_id: int | None) -> None:
    """Refuse a write to an object another live session has open (ObjectLocked)."""
    holder = lock_holder(session, kind, obj_id, session_id)
    if holder is not None:
        raise ObjectLocked(holder)


def locks_of(session: Session, session_id: int) -> list[tuple[str, int]]:
    return [tuple(r) for r in session.execute(
        select(ObjectLock.object_type, ObjectLock.object_id)
        .where(ObjectLock.session_id == session_id)
        .order_by(ObjectLock.object_type, ObjectLock.object_id)
    ).all()]


def lock_kind(model) -> str:
    """Locks are kept per table: the same object locked from any form or list."""
    return model.__tablename__


@event.listens_for(Session, "before_flush")
def _refuse_locked(session: Session, _ctx, _instances) -> None:
    """A desktop changing or deleting an object another live session has open is refused
    (one indexed query per flush that changes stored objects). Writes outside any desktop
    session (command line, scripts, imports) are guarded by the version check alone."""
    mine = session.info.get("office_session_id")
    if mine is None:
        return
    keys = {}
    for obj in list(session.dirty) + list(session.deleted):
        ident = getattr(obj, "id", None)
        if isinstance(obj, Versioned) and ident is not None and (
            obj in session.deleted or session.is_modified(obj)
        ):
            keys[(lock_kind(type(obj)), ident)] = obj
    if not keys:
        return
    kinds = {k for k, _ in keys}
    ids = {i for _, i in keys}
    with session.no_autoflush:
        found = session.execute(
            select(ObjectLock).where(ObjectLock.object_type.in_(kinds),
                                     ObjectLock.object_id.in_(ids))
        ).scalars().all()
        for lock in found:
            if (lock.object_type, lock.object_id) in keys and lock.session_id != mine:
                holder, alive = _holder(session, lock)
                if alive:
                    raise ObjectLocked(holder)
