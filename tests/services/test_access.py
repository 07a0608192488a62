"""A fresh database (only what an upgrade makes) counts as empty; signing in on both
databases."""

import pytest

from crmdesk.services import access
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.errors import AccessDenied, NotFound
from crmdesk.services.exchange import dump, load
from crmdesk.services.setup import initialize
from crmdesk.services.users import set_password


def test_only_what_an_upgrade_makes_counts_as_fresh(engine):
    from sqlalchemy import func, select

    from crmdesk.models import Client

    assert access.is_fresh(engine)
    with unit_of_work(engine) as ctx:
        create_client(ctx, {"name": "ООО «Первый»"})
    assert not access.is_fresh(engine)
    access.clear_defaults(engine)  # a base with data is never cleared
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Client)) == 1


def test_an_administrator_with_a_password_is_not_fresh(engine):
    with unit_of_work(engine) as ctx:
        set_password(ctx.session, "admin", "x")
    assert not access.is_fresh(engine)


def test_clearing_a_fresh_base_lets_the_load_in(engine, tmp_path):
    from sqlalchemy import func, select

    from crmdesk.models import Client, Role, User
    from crmdesk.services.rights import DEFAULT_ROLES

    source = tmp_path / "source.json"
    with unit_of_work(engine) as ctx:
        create_client(ctx, {"name": "ООО «Первый»"})
    dump(engine, source)
    with engine.begin() as conn:  # back to what db upgrade leaves: drop the data
        for table in ("client_phones", "client_emails", "client_group_links", "audit_log",
                      "clients"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    assert access.is_fresh(engine)
    access.clear_defaults(engine)
    load(engine, source)
    initialize(engine)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Client)) == 1
        assert conn.scalar(select(func.count()).select_from(User)) == 1
        assert conn.scalar(select(func.count()).select_from(Role)) == len(DEFAULT_ROLES)


def test_sign_in_names_the_missing_and_refuses_the_rights(team):
    with pytest.raises(NotFound, match="«nobody» не найден"):
        access.sign_in(team, "nobody", lambda login: "")
    assert access.sign_in(team, None, lambda login: "") == "admin"
    with pytest.raises(AccessDenied, match="Администрирование"):
        access.sign_in(team, "head", lambda login: "", permission="admin")
