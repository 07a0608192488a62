"""Settings shared by every user of the database, with their defaults."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crmdesk.models import Setting

DEFAULTS = {
    "phone_region": "RU",
    "backup_dir": None,
    "language": "ru",
    "invoice_due_days": 5,
    "housing_enabled": False,  # the housing-services module (ЖКХ): services/housing.py
    "requests_notify_sms": False,  # the applicant's notices of a request by SMS …
    "requests_notify_email": False,  # … and by e-mail (services/requestwork.py)
    "meter_verify_days": 30,  # a meter's verification is reminded this many days ahead
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


def database_id(session: Session) -> str:
    """This database's own id (made by setup.initialize): the secrets' keys carry it."""
    value = get_setting(session, "database_id")
    if not value:
        import uuid

        value = uuid.uuid4().hex
        set_setting(session, "database_id", value)
    return str(value)


PROPOSAL_VALID_DAYS = 14  # the proposal design's default «Срок действия, дней»


def proposal_valid_days(session: Session) -> int:
    """How long a new proposal is valid: the proposal design's «Срок действия, дней» (one
    setting for everybody, edited in the design form), 14 days until one is saved."""
    design = get_setting(session, "proposal_design")
    days = design.get("validity_days") if isinstance(design, dict) else None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        return PROPOSAL_VALID_DAYS
    return days
