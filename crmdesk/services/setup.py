"""What a new database gets: default roles, the administrator, the default sales process."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crmdesk.db import session_factory
from crmdesk.models import (
    ClientGroup,
    Organization,
    Role,
    SalesProcess,
    Stage,
    StageTransition,
    User,
)
from crmdesk.services.rights import DEFAULT_ROLES

# code, name, refusal?
DEFAULT_STAGES = [
    ("new", "Новый", False),
    ("choice", "Выбор", False),
    ("invoicing", "Выставление счёта", False),
    ("paid", "Оплачен", False),
    ("awaiting_docs", "Ожидание документов", False),
    ("client", "Клиент", False),
    ("contract", "Работа по договору", False),
    ("refusal", "Отказ", True),
]
DEFAULT_TRANSITIONS = [
    ("new", "choice"),
    ("choice", "invoicing"),
    ("invoicing", "paid"),
    ("paid", "awaiting_docs"),
    ("awaiting_docs", "client"),
    ("client", "contract"),
    ("contract", "invoicing"),  # the contract expired: invoice again
    ("new", "refusal"),
    ("choice", "refusal"),
    ("invoicing", "refusal"),
]
DEFAULT_GROUPS = ["Новые", "Повторные", "Оптовые", "Розничные"]


def ensure_defaults(session: Session) -> None:
    """Idempotent: fills what is missing, never changes what is there."""
    roles = {r.code: r for r in session.scalars(select(Role))}
    for code, (name, perms) in DEFAULT_ROLES.items():
        if code not in roles:
            roles[code] = Role(code=code, name=name, permissions=perms)
            session.add(roles[code])
    session.flush()
    if session.scalar(select(User.id).limit(1)) is None:
        session.add(User(login="admin", full_name="Администратор", role=roles["admin"]))
    if session.scalar(select(SalesProcess.id).limit(1)) is None:
        process = SalesProcess(name="Продажа", is_default=True)
        session.add(process)
        session.flush()
        stages = {}
        for order, (code, name, refusal) in enumerate(DEFAULT_STAGES, 1):
            stages[code] = Stage(
                process_id=process.id, code=code, name=name, order=order, is_refusal=refusal
            )
            session.add(stages[code])
        session.flush()
        for a, b in DEFAULT_TRANSITIONS:
            session.add(StageTransition(from_stage_id=stages[a].id, to_stage_id=stages[b].id))
    if session.scalar(select(ClientGroup.id).limit(1)) is None:
        session.add_all(ClientGroup(name=n) for n in DEFAULT_GROUPS)
    if session.scalar(select(Organization.id).limit(1)) is None:
        session.add(Organization(name="Моя организация"))
    session.flush()


def initialize(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        ensure_defaults(session)
