"""Calls: the journal, the missed calls to call back (CRM section), «Позвонить» in phone fields.

A call is written by the PBX, not by hand: «Создать» in these lists asks for a number and
dials it; opening a call shows its window (the caller's card, the gist and next step).
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QPushButton

from crmdesk.services import (
    calllists,  # noqa: F401 — adds the calls lists to lists.SPECS
    rights,
    telephony,  # its hooks attach calls to new clients' phones
)
from crmdesk.ui.generic import fields
from crmdesk.ui.generic.base import Command, Entity
from crmdesk.ui.generic.fields import Field
from crmdesk.ui.generic.objectform import ObjectForm
from crmdesk.ui.generic.registry import opener, register
from crmdesk.ui.i18n import tr
from crmdesk.ui.shell.sections import Item, add_items

PHONE_FIELDS = {"phones", "phone"}


def desk(shell):
    """The main window's telephony (made once per window by install_desk)."""
    from crmdesk.ui.shell.calls import DeskTelephony

    found = getattr(shell, "telephony", None)
    if found is None:
        found = shell.telephony = DeskTelephony(shell)
    return found


def install_desk(shell):
    """Called by the main window at start: indicator, listener, call windows."""
    return desk(shell)


def _open_call(shell, call_id=None, initial=None):
    if call_id is None:
        number, ok = QInputDialog.getText(shell, tr("Позвонить"), tr("Номер телефона:"))
        if ok and number.strip():
            desk(shell).dial(number)
        return None
    from crmdesk.ui.shell.calls import CallWindow

    with shell.app.uow(read_only=True) as ctx:
        call = telephony.get_call(ctx, call_id)
        info = telephony.call_info(call)
    window = CallWindow(shell, info.linkedid, info.number, info.direction)
    window.set_state("end" if info.final else "ring", info.answered_ext,
                     info.duration if info.state == "answered" else 0)
    desk(shell).windows[info.linkedid] = window
    window.show()
    return window


def _call_back(form, row_id):
    with form.app.uow(read_only=True) as ctx:
        number = telephony.get_call(ctx, row_id).e164 or telephony.get_call(ctx, row_id).number
    desk(form.shell).dial(number)


def _called_back(form, row_id):
    with form.app.uow() as ctx:
        telephony.mark_called_back(ctx, row_id)
    form.app.changed("missed_calls", "calls")


COMMANDS = [
    Command("call", "Перезвонить", _call_back),
    Command("posted", "Перезвонили", _called_back),
]
for name, list_name in (("call", "calls"), ("missed_call", "missed_calls")):
    register(Entity(name, list_name, "call", _open_call, list_commands=list(COMMANDS),
                    affects=("calls", "missed_calls", "interactions")))


def _add_sections() -> None:
    add_items("crm", Item("list", "calls", "Звонки", "call"),
              Item("list", "missed_calls", "Пропущенные звонки", "call"))


def _phone_editor(editor) -> None:
    """«Позвонить» beside every phone field: dials the number on the cursor's line."""
    if editor.field.key not in PHONE_FIELDS or editor.shell is None:
        return
    button = QPushButton("☎", editor)
    button.setToolTip(tr("Позвонить"))
    button.setFixedWidth(28)
    button.setObjectName("dial")

    def current_number() -> str:
        edit = editor.edit
        if hasattr(edit, "textCursor"):
            return edit.textCursor().block().text() or edit.toPlainText().split("\n")[0]
        return edit.text()

    button.clicked.connect(lambda: desk(editor.shell).dial(current_number()))
    editor.layout_.addWidget(button)


_add_sections()
if _phone_editor not in getattr(fields, "EDITOR_HOOKS", []):
    getattr(fields, "EDITOR_HOOKS", []).append(_phone_editor)


class TelephonySettingsForm(ObjectForm):
    """Администрирование → Телефония: where the office's Asterisk manager interface is.
    The password goes to the secret store, never to the database; empty keeps the one set."""

    entity_name = "telephony_settings"
    title_new = "Телефония (АТС)"
    fields = [
        Field("host", "Адрес АТС", required=True, hint="192.168.1.10"),
        Field("port", "Порт AMI", "int"),
        Field("user", "Пользователь AMI", required=True),
        Field("secret", "Пароль AMI", "password", hint="пусто: оставить прежний"),
        Field("channel", "Канал внутреннего номера", hint="PJSIP/{ext} или SIP/{ext}"),
        Field("context", "Контекст исходящих", hint="from-internal"),
    ]
    rows = [["host", "port"], ["user", "secret"], ["channel", "context"]]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        super().__init__(shell, 1, initial, parent)
        self.form_key = "telephony_settings:1"

    def load(self, ctx, obj_id):
        cfg = telephony.ami_config(ctx.session) or {}
        values = {"host": cfg.get("host", ""), "port": cfg.get("port", 5038),
                  "user": cfg.get("user", ""), "secret": "",
                  "channel": cfg.get("channel", "PJSIP/{ext}"),
                  "context": cfg.get("context", "from-internal")}
        return values, None, tr("Телефония (АТС)")

    def store(self, ctx, obj_id, v, version):
        telephony.configure(ctx, v["host"], v["port"] or 5038, v["user"], v["secret"] or None,
                            v["channel"] or None, v["context"] or None)
        return 1

    def write(self) -> bool:
        done = super().write()
        if done:
            desk(self.shell).stop()
            desk(self.shell).start()  # connect with the new settings at once
        return done


register(Entity("telephony_settings", "telephony_settings", "settings",
                opener(TelephonySettingsForm)))


def _add_admin_item() -> None:
    add_items("admin", Item("form", "telephony_settings", "Телефония (АТС)", "call", rights.ADMIN))


_add_admin_item()


def _set_extension(form, row_id):
    """Пользователи → «Внутренний номер…»: the user's extension on the office PBX."""
    from crmdesk.models import User

    with form.app.uow(read_only=True) as ctx:
        user = ctx.session.get(User, row_id)
        login, current = user.login, user.extension or ""
    ext, ok = QInputDialog.getText(
        form, tr("Внутренний номер"),
        tr("Внутренний номер пользователя {0} (пусто — нет):").format(login), text=current
    )
    if not ok:
        return
    with form.app.uow() as ctx:
        telephony.set_extension(ctx, login, ext)
    form.app.changed("users")
    form.shell.message(tr("Внутренний номер {0}: {1}").format(login, ext.strip() or "—"))


def _add_user_command() -> None:
    from crmdesk.ui.generic.registry import FormNotFound, entity

    try:
        users = entity("user")  # registered by forms/admin.py, listed before this module
    except FormNotFound:
        return
    if not any(c.run is _set_extension for c in users.list_commands):
        users.list_commands.append(Command("call", "Внутренний номер…", _set_extension))


_add_user_command()
