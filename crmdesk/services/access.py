"""Who may open which database: signing in, the existing database a command needs, and the
«fresh» database that only holds what an upgrade creates.

Every entry point (the command line, the desktop) signs its user in here; after that the
rules check each call's rights themselves (services.rights).
"""

from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from crmdesk.config import describe_url, resolve_db_url
from crmdesk.db import read_only, session_factory
from crmdesk.models import Base, User
from crmdesk.services import rights
from crmdesk.services.errors import AccessDenied, CrmError, NotFound
from crmdesk.services.users import authenticate

# tables whose rows never make a base "used": settings, the audit of the first password, and
# the live office's bookkeeping (change counters, sessions, edit locks)
ALWAYS_ALLOWED = {"settings", "audit_log", "change_counters", "office_sessions", "object_locks"}


class DatabaseMissing(CrmError):
    """A command that works on an existing database was given one that does not exist."""


def require_existing(url: str | None) -> str:
    """The URL of a database that exists; a mistyped SQLite path is never created."""
    url = resolve_db_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(u.database or "")
        if not u.database or u.database == ":memory:" or not path.is_file():
            raise DatabaseMissing(
                f"База данных {u.database or url} не существует. Проверьте путь (--db или "
                "CRMDESK_DB); новую базу создаёт «crmdesk db upgrade», «crmdesk demo» или "
                "«crmdesk load»."
            )
    return url


def exists(url: str) -> bool:
    """Whether there is a database at ``url`` (an SQLite file; a server's database is
    assumed to be there — connecting tells)."""
    u = make_url(resolve_db_url(url))
    if u.get_backend_name() == "sqlite":
        return bool(u.database) and u.database != ":memory:" and Path(u.database).is_file()
    return True


def require_schema(engine: Engine, current: str | None, url: str) -> None:
    """A server database without crmdesk's tables is not made into one by a mere query."""
    if current is None:
        raise DatabaseMissing(
            f"В базе {describe_url(url)} нет данных crmdesk (схема не создана). Создайте её "
            "командой «crmdesk db upgrade» или загрузите данные («crmdesk load», "
            "«crmdesk restore --to»)."
        )


def is_fresh(engine: Engine) -> bool:
    """Whether the database holds only what ``db upgrade`` creates: the defaults every area's
    ``setup.ensure_defaults`` fills (roles, groups, processes, templates, calendars…), the
    settings, and the one administrator without a password."""
    defaults = _default_counts()
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in ALWAYS_ALLOWED:
                continue
            if conn.scalar(select(func.count()).select_from(table)) > defaults.get(table.name, 0):
                return False
        users = conn.execute(select(User.login, User.password_hash).limit(2)).all()
    return len(users) <= 1 and all(u.password_hash is None for u in users)


@functools.cache
def _default_counts() -> dict[str, int]:
    """How many rows each table holds right after the defaults are made: measured on a
    scratch in-memory database, so a default any area adds is known here without a list."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from crmdesk.services.setup import ensure_defaults

    scratch = create_engine("sqlite://")
    Base.metadata.create_all(scratch)
    with Session(scratch) as session, session.begin():
        ensure_defaults(session)
    with scratch.connect() as conn:
        counts = {
            t.name: conn.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }
    scratch.dispose()
    return counts


def clear_defaults(engine: Engine) -> None:
    """Empty a fresh database, so a load or copy into it starts from nothing."""
    if not is_fresh(engine):
        return
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def sign_in(engine: Engine, login: str | None, password, permission: str | None = None) -> str:
    """Authenticate the user a call runs as (the first administrator when no login is given);
    ``password()`` is asked only when this user has a password. Returns the login.

    A user without a password passes only where ``allow_empty_passwords`` is on.
    """
    from crmdesk.services.context import default_login
    from crmdesk.services.users import needs_rehash

    # read-only: signing in must not wait for (or block) an import holding SQLite's write lock
    with session_factory(read_only(engine))() as session:
        login = login or default_login(session)
        user = session.scalar(select(User).where(User.login == login))
        if user is None or not user.active:
            raise NotFound(f"Пользователь «{login}» не найден или отключён.")
        typed = password(login) if user.password_hash else ""
        rehash = bool(user.password_hash) and needs_rehash(user.password_hash)
        if not rehash:
            user = authenticate(session, login, typed)
            if permission is not None:
                rights.require(user, permission)
            return login
    with session_factory(engine)() as session:  # once per user: a hash of the old cost
        user = authenticate(session, login, typed)
        if permission is not None:
            rights.require(user, permission)
        session.commit()
    return login


def require_permission(engine: Engine, login: str, permission: str) -> None:
    with session_factory(engine)() as session:
        user = session.scalar(select(User).where(User.login == login))
        if user is None:
            raise AccessDenied(f"Пользователь «{login}» не найден.")
        rights.require(user, permission)


def login_without_dialog(engine: Engine, login: str | None) -> str | None:
    """Whom the desktop opens for without asking: where ``allow_empty_passwords`` is on, the
    given user if they have no password, or — no login given — the first administrator when
    nobody has a password (a one-person office). None: the login dialog asks."""
    from crmdesk.services.context import default_login
    from crmdesk.services.users import empty_passwords_allowed

    with session_factory(engine)() as session:
        if not empty_passwords_allowed(session):
            return None
        if login:
            user = session.scalar(select(User).where(User.login == login))
            ok = user is not None and user.active and not user.password_hash
            return login if ok else None
        anyone = session.scalar(
            select(User.id)
            .where(User.active.is_(True), User.password_hash.is_not(None))
            .limit(1)
        )
        return default_login(session) if anyone is None else None
