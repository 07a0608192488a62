"""Users: password hashing (scrypt), creation, authentication."""

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

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return password == ""
    _alg, n, r, p, salt, key = stored.split("$")
    got = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(got, base64.b64decode(key))


def find_user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(f"Пользователь «{login}» не найден.")
    return user


def authenticate(session: Session, login: str, password: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None or not user.active or not verify_password(password, user.password_hash):
        raise AccessDenied("Неверное имя пользователя или пароль.")
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
