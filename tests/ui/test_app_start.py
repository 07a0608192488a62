"""Which database the desktop opens: --db, CRMDESK_DB, the remembered one, the default file."""

import pytest

from crmdesk import app


@pytest.fixture
def clean(home, monkeypatch):
    monkeypatch.delenv("CRMDESK_DB", raising=False)
    app.make_qt_app()
    return home


def test_the_command_line_wins(clean):
    app.remember_database("sqlite:////tmp/remembered.sqlite")
    assert app._first_start("sqlite:////tmp/given.sqlite") == "sqlite:////tmp/given.sqlite"


def test_a_remembered_database_is_opened_without_the_wizard(clean, monkeypatch):
    monkeypatch.setattr(
        "crmdesk.ui.shell.wizard.FirstStartWizard", lambda *a: pytest.fail("wizard shown")
    )
    app.remember_database("postgresql+psycopg://office/crm")
    assert app.remembered_database() == "postgresql+psycopg://office/crm"
    assert app._first_start(None) == "postgresql+psycopg://office/crm"


def test_the_default_file_needs_no_wizard_and_nothing_needs_it(clean, monkeypatch):
    shown = []

    class Wizard:
        def __init__(self):
            shown.append(True)

        def exec(self):
            return False  # the user closed it

    monkeypatch.setattr("crmdesk.ui.shell.wizard.FirstStartWizard", Wizard)
    assert app._first_start(None) is None
    assert shown == [True]
    (clean / "crmdesk.sqlite").write_bytes(b"")
    shown.clear()
    assert app._first_start(None) is None  # main() then opens the default file
    assert shown == []
