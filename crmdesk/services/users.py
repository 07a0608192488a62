"""Users: password hashing (scrypt), creation, authentication.

Passwords are hashed with scrypt at the cost OWASP recommends (N=2**17, r=8, p=1); a hash of
a lower cost (older versions used N=2**14) is replaced at the user's next successful sign-in.
A user without a password signs in with an empty one only where the administrator allowed it
(the ``allow_empty_passwords`` setting: a one-person office, a demo base).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.models import Role, User
from crmdesk.services.errors import AccessDenied, NotFound, ValidationError
from crmdesk.services.validation import validate_email

COST = (2**17, 8, 1)  # scrypt N, r, p: OWASP's recommendation
ALLOW_EMPTY = "allow_empty_passwords"  # setting: users without a password may sign in


def _cost() -> tuple[int, int, int]:
    """The cost new hashes get. CRMDESK_TEST_SCRYPT_N lowers N for test suites only (a test
    creates many users); it is ignored unless it is a power of two below the real N."""
    test_n = os.environ.get("CRMDESK_TEST_SCRYPT_N", "")
    if test_n.isdigit() and 2 <= int(test_n) < COST[0] and int(test_n) & (int(test_n) - 1) == 0:
        return int(test_n), COST[1], COST[2]
    return COST


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # scrypt needs 128·N·r bytes (128 MiB at N=2**17): the default maxmem of 32 MiB is too
    # little
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=128 * n * r * p + 2**24
    )


def hash_password(password: str) -> str:
    n, r, p = _cost()
    salt = os.urandom(16)
    key = _scrypt(password, salt, n, r, p)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether the password matches the stored hash. An empty stored hash matches nothing:
    whether a user without a password may sign in is ``sign_in``'s decision."""
    if not stored:
        return False
    try:
        _alg, n, r, p, salt, key = stored.split("$")
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False  # a damaged hash lets nobody in
    return hmac.compare_digest(got, base64.b64decode(key))


def needs_rehash(stored: str) -> bool:
    """A hash of a lower cost than new hashes get (made by an older version)."""
    try:
        _alg, n, r, p, _salt, _key = stored.split("$")
        return (int(n), int(r), int(p)) < _cost()
    except ValueError:
        return False


def empty_passwords_allowed(session: Session) -> bool:
    """Whether a user without a password signs in with an empty one: as the administrator set
    ``allow_empty_passwords`` (on: a one-person office, a demo base; off: never). Not set:
    only while nobody has a password at all — a base nobody has protected yet, which
    refusing would lock for good; the first password anyone gets ends it."""
    from crmdesk.services.settings import get_setting

    value = get_setting(session, ALLOW_EMPTY)
    if value is not None:
        return bool(value)
    protected = session.scalar(
        select(User.id)
        .where(User.active.is_(True), User.password_hash.is_not(None), User.password_hash != "")
        .limit(1)
    )
    return protected is None


def find_user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(f"Пользователь «{login}» не найден.")
    return user


def has_password(session: Session, login: str) -> bool:
    """Whether signing in as ``login`` needs a password (unknown users: True, say nothing)."""
    user = session.scalar(select(User).where(User.login == login))
    return user is None or bool(user.password_hash) or not empty_passwords_allowed(session)


def authenticate(session: Session, login: str, password: str) -> User:
    """The active user of this login and password, else AccessDenied (one message for every
    reason, so it does not tell which logins exist). A hash of an old cost is replaced."""
    user = session.scalar(select(User).where(User.login == login))
    if user is None or not user.active:
        raise AccessDenied("Неверное имя пользователя или пароль.")
    if not user.password_hash:
        if password == "" and empty_passwords_allowed(session):
            return user
        if password == "":
            raise AccessDenied(
                f"У пользователя «{login}» нет пароля, а вход без пароля запрещён настройкой "
                "базы. Администратор задаёт пароль: «crmdesk users password "
                f"{login}» или в форме пользователя."
            )
        raise AccessDenied("Неверное имя пользователя или пароль.")
    if not verify_password(password, user.password_hash):
        raise AccessDenied("Неверное имя пользователя или пароль.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


def set_password(session: Session, login: str, password: str) -> User:
    """Give ``login`` a new password (empty: none — the user then signs in only where
    ``allow_empty_passwords`` is on)."""
    user = find_user(session, login)
    user.password_hash = hash_password(password) if password else None
    session.flush()
    return user


def create_user(
    session: Session,
    login: str,
    full_name: str,
    role_code: str,
    password: str | None = None,
    **fields,
) -> User:
    login = (login or "").strip()
    if not login:
        raise ValidationError("Логин", "не заполнено")
    if session.scalar(select(User.id).where(User.login == login)):
        raise ValidationError("Логин", f"пользователь «{login}» уже существует")
    role = session.scalar(select(Role).where(Role.code == role_code))
    if role is None:
        raise ValidationError("Роль", f"нет роли «{role_code}»")
    if fields.get("email"):
        fields["email"] = validate_email(fields["email"])
    user = User(
        login=login,
        full_name=full_name,
        role=role,
        password_hash=hash_password(password) if password else None,
        **fields,
    )
    session.add(user)
    session.flush()
    return user
