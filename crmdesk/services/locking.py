"""Optimistic locking: saving a copy read before someone else's save is refused.

Two checks give the same ConflictError: ``check_version`` (the copy the user read is
older than the stored one) and ``flushing`` (two editors saved at the same moment: the
second UPDATE … WHERE version = n finds no row, SQLAlchemy's StaleDataError).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from crmdesk.models import User
from crmdesk.services.errors import ConflictError


def check_version(obj, expected_version: int | None, what: str) -> None:
    """Raise ConflictError naming who saved last when ``obj`` moved past the version read."""
    if expected_version is None or obj.version == expected_version:
        return
    who = None
    if getattr(obj, "updated_by_id", None):
        user = object_session(obj).get(User, obj.updated_by_id)
        who = user.full_name if user else None
    raise ConflictError(what, who, getattr(obj, "updated_at", None))


def _last_change(session: Session, obj) -> tuple[str | None, object]:
    """Who saved ``obj`` last and when, read on a connection of its own (the session's
    transaction is unusable after the failed flush)."""
    from crmdesk.db import read_only

    cls = type(obj)
    key = inspect(obj).identity  # never touches the expired attributes
    ident = key[0] if key else None
    if ident is None or not hasattr(cls, "updated_by_id"):
        return None, None
    try:
        with read_only(session.get_bind()).connect() as conn:
            row = conn.execute(
                select(cls.updated_by_id, cls.updated_at).where(cls.id == ident)
            ).first()
            if row is None:
                return None, None
            name = (
                conn.scalar(select(User.full_name).where(User.id == row[0])) if row[0] else None
            )
            return name, row[1]
    except Exception:  # the message is still right without the name
        return None, None


@contextmanager
def flushing(obj, what: str) -> Iterator[None]:
    """Run the block that saves ``obj``; a concurrent save of it becomes ConflictError."""
    session = object_session(obj)
    try:
        yield
    except StaleDataError:
        who, when = _last_change(session, obj) if session is not None else (None, None)
        raise ConflictError(what, who, when) from None
