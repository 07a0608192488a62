"""Settings shared by every user of the database, with their defaults."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crmdesk.models import Setting

DEFAULTS = {
    "phone_region": "RU",
    "backup_dir": None,
    "language": "ru",
    "invoice_due_days": 5,
}


def get_setting(session: Session, key: str):
    row = session.get(Setting, key)
    return row.value if row is not None else DEFAULTS.get(key)


def set_setting(session: Session, key: str, value) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def phone_region(session: Session) -> str:
    cached = session.info.get("phone_region")
    if cached is None:
        cached = session.info["phone_region"] = get_setting(session, "phone_region") or "RU"
    return cached
