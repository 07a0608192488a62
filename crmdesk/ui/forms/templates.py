"""Templates of letters and SMS («CRM → Шаблоны писем и SMS»): the text with its fields, and
«Просмотр» that fills them for a chosen client; consent to mailings from the clients list."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
)

from crmdesk.models import Client
from crmdesk.models.comms import CHANNELS, MessageTemplate
from crmdesk.models.documents import DOC_TYPES
from crmdesk.services import (
    commlists,  # noqa: F401 — adds the templates list
    mailings,
    rights,
    templates,
)
from crmdesk.services.errors import NotFound
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Command, Entity, show_error
from crmdesk.ui.generic.fields import Field
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm
from crmdesk.ui.generic.registry import entities
from crmdesk.ui.i18n import tr
from crmdesk.ui.shell.sections import Item, add_items


class TemplateForm(ObjectForm):
    entity_name = "message_template"
    title_new = "Шаблон (создание)"
    lists_changed = ("message_templates",)
    fields = [
        Field("name", "Наименование", required=True),
        Field("channel", "Канал", "choice", choices=CHANNELS),
        Field("advertising", "Рекламный (только тем, кто дал согласие)", "bool"),
        Field("doc_type", "Для документа", "choice",
              choices={"": "(любой)", **{k: v[1] for k, v in DOC_TYPES.items()
                                         if k != "payment"}}),
        Field("subject", "Тема"),
        Field("body", "Текст", "multiline", required=True),
        Field("fields", "Поля", "multiline", readonly=True),
    ]
    rows = [["name"], ["channel", "doc_type"], ["advertising"], ["subject"], ["body"],
            ["fields"]]
    commands = [FormCommand("find", "Просмотр для клиента…", "preview")]

    def defaults(self, ctx):
        return {"channel": "email", "doc_type": "", "fields": self._fields()}

    @staticmethod
    def _fields() -> str:
        return "  ".join("{" + name + "}" for name in templates.FIELDS)

    def load(self, ctx, obj_id):
        t = ctx.session.get(MessageTemplate, obj_id)
        if t is None:
            raise NotFound(f"Шаблон с кодом {obj_id} не найден.")
        values = {"name": t.name, "channel": t.channel, "advertising": t.advertising,
                  "doc_type": t.doc_type or "", "subject": t.subject or "", "body": t.body,
                  "fields": self._fields()}
        return values, None, t.name

    def store(self, ctx, obj_id, v, version):
        return templates.save_template(ctx, v, obj_id).id

    def preview(self) -> None:
        from crmdesk.ui.generic.listform import ChoiceDialog
        from crmdesk.ui.generic.registry import entity

        dialog = ChoiceDialog(self.shell, entity("client"), "", self)
        if not dialog.exec() or dialog.result_id is None:
            return
        try:
            with self.app.uow(read_only=True) as ctx:
                text = templates.preview(ctx, self.obj_id, dialog.result_id)
        except Exception as exc:  # noqa: BLE001
            show_error(self, exc)
            return
        QMessageBox.information(self, tr("Просмотр"),
                                (f"{text.subject}\n\n" if text.subject else "") + text.body)


class ConsentDialog(QDialog):
    """Consent to advertising mailings, per channel, of a client and its contact persons."""

    def __init__(self, shell, client_id: int, parent=None):
        super().__init__(parent or shell)
        self.app, self.client_id = shell.app, client_id
        self.setWindowTitle(tr("Согласие на рекламные рассылки"))
        grid = QGridLayout()
        grid.addWidget(QLabel(tr("Эл. почта")), 0, 1)
        grid.addWidget(QLabel(tr("SMS")), 0, 2)
        grid.addWidget(QLabel(tr("Отказ")), 0, 3)
        self.boxes: list[tuple[int | None, QCheckBox, QCheckBox, QCheckBox]] = []
        with self.app.uow(read_only=True) as ctx:
            client = ctx.session.get(Client, client_id)
            people = [(None, client)] + [(p.id, p) for p in client.contacts
                                         if not p.deletion_mark]
            for row, (pid, obj) in enumerate(people, 1):
                grid.addWidget(QLabel(obj.name), row, 0)
                boxes = [QCheckBox(self) for _ in range(3)]
                boxes[0].setChecked(bool(obj.consent_email))
                boxes[1].setChecked(bool(obj.consent_sms))
                boxes[2].setChecked(obj.opt_out_at is not None)
                for col, box in enumerate(boxes, 1):
                    grid.addWidget(box, row, col)
                self.boxes.append((pid, *boxes))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(buttons)

    def save(self) -> bool:
        try:
            with self.app.uow() as ctx:
                for pid, email, sms, out in self.boxes:
                    mailings.set_consent(ctx, self.client_id, pid, email.isChecked(),
                                         sms.isChecked(), out.isChecked())
        except Exception as exc:  # noqa: BLE001
            show_error(self, exc)
            return False
        self.app.changed("clients")
        self.accept()
        return True


def _consent(form, client_id) -> None:
    ConsentDialog(form.shell, client_id).open()


register(Entity("message_template", "message_templates", "letter", opener(TemplateForm),
                create_permission=rights.EDIT_OWN))


def _extend() -> None:
    client = entities().get("client")
    if client is not None and not any(c.text == "Согласие на рассылки…"
                                      for c in client.list_commands):
        client.list_commands.append(Command("letter", "Согласие на рассылки…", _consent))
    add_items("crm", Item("list", "message_templates", "Шаблоны писем и SMS", "letter"))


_extend()
