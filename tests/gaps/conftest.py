"""The desktop fixtures of tests/ui (the real main window offscreen, on SQLite and
PostgreSQL through ``day``)."""

import pytest

from tests.ui.conftest import (  # noqa: F401
    answer_yes,
    day,
    demo_engine,
    demo_template,
    home,
    make_shell,
    shell,
    type_text,
    unexpected_errors_fail,
    warnings,
)


@pytest.fixture(autouse=True)
def quiet_closed_windows():
    """A closed main window's reminder timer keeps running (MainWindow.closeEvent does not
    stop it; reported): after each test it is stopped here, so that it does not query a
    PostgreSQL test database already dropped while a later test runs Qt's event loop."""
    yield
    from PySide6.QtWidgets import QApplication

    from crmdesk.ui.shell.mainwindow import MainWindow

    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.reminders.stop()
