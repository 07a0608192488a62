"""What a new database gets: default roles, the administrator, the default sales process;
and the first start (the desktop's wizard): checking a server, the organization's
requisites, the first administrator, demo data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from crmdesk.db import make_engine, read_only, revisions, schema_state, session_factory, upgrade
from crmdesk.models import (
    ClientGroup,
    Organization,
    Role,
    SalesProcess,
    Setting,
    Stage,
    StageTransition,
    User,
)
from crmdesk.services.errors import Collector, ValidationError
from crmdesk.services.money import VAT_MODE_NAMES
from crmdesk.services.phones import normalize_phone
from crmdesk.services.rights import DEFAULT_ROLES
from crmdesk.services.users import create_user, hash_password
from crmdesk.services.validation import (
    validate_account,
    validate_bik,
    validate_corr_account,
    validate_email,
    validate_inn,
    validate_kpp,
    validate_ogrn,
)

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
    if session.get(Setting, "database_id") is None:
        # names this database's secrets in the system's credential store (services.secrets)
        session.add(Setting(key="database_id", value=uuid.uuid4().hex))
    session.flush()
    from crmdesk.services.processes import ensure_pipeline_defaults

    ensure_pipeline_defaults(session)  # stage colours, shipped event rules, «Инциденты»
    session.flush()


def defaults_missing(session: Session) -> bool:
    """Whether ensure_defaults has anything to add: it runs as a dry run in this (read-only)
    session with flushing switched off, and what it would add is looked at, then dropped."""
    session.flush = lambda *a, **kw: None  # this session only; it is rolled back unwritten
    with session.no_autoflush:
        ensure_defaults(session)
    return bool(session.new or session.dirty)


def initialize(engine: Engine) -> None:
    """Fill a new database's defaults. Looks first in a read-only transaction, so opening
    a ready SQLite database never takes the write lock (reading is never blocked by an
    import, and never blocks one)."""
    with session_factory(read_only(engine))() as session:
        if not defaults_missing(session):
            return
    with session_factory(engine)() as session, session.begin():
        ensure_defaults(session)


# --- the first start ----------------------------------------------------------------
CONNECT_TIMEOUT = 5  # seconds a server may take to answer «Проверить подключение»

# the field names the checks put into their messages, as the form labels them
ORG_LABELS = {
    "name": "Наименование",
    "full_name": "Полное наименование",
    "inn": "ИНН",
    "kpp": "КПП",
    "ogrn": "ОГРН",
    "address": "Адрес",
    "phone": "Телефон",
    "email": "Эл. почта",
    "bank_name": "Банк",
    "bank_city": "Город банка",
    "bik": "БИК",
    "corr_account": "Корр. счёт",
    "account": "Расчётный счёт",
    "director": "Руководитель",
    "chief_accountant": "Главный бухгалтер",
    "vat_mode": "НДС",
    "vat_rate": "Ставка НДС",
}


def check_organization(values: dict) -> tuple[dict, list[ValidationError]]:
    """The requisites normalized for storing, and one error per wrong field."""
    data = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}
    col, lab = Collector(), ORG_LABELS
    if not data.get("name"):
        col.add(lab["name"], "не заполнено")
    for key, check in (
        ("inn", validate_inn),
        ("kpp", validate_kpp),
        ("ogrn", validate_ogrn),
        ("bik", validate_bik),
    ):
        data[key] = col.check(check, data.get(key), lab[key])
    bik = data["bik"]  # None when empty or wrong: the accounts' keys are then not checked
    data["account"] = col.check(validate_account, data.get("account"), bik, lab["account"])
    data["corr_account"] = col.check(
        validate_corr_account, data.get("corr_account"), bik, lab["corr_account"]
    )
    data["email"] = col.check(validate_email, data.get("email"), lab["email"])
    phone = col.check(normalize_phone, data.get("phone"), "RU", lab["phone"])
    data["phone"] = phone and phone.e164 + (f" доб. {phone.ext}" if phone.ext else "")
    if data.get("vat_mode", "included") not in VAT_MODE_NAMES:
        col.add(lab["vat_mode"], f"неизвестный режим «{data['vat_mode']}»")
    return data, col.errors


@dataclass
class SetupRequest:
    """What the wizard was told."""

    url: str
    organization: dict
    admin_login: str
    admin_name: str
    admin_password: str
    demo_clients: int = 0


@dataclass
class Probe:
    """What a connection test found on the server."""

    version: tuple | None
    schema: str | None  # the database's schema revision, None for an empty database
    head: str  # the revision this program has
    known: bool  # False: a newer crmdesk made this database


def probe_database(url: str, timeout: int = CONNECT_TIMEOUT) -> Probe:
    """Connect to a server and read its schema revision; raises what the driver raises."""
    engine = make_engine(url, connect_args={"connect_timeout": timeout})
    try:
        current, head = schema_state(engine)
        known = current is None or current in revisions()[0]
        return Probe(engine.dialect.server_version_info, current, head, known)
    finally:
        engine.dispose()


def describe_url(url: str) -> str:
    """The database as a person names it: the file, or the server and database."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.database or url
    return f"PostgreSQL {u.host or 'localhost'}:{u.port or 5432}/{u.database}"


def set_admin(session, login: str, full_name: str, password: str) -> User:
    """Make ``login`` an active administrator with this password (empty: none).

    On a new database the default «admin» without a password is renamed, so the first
    administrator keeps id 1; an existing user of that login is made administrator.
    """
    login = login.strip()
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        default = session.scalar(select(User).where(User.login == "admin"))
        alone = session.scalar(select(func.count(User.id))) == 1
        if default is not None and default.password_hash is None and alone:
            user = default
            user.login = login
    if user is None:
        return create_user(session, login, full_name or login, "admin", password or None)
    user.full_name = full_name or user.full_name
    user.password_hash = hash_password(password) if password else None
    user.active = True
    user.role = session.scalar(select(Role).where(Role.code == "admin"))
    session.flush()
    return user


def create_database(s: SetupRequest, progress=None) -> str:
    """Create or upgrade the database and fill in what the wizard was told; returns its URL."""
    engine = make_engine(s.url)
    try:
        upgrade(engine)
        initialize(engine)
        from crmdesk.services import demo
        from crmdesk.services.context import unit_of_work

        with unit_of_work(engine) as ctx:
            set_admin(ctx.session, s.admin_login, s.admin_name, s.admin_password)
            org = ctx.session.scalar(select(Organization).order_by(Organization.id).limit(1))
            for key, value in s.organization.items():
                setattr(org, key, value)
        if s.demo_clients:
            demo.generate(engine, clients=s.demo_clients, progress=progress)
    finally:
        engine.dispose()
    return s.url
