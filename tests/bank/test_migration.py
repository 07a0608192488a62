"""The 0006 slot: its tables go and come back on SQLite and PostgreSQL."""

from alembic import command
from sqlalchemy import inspect

from crmdesk.db import alembic_config, upgrade


def test_bank_and_contract_tables_downgrade_and_upgrade(engine):
    command.downgrade(alembic_config(engine), "0005")
    tables = inspect(engine).get_table_names()
    assert "bank_payments" not in tables and "contracts" not in tables
    assert "contract_id" not in {c["name"] for c in inspect(engine).get_columns("documents")}
    engine.dispose()
    upgrade(engine)
    inspector = inspect(engine)
    assert {"bank_payments", "bank_payment_documents", "contracts"} <= set(
        inspector.get_table_names())
    assert "contract_id" in {c["name"] for c in inspector.get_columns("documents")}
