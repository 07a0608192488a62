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

    from crmdesk.config import data_dir, private_file

    path = data_dir() / "ui-state.ini"
    if path.exists():
        private_file(path)  # an older version made it readable by everyone
    return QSettings(str(path), QSettings.Format.IniFormat)


def remember_database(url: str) -> None:
    """The database the next start opens when neither --db nor CRMDESK_DB says otherwise.
    A server's password goes to the credential store, never into the settings file."""
    from crmdesk.config import private_file
    from crmdesk.services.connections import keep_password

    state = _ui_state()
    state.setValue("database", keep_password(url))
    state.sync()
    private_file(state.fileName())


def remembered_database() -> str | None:
    """The remembered database's URL (without a password). A file written by an older
    version with the password in it is cleaned: the password moves to the credential store."""
    from crmdesk.services.connections import keep_password, split_password

    state = _ui_state()
    url = state.value("database") or None
    if url and split_password(url)[1]:
        url = keep_password(url)
        state.setValue("database", url)
        state.sync()
    return url or None


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


def excepthook(exc_type, exc, tb) -> None:
    """Whatever escapes a slot or an event handler: a message box, never a traceback. The
    traceback of an unexpected error goes to the program's private error log."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    try:
        from PySide6.QtWidgets import QApplication, QMessageBox

        from crmdesk.config import log_exception
        from crmdesk.services.errors import friendly
        from crmdesk.ui.generic.base import error_text

        if friendly(exc) is None:
            log_exception(exc)
        QMessageBox.critical(QApplication.activeWindow(), "crmdesk", error_text(exc))
    except Exception:  # noqa: BLE001 — the last resort: the default hook
        sys.__excepthook__(exc_type, exc, tb)


def _ask_db_password(where: str) -> str | None:
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    text, ok = QInputDialog.getText(
        None, "crmdesk", f"Пароль базы данных ({where}):", QLineEdit.EchoMode.Password
    )
    return text if ok and text else None


def connect(url: str, ask=_ask_db_password):
    """The engine of the database at ``url``, upgraded; a server's password comes from the
    credential store (or CRMDESK_DB_PASSWORD), else ``ask(where)`` asks for it — a right one
    is then stored. None when the user declined to give it."""
    from sqlalchemy.exc import OperationalError

    from crmdesk.config import describe_url
    from crmdesk.db import open_database
    from crmdesk.services import secrets
    from crmdesk.services.connections import password_key, password_refused, with_password

    typed = None
    for _attempt in range(3):
        try:
            engine = open_database(with_password(url, typed))
        except OperationalError as exc:
            if not password_refused(exc):
                raise
            typed = ask(describe_url(url))
            if typed is None:
                return None
            continue
        if typed:
            secrets.store_secret(password_key(url), typed)
        return engine
    from crmdesk.services.errors import AccessDenied

    raise AccessDenied(f"Сервер базы данных ({describe_url(url)}) не принял пароль.")


def sign_in(engine, login: str | None):
    """The user the window opens for: without the dialog only a user without a password
    where the administrator allows that (allow_empty_passwords); everyone else types the
    password, --user only chooses whose. None when the dialog was cancelled."""
    from crmdesk.services.access import login_without_dialog
    from crmdesk.ui.shell.login import LoginDialog

    auto = login_without_dialog(engine, login)
    if auto is not None:
        return auto
    dialog = LoginDialog(engine, login=login)
    if not dialog.exec():
        return None
    return dialog.login_user()


def main(args=None) -> int:
    from crmdesk.config import private_files
    from crmdesk.services.setup import initialize

    private_files()
    qt = make_qt_app()
    sys.excepthook = excepthook
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
        from crmdesk.config import resolve_db_url
        from crmdesk.services.access import require_existing

        url = resolve_db_url(url)
        if getattr(args, "db", None) or os.environ.get("CRMDESK_DB"):
            require_existing(url)  # a mistyped --db is not made into a new empty base
        engine = connect(url)
        if engine is None:
            return 1
        initialize(engine)
        login = sign_in(engine, getattr(args, "user", None))
        if login is None:
            return 1
        from crmdesk.ui.session import AppSession

        session = AppSession(engine, login)
    except Exception as exc:  # noqa: BLE001 — one message box, never a traceback
        from PySide6.QtWidgets import QMessageBox

        from crmdesk.config import log_exception
        from crmdesk.services.errors import friendly
        from crmdesk.ui.generic.base import error_text

        if friendly(exc) is None:
            log_exception(exc)
        QMessageBox.critical(None, "crmdesk", error_text(exc))
        return 1
    from crmdesk.ui.shell.mainwindow import MainWindow

    window = MainWindow(session)
    window.show()
    from crmdesk.ui.shell.backup_check import after_start

    after_start(window)
    return qt.exec()
