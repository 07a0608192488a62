"""The 0006 slot alone: its tables go and come back, on SQLite and PostgreSQL (a database
upgraded to 0006 only, so the test does not depend on the later slots' downgrades)."""

import pytest
from alembic import command
from sqlalchemy import inspect

from crmdesk.db import alembic_config, make_engine, upgrade
from tests.conftest import new_pg_database, pg_admin_execute, pg_url


@pytest.fixture(params=["sqlite", "pg"])
def bare(request, tmp_path):
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
        yield eng
        eng.dispose()
        return
    if not request.getfixturevalue("pg_available"):
        pytest.skip("no PostgreSQL server answers")
    name = new_pg_database()
    eng = make_engine(pg_url(name))
    yield eng
    eng.dispose()
    pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _names(engine):
    inspector = inspect(engine)
    return (set(inspector.get_table_names()),
            {c["name"] for c in inspector.get_columns("documents")})


def test_bank_and_contract_tables_downgrade_and_upgrade(bare):
    upgrade(bare, "0006")
    tables, columns = _names(bare)
    assert {"bank_payments", "bank_payment_documents", "contracts"} <= tables
    assert "contract_id" in columns
    command.downgrade(alembic_config(bare), "0005")
    tables, columns = _names(bare)
    assert not {"bank_payments", "bank_payment_documents", "contracts"} & tables
    assert "contract_id" not in columns
    upgrade(bare, "0006")
    tables, columns = _names(bare)
    assert {"bank_payments", "contracts"} <= tables and "contract_id" in columns
