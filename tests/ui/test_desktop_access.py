"""The desktop's gate: the server password lives in the credential store, not ui-state.ini;
--user never skips the password of a user who has one."""

from __future__ import annotations

import stat

import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from crmdesk import app
from crmdesk.services import secrets
from crmdesk.services.connections import password_key, with_password
from crmdesk.services.context import unit_of_work
from crmdesk.services.users import create_user, set_password
from crmdesk.ui.shell.login import LoginDialog


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.stored = {}

    def set_password(self, service, username, password):
        self.stored[(service, username)] = password

    def get_password(self, service, username):
        return self.stored.get((service, username))

    def delete_password(self, service, username):
        self.stored.pop((service, username), None)


@pytest.fixture
def store():
    backend = MemoryKeyring()
    secrets.use_backend(backend)
    yield backend
    secrets.use_backend(None)


URL = "postgresql+psycopg://office:Pw-123@db.example:5432/crm"
BARE = "postgresql+psycopg://office@db.example:5432/crm"


def test_an_old_settings_file_loses_its_password_to_the_credential_store(home, store, qapp):
    home.mkdir(parents=True, exist_ok=True)
    ini = home / "ui-state.ini"
    ini.write_text(f"[General]\ndatabase={URL}\n", encoding="utf-8")
    ini.chmod(0o644)  # as older versions left it
    assert app.remembered_database() == BARE
    assert "Pw-123" not in ini.read_text(encoding="utf-8")
    assert stat.S_IMODE(ini.stat().st_mode) == 0o600
    assert store.stored[("crmdesk", password_key(BARE))] == "Pw-123"
    assert with_password(BARE) == URL  # what the next start connects with
    assert app.remembered_database() == BARE


def test_remembering_a_server_keeps_its_password_out_of_the_file(home, store, qapp):
    app.remember_database(URL)
    ini = home / "ui-state.ini"
    assert "Pw-123" not in ini.read_text(encoding="utf-8") and "db.example" in ini.read_text()
    assert stat.S_IMODE(ini.stat().st_mode) == 0o600
    assert secrets.get_secret(password_key(BARE)) == "Pw-123"


def test_without_a_credential_store_the_password_stays_in_memory_only(home, qapp):
    secrets.use_backend(None)
    try:
        app.remember_database(URL)
        assert "Pw-123" not in (home / "ui-state.ini").read_text(encoding="utf-8")
        assert with_password(BARE) == URL  # this session; the next one asks
    finally:
        secrets.forget_secret(password_key(BARE))


@pytest.fixture
def office(demo_engine, monkeypatch):
    monkeypatch.setenv("CRMDESK_TEST_SCRYPT_N", "1024")
    with unit_of_work(demo_engine) as ctx:
        set_password(ctx.session, "admin", "админ-1")
        create_user(ctx.session, "nopass", "Без Пароля", "manager")
    return demo_engine


def _answer_login(qtbot, password: str, seen: list) -> None:
    """When the login dialog opens: note whose login it shows, type the password, press
    Войти."""

    def answer():
        dialog = next(
            (w for w in QApplication.topLevelWidgets()
             if isinstance(w, LoginDialog) and w.isVisible()), None
        )
        if dialog is None:
            QTimer.singleShot(50, answer)
            return
        seen.append(dialog.chosen_login())  # the combo shows the user's full name
        dialog.password_edit.setText(password)
        dialog.accept()

    QTimer.singleShot(50, answer)


def test_user_on_the_command_line_still_types_the_password(office, qtbot, home):
    seen = []
    _answer_login(qtbot, "demo", seen)
    assert app.sign_in(office, "ivanov") == "ivanov"
    assert seen == ["ivanov"]  # the dialog was shown, with the login filled in


def test_a_wrong_password_keeps_the_dialog_until_cancelled(office, qtbot, home):
    seen = []
    _answer_login(qtbot, "не тот", seen)

    def cancel():
        for w in QApplication.topLevelWidgets():
            if isinstance(w, LoginDialog) and w.isVisible():
                assert w.message.text() == "Неверное имя пользователя или пароль."
                w.reject()
                return
        QTimer.singleShot(50, cancel)

    QTimer.singleShot(300, cancel)
    assert app.sign_in(office, "ivanov") is None
    assert seen == ["ivanov"]


def test_password_less_users_open_only_where_the_setting_allows(office, qtbot, home):
    from crmdesk.services.settings import set_setting

    seen = []
    _answer_login(qtbot, "", seen)  # the dialog refuses the empty password: cancel it

    def cancel():
        for w in QApplication.topLevelWidgets():
            if isinstance(w, LoginDialog) and w.isVisible() and seen:
                assert "вход без пароля запрещён" in w.message.text()
                w.reject()
                return
        QTimer.singleShot(50, cancel)

    QTimer.singleShot(300, cancel)
    assert app.sign_in(office, "nopass") is None
    with unit_of_work(office) as ctx:
        set_setting(ctx.session, "allow_empty_passwords", True)
    assert app.sign_in(office, "nopass") == "nopass"  # no dialog at all


def test_a_mistyped_db_on_the_desktop_is_a_message_not_a_new_base(home, qapp, tmp_path,
                                                                  monkeypatch):
    import argparse
    import os
    import sys

    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main() installs its own
    umask = os.umask(0o022)
    os.umask(umask)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    typo = tmp_path / "typo" / "office.sqlite"
    try:
        assert app.main(argparse.Namespace(db=str(typo), user=None)) == 1
    finally:
        os.umask(umask)
    assert len(shown) == 1 and "не существует" in shown[0]
    assert not typo.parent.exists()


class RefusingServer:
    """A TCP server that answers like PostgreSQL refusing a password: it declines SSL, reads
    the start-up message and replies FATAL 28P01 «password authentication failed»."""

    def __init__(self):
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.attempts = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        import struct

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    while True:
                        size = struct.unpack("!I", conn.recv(4))[0]
                        body = conn.recv(size - 4)
                        code = struct.unpack("!I", body[:4])[0]
                        if code in (80877103, 80877104):  # SSL / GSS encryption request
                            conn.sendall(b"N")
                            continue
                        break
                    self.attempts += 1
                    fields = (b"SFATAL\0VFATAL\0C28P01\0"
                              b'Mpassword authentication failed for user "office"\0\0')
                    conn.sendall(b"E" + struct.pack("!I", len(fields) + 4) + fields)
                except (OSError, struct.error):
                    pass

    def close(self):
        self.sock.close()


@pytest.fixture
def refusing_server():
    server = RefusingServer()
    yield server
    server.close()


def test_a_refused_server_password_is_asked_and_never_stored(refusing_server, store):
    url = f"postgresql+psycopg://office@127.0.0.1:{refusing_server.port}/crm"
    asked = []

    def ask(where):
        asked.append(where)
        return "не тот" if len(asked) < 3 else None

    assert app.connect(url, ask) is None  # the user gave up on the third question
    assert asked == [f"PostgreSQL: 127.0.0.1:{refusing_server.port}/crm"] * 3
    assert refusing_server.attempts == 3
    assert store.stored == {}  # a refused password is not kept

    from crmdesk.services.errors import AccessDenied

    with pytest.raises(AccessDenied, match="не принял пароль"):
        app.connect(url, lambda where: "всё ещё не тот")

