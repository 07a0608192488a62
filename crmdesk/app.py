"""Starts the desktop: Qt application, translation, database, login, main window."""

from __future__ import annotations

import os
import sys


def make_qt_app(argv=None):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("crmdesk")
    app.setOrganizationName("crmdesk")
    app.setStyle("Fusion")
    from crmdesk.ui.icons import icon

    app.setWindowIcon(icon("app"))
    return app


def _ui_state():
    from PySide6.QtCore import QSettings

    from crmdesk.config import data_dir

    return QSettings(str(data_dir() / "ui-state.ini"), QSettings.Format.IniFormat)


def remember_database(url: str) -> None:
    """The database the next start opens when neither --db nor CRMDESK_DB says otherwise."""
    state = _ui_state()
    state.setValue("database", url)
    state.sync()


def remembered_database() -> str | None:
    return _ui_state().value("database") or None


def _first_start(url: str | None) -> str | None:
    """No database chosen (no --db, CRMDESK_DB, remembered one or default file): the wizard."""
    from crmdesk.config import data_dir

    if url or os.environ.get("CRMDESK_DB"):
        return url
    remembered = remembered_database()
    if remembered:
        return remembered
    if (data_dir() / "crmdesk.sqlite").exists():
        return None
    from crmdesk.ui.shell.wizard import FirstStartWizard

    wizard = FirstStartWizard()
    if not wizard.exec():
        return None
    remember_database(wizard.database_url())
    return wizard.database_url()


def main(args=None) -> int:
    from crmdesk.db import open_database
    from crmdesk.services.errors import CrmError
    from crmdesk.services.setup import initialize

    qt = make_qt_app()
    url = getattr(args, "db", None)
    from crmdesk.config import data_dir
    from crmdesk.ui.i18n import install_translator

    install_translator(qt, _ui_state().value("language"))
    url = _first_start(url)
    if url is None and not os.environ.get("CRMDESK_DB") and not getattr(args, "db", None):
        from crmdesk.config import default_db_url

        if not (data_dir() / "crmdesk.sqlite").exists():
            return 1
        url = default_db_url()
    try:
        engine = open_database(url)
        initialize(engine)
        login = getattr(args, "user", None)
        from crmdesk.ui.shell.login import LoginDialog, needs_login

        if needs_login(engine) and not login:
            dialog = LoginDialog(engine)
            if not dialog.exec():
                return 1
            login = dialog.login_user()
        from crmdesk.ui.session import AppSession
        from crmdesk.ui.shell.mainwindow import MainWindow

        session = AppSession(engine, login)
    except CrmError as exc:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "crmdesk", str(exc))
        return 1
    window = MainWindow(session)
    window.show()
    from crmdesk.ui.shell.backup_check import after_start

    after_start(window)
    return qt.exec()
