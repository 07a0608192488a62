"""The desktop's mail forms, driven through the real main window on SQLite."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402


@pytest.fixture(params=["sqlite"])
def engine(request, tmp_path, sqlite_template):
    """The desktop tests run on SQLite only (the services' tests cover PostgreSQL)."""
    import shutil

    from crmdesk.db import make_engine

    path = tmp_path / "crm.sqlite"
    shutil.copy(sqlite_template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture
def shell(qtbot, team, office, tmp_path, monkeypatch):
    from crmdesk.app import make_qt_app
    from crmdesk.ui.session import AppSession
    from crmdesk.ui.shell.mainwindow import MainWindow

    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path / "home"))
    make_qt_app()
    window = MainWindow(AppSession(team, "ivanov"), restore=False)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    yield window
    for sub in window.mdi.subWindowList():
        if hasattr(sub.widget(), "modified"):
            sub.widget().modified = False


@pytest.fixture
def boxes(monkeypatch):
    shown = []
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(
            lambda parent, title, text, *a, _n=name, **k: shown.append((_n, text))))
    return shown
