"""Signing in: the user's login and password, checked by the business layer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)
from sqlalchemy import Engine, select

from crmdesk.db import describe, session_factory
from crmdesk.models import User
from crmdesk.services.errors import AccessDenied
from crmdesk.services.users import authenticate
from crmdesk.ui.i18n import tr_error
from crmdesk.ui.icons import icon

# ---- Qt-free queries (candidates for services/users.py) --------------------------------


def _active_logins(engine: Engine) -> list[str]:
    """Logins of the users who may sign in, alphabetically."""
    return sorted(login for login, _name in _active_users(engine))


def _active_users(engine: Engine) -> list[tuple[str, str]]:
    """(login, how the list shows the user) of the users who may sign in, by full name as in
    1C's list; a full name two users share gets the login in brackets."""
    with session_factory(engine)() as session:
        rows = session.execute(
            select(User.login, User.full_name)
            .where(User.active.is_(True), User.deletion_mark.is_(False))
            .order_by(User.full_name, User.login)
        ).all()
    names = [name or login for login, name in rows]
    return [
        (login, shown if names.count(shown) == 1 else f"{shown} ({login})")
        for (login, _n), shown in zip(rows, names, strict=True)
    ]


def needs_login(engine: Engine) -> bool:
    """True when the window may not open without the login dialog (services.access decides:
    only a password-less user where the administrator allows it skips it)."""
    from crmdesk.services.access import login_without_dialog

    return login_without_dialog(engine, None) is None


def _check_password(engine: Engine, login: str, password: str) -> str:
    """The login as stored, when the password is right; AccessDenied otherwise."""
    with session_factory(engine)() as session:
        return authenticate(session, login, password).login


# ---- the dialog --------------------------------------------------------------------------


class LoginDialog(QDialog):
    """Login (any active user's, typed or chosen), password, Войти / Отмена."""

    def __init__(self, engine: Engine, parent=None, *, login: str | None = None):
        super().__init__(parent)
        self.engine = engine
        self._login = ""
        self.setWindowTitle(self.tr("Вход в crmdesk"))
        self.setWindowIcon(icon("app"))

        self.login_combo = QComboBox()
        self.login_combo.setEditable(True)
        self.login_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for user_login, shown in _active_users(engine):
            self.login_combo.addItem(shown, user_login)
        if login:
            index = self.login_combo.findData(login)
            if index >= 0:
                self.login_combo.setCurrentIndex(index)
            else:
                self.login_combo.setCurrentText(login)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #c0392b;")
        self.message.setWordWrap(True)
        self.message.hide()
        self.login_combo.editTextChanged.connect(self._clear_message)
        self.password_edit.textChanged.connect(self._clear_message)

        database = QLabel(describe(engine))
        database.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        database.setWordWrap(True)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Войти"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Отмена"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("База данных:"), database)
        form.addRow(self.tr("Пользователь:"), self.login_combo)
        form.addRow(self.tr("Пароль:"), self.password_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        (self.password_edit if self.login_combo.currentText() else self.login_combo).setFocus()

    def login_user(self) -> str:
        """The login signed in with (after the dialog was accepted)."""
        return self._login

    def _clear_message(self) -> None:
        self.message.hide()

    def chosen_login(self) -> str:
        """The login of the user chosen by name, or the login typed in."""
        text = self.login_combo.currentText().strip()
        index = self.login_combo.findText(text, Qt.MatchFlag.MatchFixedString)
        return self.login_combo.itemData(index) if index >= 0 else text

    def accept(self) -> None:
        login = self.chosen_login()
        try:
            self._login = _check_password(self.engine, login, self.password_edit.text())
        except AccessDenied as exc:
            self.password_edit.clear()
            self.password_edit.setFocus()
            self.message.setText(tr_error(exc))
            self.message.show()
            return
        super().accept()
