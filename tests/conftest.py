"""Shared fixtures: every data test runs on a real SQLite file and a real PostgreSQL server.

PostgreSQL: CRMDESK_TEST_PG (default postgresql+psycopg://postgres@127.0.0.1:5432/test) is
the maintenance connection; a migrated template database is made once per run and each
test gets a fresh copy of it. Without a server the PostgreSQL tests skip — except in CI
(CI=true), where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from crmdesk.db import checkpoint, make_engine, open_database
from crmdesk.services.context import unit_of_work
from crmdesk.services.setup import initialize
from crmdesk.services.users import create_user

PG_ADMIN = os.environ.get("CRMDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_conninfo(dbname: str | None = None) -> str:
    u = make_url(PG_ADMIN)
    return psycopg.conninfo.make_conninfo(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password or None,
        dbname=dbname or u.database,
    )


def pg_url(dbname: str) -> str:
    return make_url(PG_ADMIN).set(database=dbname).render_as_string(hide_password=False)


def pg_admin_execute(sql: str) -> None:
    with psycopg.connect(_pg_conninfo(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def pg_available() -> bool:
    try:
        pg_admin_execute("SELECT 1")
        return True
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and did not answer: {exc}")
        return False


def _prepare(engine) -> None:
    initialize(engine)


@pytest.fixture(scope="session")
def pg_template(pg_available):
    if not pg_available:
        return None
    name = f"crmdesk_tpl_{uuid.uuid4().hex[:8]}"
    pg_admin_execute(f'CREATE DATABASE "{name}"')
    engine = open_database(pg_url(name))
    _prepare(engine)
    engine.dispose()
    yield name
    pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite"
    engine = open_database(f"sqlite:///{path}")
    _prepare(engine)
    checkpoint(engine)
    engine.dispose()
    return path


def new_pg_database(template: str | None = None) -> str:
    name = f"crmdesk_t_{uuid.uuid4().hex[:10]}"
    pg_admin_execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


@pytest.fixture(params=["sqlite", "pg"])
def engine(request, tmp_path, sqlite_template):
    """A migrated database with default roles, the admin and the default sales process."""
    if request.param == "sqlite":
        path = tmp_path / "crm.sqlite"
        shutil.copy(sqlite_template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    template = request.getfixturevalue("pg_template")
    if template is None:
        pytest.skip("no PostgreSQL server answers")
    name = new_pg_database(template)
    eng = make_engine(pg_url(name))
    yield eng
    eng.dispose()
    pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def team(engine):
    """A head of sales, two managers and an operator, besides the administrator."""
    with unit_of_work(engine) as ctx:
        create_user(ctx.session, "head", "Смирнова Ольга Петровна", "head")
        create_user(ctx.session, "ivanov", "Иванов Иван Иванович", "manager")
        create_user(ctx.session, "petrov", "Петров Пётр Петрович", "manager")
        create_user(ctx.session, "oper", "Соколова Анна", "operator")
    return engine


@pytest.fixture
def uow(team):
    """uow("ivanov") opens a unit of work as that user on the team's database."""
    return lambda login=None: unit_of_work(team, login)
