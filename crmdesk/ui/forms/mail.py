"""Mail in the desktop: «Отправить по почте» for documents and print previews, the mail and
SMS settings form («Администрирование → Почта и SMS») with «Проверить», one SMS to a client,
and the password asked at its first use in a session where the system keeps none."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from crmdesk.models.comms import MailAccount, SmsProvider
from crmdesk.services import mail, rights, secrets, sms, templates
from crmdesk.services.errors import CrmError, ValidationError
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Entity, error_text
from crmdesk.ui.generic.fields import Field
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm
from crmdesk.ui.generic.registry import register_special
from crmdesk.ui.i18n import tr, tr_error
from crmdesk.ui.shell.sections import Item, add_items


def with_secret(parent, run, *args):
    """Run; when a password or key is not known in this session, ask for it and run again."""
    for _attempt in range(3):
        try:
            return run(*args)
        except secrets.SecretMissing as exc:
            value, ok = QInputDialog.getText(
                parent, tr("Пароль"), tr("Введите {0} (хранится только до закрытия программы):")
                .format(exc.what), QLineEdit.EchoMode.Password)
            if not ok or not value:
                raise
            secrets.store_secret(exc.key, value)
    return run(*args)


class SendMailDialog(QDialog):
    """The letter with the document's print form: recipient, subject and text editable."""

    def __init__(self, shell, doc_id: int, fmt: str = "pdf", parent=None):
        super().__init__(parent or shell)
        self.shell, self.app, self.doc_id = shell, shell.app, doc_id
        self.setWindowTitle(tr("Отправить по почте"))
        self.resize(640, 480)
        self.to = QComboBox(self)
        self.to.setEditable(True)
        self.template = QComboBox(self)
        self.format = QComboBox(self)
        self.subject = QLineEdit(self)
        self.body = QPlainTextEdit(self)
        self.attachment = QLabel(self)
        self.messages = QLabel(self)
        self.messages.setStyleSheet("color: #c62828;")
        self.messages.setWordWrap(True)
        self.messages.hide()
        form = QFormLayout()
        form.addRow(tr("Кому:"), self.to)
        form.addRow(tr("Шаблон:"), self.template)
        form.addRow(tr("Формат вложения:"), self.format)
        form.addRow(tr("Тема:"), self.subject)
        form.addRow(tr("Вложение:"), self.attachment)
        buttons = QDialogButtonBox(self)
        self.send_button = buttons.addButton(tr("Отправить"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(tr("Отмена"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.send)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.messages)
        layout.addWidget(buttons)
        self.draft = None
        from crmdesk.reports import PRINT_FORMS

        with self.app.uow(read_only=True) as ctx:
            from crmdesk.models import Document

            doc = ctx.session.get(Document, doc_id)
            for r in mail.recipients(ctx, doc.client_id):
                self.to.addItem(f"{r['name']} <{r['email']}>", r["email"])
            for t in templates.list_templates(ctx, "email"):
                self.template.addItem(t.name, t.name)
                if t.doc_type == doc.doc_type:
                    self.template.setCurrentIndex(self.template.count() - 1)
            for f in PRINT_FORMS[doc.doc_type][1]:
                self.format.addItem(f.upper(), f)
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))
        self.template.currentIndexChanged.connect(self.refill)
        self.format.currentIndexChanged.connect(self.refill)
        self.to.currentIndexChanged.connect(self.refill)
        self.refill()

    def address(self) -> str:
        text = self.to.currentText().strip()
        if "<" in text and text.endswith(">"):
            return text[text.rindex("<") + 1:-1]
        return text

    def refill(self) -> None:
        try:
            with self.app.uow(read_only=True) as ctx:
                self.draft = mail.draft_document(ctx, self.doc_id, self.address() or None,
                                                 self.format.currentData() or "pdf",
                                                 self.template.currentData())
        except CrmError as exc:
            self.show_message(tr_error(exc))
            return
        self.subject.setText(self.draft.subject)
        self.body.setPlainText(self.draft.body)
        self.attachment.setText(f"{self.draft.file_name} "
                                f"({max(1, len(self.draft.data) // 1024)} КБ)")
        self.messages.hide()

    def show_message(self, text: str) -> None:
        self.messages.setText(text)
        self.messages.show()

    def send(self) -> bool:
        if self.draft is None:
            return False
        self.draft.to = self.address()
        self.draft.subject, self.draft.body = self.subject.text(), self.body.toPlainText()

        def go():
            with self.app.uow() as ctx:
                return mail.send_draft(ctx, self.draft)

        try:
            letter = with_secret(self, go)
        except Exception as exc:  # noqa: BLE001 — the message stays in the dialog
            self.show_message(error_text(exc))
            return False
        self.app.changed("interactions", "attachments")
        self.shell.message(tr("Письмо отправлено: {0}").format(letter.to_address))
        self.accept()
        return True


def send_document(shell, doc_id: int, fmt: str = "pdf"):
    dialog = SendMailDialog(shell, doc_id, fmt)
    dialog.open()
    return dialog


def _url(scheme_for: dict, security: str | None, login: str | None, host: str | None,
         port: int | None) -> str:
    if not host:
        return ""
    scheme = scheme_for.get(security or "ssl")
    user = f"{login}@" if login else ""
    return f"{scheme}://{user}{host}:{port}"


SMTP_SCHEMES = {"ssl": "smtps", "starttls": "smtp+starttls", "none": "smtp"}
IMAP_SCHEMES = {"ssl": "imaps", "starttls": "imap+starttls", "none": "imap"}


class MailSettingsForm(ObjectForm):
    """The office's mail box and the SMS provider; passwords go to the system's store."""

    entity_name = "mail_settings"
    title_new = "Почта и SMS"
    fields = [
        Field("smtp", "Отправка (SMTP)", hint="smtps://office@smtp.yandex.ru:465"),
        Field("imap", "Приём (IMAP)", hint="imaps://office@imap.yandex.ru:993"),
        Field("from_address", "Адрес отправителя", required=True),
        Field("from_name", "Имя отправителя"),
        Field("password", "Пароль почты", "password", hint="пусто — не менять"),
        Field("per_minute", "Писем в минуту, не больше", "int"),
        Field("fetch_minutes", "Забирать почту каждые, мин", "int"),
        Field("lead_rule", "Новые обращения", "choice",
              choices={"fixed": "одному менеджеру", "turns": "менеджерам по очереди"}),
        Field("lead_manager", "Менеджер для обращений", hint="имя входа"),
        Field("sms_kind", "Провайдер SMS", "choice",
              choices={"": "(нет)", "smsru": "SMS.ru", "smsc": "SMSC.ru"}),
        Field("sms_url", "Адрес сервиса SMS", hint="https://sms.ru"),
        Field("sms_sender", "Имя отправителя SMS"),
        Field("sms_login", "Логин SMS (SMSC.ru)"),
        Field("sms_key", "Ключ / пароль SMS", "password", hint="пусто — не менять"),
    ]
    rows = [["smtp"], ["imap"], ["from_address", "from_name"], ["password"],
            ["per_minute", "fetch_minutes"], ["lead_rule", "lead_manager"],
            ["sms_kind", "sms_url"], ["sms_sender", "sms_login"], ["sms_key"]]
    commands = [FormCommand("settings", "Проверить", "check", needs_saved=False)]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        super().__init__(shell, 1, initial, parent)
        self.form_key = "mail_settings:1"

    own = False  # the signed-in user's own box (MyMailForm), not the office's

    def load(self, ctx, obj_id):
        from sqlalchemy import select

        if not self.own:
            rights.require(ctx.user, rights.ADMIN)
        whose = MailAccount.user_id == ctx.user.id if self.own else MailAccount.user_id.is_(None)
        a = ctx.session.scalar(select(MailAccount).where(whose,
                                                         MailAccount.deletion_mark.is_(False)))
        p = ctx.session.scalar(select(SmsProvider).where(SmsProvider.active.is_(True)))
        values = {
            "smtp": _url(SMTP_SCHEMES, a.smtp_security, a.smtp_login, a.smtp_host,
                         a.smtp_port) if a else "",
            "imap": _url(IMAP_SCHEMES, a.imap_security, a.imap_login, a.imap_host,
                         a.imap_port) if a else "",
            "from_address": a.from_address if a else "",
            "from_name": a.from_name if a else "",
            "password": "",
            "per_minute": a.per_minute if a else None,
            "fetch_minutes": a.fetch_minutes if a else 5,
            "lead_rule": a.lead_rule if a else "fixed",
            "lead_manager": a.lead_manager.login if a and a.lead_manager else "",
            "sms_kind": p.kind if p else "",
            "sms_url": p.base_url if p else "",
            "sms_sender": p.sender if p else "",
            "sms_login": p.login if p else "",
            "sms_key": "",
        }
        return values, None, tr(self.title_new)

    def store(self, ctx, obj_id, v, version):
        if not (v["smtp"] or "").strip():
            raise ValidationError("Отправка (SMTP)", "не заполнено")
        mail.set_account(ctx, v["smtp"], v["from_address"], v["imap"] or None,
                         ctx.user.login if self.own else None,
                         v["password"] or None, from_name=v["from_name"] or None,
                         per_minute=v["per_minute"] or None,
                         lead_rule=None if self.own else v["lead_rule"],
                         lead_manager=None if self.own else v["lead_manager"] or None,
                         fetch_minutes=v["fetch_minutes"] or None)
        if not self.own and v["sms_kind"]:
            sms.set_provider(ctx, v["sms_kind"], v["sms_key"] or None, v["sms_url"] or None,
                             v["sms_sender"] or None, v["sms_login"] or None)
        return 1

    def check(self) -> None:
        if self.modified and not self.write():
            return

        def run():
            with self.app.uow() as ctx:
                account = mail.account_for(ctx.session, ctx.user if self.own else None)
                return mail.check_account(ctx, account.id)

        try:
            done = with_secret(self, run)
        except Exception as exc:  # noqa: BLE001 — what failed, in words, in the form
            self.messages.setText(error_text(exc))
            self.messages.show()
            return
        self.messages.hide()
        QMessageBox.information(self, tr("Проверка"), "\n".join(done))


class MyMailForm(MailSettingsForm):
    """«Моя почта»: the user's own box — letters go from it instead of the office's."""

    entity_name = "my_mail"
    title_new = "Моя почта"
    own = True
    fields = [f for f in MailSettingsForm.fields
              if not f.key.startswith(("sms_", "lead_"))]
    rows = [["smtp"], ["imap"], ["from_address", "from_name"], ["password"],
            ["per_minute", "fetch_minutes"]]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        super().__init__(shell, obj_id, initial, parent)
        self.form_key = "my_mail:1"
        self.setWindowTitle(tr("Моя почта"))


class SmsDialog(QDialog):
    """One SMS: the number, the text with its parts counted as it is typed."""

    def __init__(self, shell, number: str = "", client_id: int | None = None, parent=None):
        from crmdesk.integrations.sms import sms_parts

        super().__init__(parent or shell)
        self.shell, self.app, self.client_id = shell, shell.app, client_id
        self.setWindowTitle(tr("Отправить SMS"))
        self.number = QLineEdit(number, self)
        self.text = QPlainTextEdit(self)
        self.parts = QLabel(self)
        self.messages = QLabel(self)
        self.messages.setStyleSheet("color: #c62828;")
        self.messages.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("Телефон:"), self.number)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.parts)
        layout.addWidget(self.messages)
        buttons = QDialogButtonBox(self)
        buttons.addButton(tr("Отправить"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(tr("Отмена"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.send)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        def count():
            n, per, _ = sms_parts(self.text.toPlainText())
            self.parts.setText(tr("Символов: {0}, частей SMS: {1} (по {2})").format(
                len(self.text.toPlainText()), n, per))

        self.text.textChanged.connect(count)
        count()

    def send(self) -> bool:
        def go():
            with self.app.uow() as ctx:
                return sms.outbox_row(sms.send_sms(ctx, self.number.text(),
                                                   self.text.toPlainText(), self.client_id))

        try:
            row = with_secret(self, go)
        except Exception as exc:  # noqa: BLE001 — shown in the dialog
            self.messages.setText(error_text(exc))
            return False
        if row["status"] == "failed":
            self.messages.setText(row["reason"])
            return False
        self.app.changed("interactions")
        self.shell.message(tr("SMS отправлено: {0}").format(row["address"]))
        self.accept()
        return True


def send_sms(shell, number: str = "", client_id: int | None = None):
    dialog = SmsDialog(shell, number, client_id)
    dialog.open()
    return dialog


PHONE_FIELDS = {"phones", "phone"}


def _sms_editor(editor) -> None:
    """«SMS» beside every phone field: a message to the number on the cursor's line."""
    from PySide6.QtWidgets import QPushButton

    if editor.field.key not in PHONE_FIELDS or editor.shell is None:
        return
    button = QPushButton("SMS", editor)
    button.setToolTip(tr("Отправить SMS"))
    button.setFixedWidth(40)
    button.setObjectName("sms")

    def current_number() -> str:
        edit = editor.edit
        if hasattr(edit, "textCursor"):
            return edit.textCursor().block().text() or edit.toPlainText().split("\n")[0]
        return edit.text()

    button.clicked.connect(lambda: send_sms(editor.shell, current_number()))
    editor.layout_.addWidget(button)


def _sms_to_client(form, client_id) -> None:
    from crmdesk.models import Client

    with form.app.uow(read_only=True) as ctx:
        client = ctx.session.get(Client, client_id)
        phones = [p.e164 for p in client.phones] + [
            p.e164 for c in client.contacts for p in c.phones]
    send_sms(form.shell, phones[0] if phones else "", client_id)


def _extend_clients() -> None:
    """«Отправить SMS» in the clients list (its form is declared in forms/clients.py)."""
    from crmdesk.ui.generic import fields
    from crmdesk.ui.generic.base import Command
    from crmdesk.ui.generic.registry import entities

    client = entities().get("client")
    if client is not None and not any(c.text == "Отправить SMS" for c in client.list_commands):
        client.list_commands.append(Command("sms", "Отправить SMS", _sms_to_client))
    hooks = getattr(fields, "EDITOR_HOOKS", None)
    if hooks is not None and _sms_editor not in hooks:
        hooks.append(_sms_editor)


def _extend_phone_panel() -> None:
    """«Отправить SMS» under the phone panel's number (the panel is the shell's; found once
    the window is built): an SMS to the number typed there, logged on its client."""
    from PySide6.QtWidgets import QApplication, QPushButton

    for window in QApplication.topLevelWidgets():
        for panel in window.findChildren(QWidget):
            if panel.__class__.__name__ != "PhonePanel" or panel.findChild(QPushButton, "sms"):
                continue
            button = QPushButton(tr("Отправить SMS"), panel)
            button.setObjectName("sms")
            button.clicked.connect(lambda _=False, p=panel: send_sms(p.shell, p.number.text()))
            panel.layout().addWidget(button)


register(Entity("mail_settings", "mail_settings", "mail", opener(MailSettingsForm),
                create_permission=rights.ADMIN))
register(Entity("my_mail", "my_mail", "mail", opener(MyMailForm)))
register_special("send_mail", send_document)
register_special("send_sms", send_sms)


def _add_sections() -> None:
    add_items("admin", Item("form", "mail_settings", "Почта и SMS", "mail", rights.ADMIN), at=3)
    add_items("main", Item("form", "my_mail", "Моя почта", "mail"))


_add_sections()
_extend_clients()
QTimer.singleShot(0, _extend_phone_panel)
