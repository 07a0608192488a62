"""Passwords: scrypt at OWASP's cost, old hashes replaced at sign-in, empty passwords only
where the administrator allows them."""

import base64
import hashlib
import os

import pytest

from crmdesk.models import User
from crmdesk.services import access
from crmdesk.services.errors import AccessDenied
from crmdesk.services.settings import set_setting
from crmdesk.services.users import (
    COST,
    authenticate,
    create_user,
    hash_password,
    needs_rehash,
    set_password,
    verify_password,
)


def old_hash(password: str, n: int = 2**14) -> str:
    """A hash as crmdesk made it before: scrypt N=2**14."""
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}$8$1${b64(salt).decode()}${b64(key).decode()}"


def test_the_real_cost_is_owasps(monkeypatch):
    monkeypatch.delenv("CRMDESK_TEST_SCRYPT_N", raising=False)
    stored = hash_password("Секрет-1")
    _alg, n, r, p, _salt, _key = stored.split("$")
    assert (int(n), int(r), int(p)) == COST == (2**17, 8, 1)
    assert verify_password("Секрет-1", stored)
    assert not verify_password("секрет-1", stored)
    assert not needs_rehash(stored)


def test_a_test_cost_is_only_ever_lower_and_a_power_of_two(monkeypatch):
    monkeypatch.setenv("CRMDESK_TEST_SCRYPT_N", "1024")
    assert hash_password("x").split("$")[1] == "1024"
    for bad in ("1000", str(2**20), "abc", "0"):
        monkeypatch.setenv("CRMDESK_TEST_SCRYPT_N", bad)
        assert hash_password("x").split("$")[1] == str(COST[0])


def test_an_old_hash_is_replaced_at_the_next_sign_in(uow, monkeypatch):
    monkeypatch.delenv("CRMDESK_TEST_SCRYPT_N", raising=False)
    with uow() as ctx:
        user = ctx.session.query(User).filter_by(login="ivanov").one()
        user.password_hash = old_hash("пароль")
    with uow() as ctx:
        with pytest.raises(AccessDenied):
            authenticate(ctx.session, "ivanov", "не тот")
        stored = ctx.session.query(User).filter_by(login="ivanov").one().password_hash
        assert stored.split("$")[1] == "16384"  # a wrong password changes nothing
        assert needs_rehash(stored)
        authenticate(ctx.session, "ivanov", "пароль")
    with uow() as ctx:
        stored = ctx.session.query(User).filter_by(login="ivanov").one().password_hash
        assert stored.split("$")[1] == str(2**17)
        assert authenticate(ctx.session, "ivanov", "пароль").login == "ivanov"


def test_an_empty_password_signs_in_only_where_allowed(uow, monkeypatch):
    monkeypatch.setenv("CRMDESK_TEST_SCRYPT_N", "1024")
    with uow() as ctx:  # nobody has a password, nobody decided: the base stays usable
        assert authenticate(ctx.session, "ivanov", "").login == "ivanov"
        set_setting(ctx.session, "allow_empty_passwords", False)
    with uow() as ctx:
        with pytest.raises(AccessDenied, match="вход без пароля запрещён"):
            authenticate(ctx.session, "ivanov", "")
        with pytest.raises(AccessDenied, match="Неверное имя пользователя или пароль"):
            authenticate(ctx.session, "ivanov", "что-нибудь")
        set_setting(ctx.session, "allow_empty_passwords", True)
    with uow() as ctx:
        assert authenticate(ctx.session, "ivanov", "").login == "ivanov"
        set_password(ctx.session, "ivanov", "пароль")
    with uow() as ctx:  # once one has a password, the setting does not skip it
        with pytest.raises(AccessDenied):
            authenticate(ctx.session, "ivanov", "")
        assert authenticate(ctx.session, "ivanov", "пароль").login == "ivanov"


def test_unknown_inactive_and_damaged_let_nobody_in(uow, monkeypatch):
    monkeypatch.setenv("CRMDESK_TEST_SCRYPT_N", "1024")
    with uow() as ctx:
        create_user(ctx.session, "gone", "Уволен", "manager", password="x", active=False)
        create_user(ctx.session, "broken", "Сломан", "manager", password="x")
        ctx.session.query(User).filter_by(login="broken").one().password_hash = "scrypt$oops"
    with uow() as ctx:
        for login, password in (("nobody", ""), ("gone", "x"), ("broken", "x")):
            with pytest.raises(AccessDenied, match="Неверное имя пользователя или пароль"):
                authenticate(ctx.session, login, password)


def test_sign_in_asks_the_password_only_of_a_user_who_has_one(team, monkeypatch):
    monkeypatch.setenv("CRMDESK_TEST_SCRYPT_N", "1024")
    asked = []

    def password(login):
        asked.append(login)
        return "пароль"

    from crmdesk.services.context import unit_of_work

    assert access.sign_in(team, "petrov", password) == "petrov"  # nobody has a password
    with unit_of_work(team) as ctx:
        set_password(ctx.session, "ivanov", "пароль")
    with pytest.raises(AccessDenied, match="вход без пароля запрещён"):
        access.sign_in(team, "petrov", password)  # now somebody has one
    assert asked == []
    assert access.sign_in(team, "ivanov", password) == "ivanov"
    assert asked == ["ivanov"]
    with pytest.raises(AccessDenied, match="Администрирование"):
        access.sign_in(team, "ivanov", password, permission="admin")
