"""Optimistic locking: saving a copy read before someone else's save is refused."""

from __future__ import annotations

from sqlalchemy.orm import object_session

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
