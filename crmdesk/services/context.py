"""A unit of work on behalf of one user: the session the rules use and whose rights apply."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crmdesk import db
from crmdesk.db import session_factory
from crmdesk.models import Role, User

# flush hooks: tracking (search text, audit), changes (tell the other desktops), sessions
# (writes of an ended session refused), office (an object another session has open)
from crmdesk.services import changes, office, rights, sessions, tracking  # noqa: F401
from crmdesk.services.errors import NotFound


@dataclass
class Context:
    session: Session
    user: User

    def require(self, permission: str) -> None:
        rights.require(self.user, permission)

    def can(self, permission: str) -> bool:
        return self.user.has(permission)


def default_login(session: Session) -> str:
    """The first active administrator: whom command-line calls run as by default."""
    login = session.scalar(
        select(User.login)
        .join(Role)
        .where(Role.code == "admin", User.active.is_(True))
        .order_by(User.id)
    )
    if login is None:
        raise NotFound("В базе нет администратора: выполните «crmdesk db upgrade».")
    return login


@contextmanager
def unit_of_work(
    engine: Engine, login: str | None = None, read_only: bool = False
) -> Iterator[Context]:
    """Commit when the block ends normally, roll back (change nothing) when it raises.

    ``read_only``: for lists and reports — on SQLite it does not take the write lock, so a
    long report never makes other users' saves wait; on PostgreSQL writing is refused.
    """
    session = session_factory(db.read_only(engine) if read_only else engine)()
    try:
        login = login or default_login(session)
        user = session.scalar(select(User).where(User.login == login))
        if user is None or not user.active:
            raise NotFound(f"Пользователь «{login}» не найден или отключён.")
        session.info["user_id"] = user.id
        yield Context(session, user)
        if read_only:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
