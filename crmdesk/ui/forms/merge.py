"""Duplicates in the client card and «Объединение клиентов» (1C: «Поиск и удаление дублей»).

The card asks ``services.duplicates`` before a write and shows ``DuplicatesDialog``: the
other clients with links that open them; «Записать» where saving anyway makes sense. The
clients list's command «Объединить…» opens ``MergeForm``: two clients side by side, a tick
for each field to take from the other, and «Объединить» (``services.merge``).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from crmdesk.services import merge
from crmdesk.services.duplicates import Duplicate
from crmdesk.services.errors import CrmError
from crmdesk.ui.generic.base import FormBase, show_error
from crmdesk.ui.generic.fields import Field, make_editor
from crmdesk.ui.i18n import tr, tr_error
from crmdesk.ui.icons import icon


def _open_client(shell, client_id: int) -> None:
    from crmdesk.ui.forms import entity

    entity("client").open(shell, client_id, None)


class DuplicatesDialog(QDialog):
    """«Такой клиент уже есть»: each other client as a link; saving anyway if allowed."""

    def __init__(self, shell, found: list[Duplicate], parent=None):
        super().__init__(parent)
        self.shell = shell
        self.blocking = any(d.blocking for d in found)
        self.setWindowTitle(tr("Такой клиент уже есть"))
        lines = []
        for d in found:
            text = escape(d.message)
            if d.visible:
                link = f"«{d.name}» (код {d.client_id})"
                text = text.replace(
                    escape(link), f'<a href="client:{d.client_id}">{escape(link)}</a>'
                )
            lines.append(f"<li>{text}</li>")
        if self.blocking:
            ending = tr(
                "Записать нельзя: один клиент — одна карточка. Откройте того клиента "
                "или объедините карточки («Объединить…» в списке клиентов)."
            )
        else:
            ending = tr("Записать этого клиента всё равно?")
        self.label = QLabel(f"<ul>{''.join(lines)}</ul><p>{escape(ending)}</p>", self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.linkActivated.connect(self.open_link)
        buttons = QDialogButtonBox(self)
        if not self.blocking:
            self.save_button = buttons.addButton(
                tr("Записать"), QDialogButtonBox.ButtonRole.AcceptRole
            )
        buttons.addButton(tr("Отмена"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def open_link(self, href: str) -> None:
        """A link opens the other client's card; the dialog closes without writing."""
        self.reject()
        _open_client(self.shell, int(href.split(":", 1)[1]))


class MergeForm(FormBase):
    """Two clients side by side; the ticked fields come from the one that is merged in."""

    form_key = "merge:clients"

    def __init__(self, shell, other: tuple[int, str] | None = None, parent=None):
        super().__init__(shell, parent)
        self.setWindowTitle(tr("Объединение клиентов"))
        self.setWindowIcon(icon("client"))
        self.keep = make_editor(Field("keep", "Оставить", "ref", ref="client"), shell, self)
        self.other = make_editor(
            Field("other", "Объединить с ним и пометить на удаление", "ref", ref="client"),
            shell,
            self,
        )
        if other is not None:
            self.other.set(other)
        self.keep.edited.connect(self.compare)
        self.other.edited.connect(self.compare)
        swap = QPushButton(icon("refresh"), tr("Поменять местами"), self)
        swap.clicked.connect(self.swap)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(
            [tr("Поле"), tr("Оставляемый клиент"), tr("Взять"), tr("Объединяемый клиент")]
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.merge_button = QPushButton(icon("save"), tr("Объединить"), self)
        self.merge_button.clicked.connect(self.run)
        close = QPushButton(tr("Закрыть"), self)
        close.clicked.connect(self._close)
        top = QHBoxLayout()
        for label, editor in ((tr("Оставить:"), self.keep), (tr("Объединить с:"), self.other)):
            top.addWidget(QLabel(label, self))
            top.addWidget(editor, 1)
        top.addWidget(swap)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.merge_button)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.ticks: dict[str, QCheckBox] = {}
        self.compare()

    def _close(self) -> None:
        target = self.parentWidget() if self.shell.is_hosted(self) else self
        target.close()

    def swap(self) -> None:
        keep, other = self.keep.get(), self.other.get()
        keep_text, other_text = self.keep.text, self.other.text
        self.keep.set((other, other_text) if other else None)
        self.other.set((keep, keep_text) if keep else None)
        self.compare()

    def compare(self) -> None:
        """Show the two cards side by side (or what is still to be chosen)."""
        self.table.setRowCount(0)
        self.ticks = {}
        keep, other = self.keep.get(), self.other.get()
        self.merge_button.setEnabled(False)
        if keep is None or other is None:
            self.note.setText(tr("Выберите оставляемого клиента и того, кто с ним объединится."))
            return
        try:
            with self.app.uow(read_only=True) as ctx:
                rows = merge.compare(ctx, keep, other)
        except CrmError as exc:
            self.note.setText(tr_error(exc))
            return
        self.table.setRowCount(len(rows))
        for r, d in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(tr(d.title)))
            for c, value in ((1, d.keep), (3, d.other)):
                item = QTableWidgetItem(value)
                if c == 3 and d.differs and d.other:  # what the other card would bring
                    item.setBackground(QColor("#fff4c2"))
                self.table.setItem(r, c, item)
            if d.key in merge.FIELDS and d.differs and d.other:
                tick = QCheckBox(self.table)
                tick.setToolTip(tr("Взять значение объединяемого клиента"))
                tick.setChecked(not d.keep)  # an empty field takes the other's value
                self.table.setCellWidget(r, 2, tick)
                self.ticks[d.key] = tick
        self.table.resizeRowsToContents()
        self.note.setText(
            tr(
                "Контактные лица, телефоны, документы, взаимодействия, сделки, задачи и файлы "
                "объединяемого клиента перейдут к оставляемому; объединяемый будет помечен на "
                "удаление."
            )
        )
        self.merge_button.setEnabled(True)

    def taken(self) -> set[str]:
        return {key for key, tick in self.ticks.items() if tick.isChecked()}

    def run(self, confirm: bool = True) -> bool:
        keep, other = self.keep.get(), self.other.get()
        if keep is None or other is None:
            return False
        question = tr("Объединить «{0}» с «{1}»? «{1}» будет помечен на удаление.").format(
            self.keep.text, self.other.text
        )
        if confirm and QMessageBox.question(self, tr("Объединение клиентов"), question) != (
            QMessageBox.StandardButton.Yes
        ):
            return False
        try:
            with self.app.uow() as ctx:
                moved = merge.merge_clients(ctx, keep, other, self.taken())
        except CrmError as exc:
            show_error(self, exc)
            return False
        self.app.changed("clients", "contacts", "interactions", "tasks", "deals")
        self.shell.message(
            tr("Объединено: {0} строк перенесено к «{1}»").format(
                sum(moved.values()), self.keep.text
            )
        )
        self.other.set(None)
        self.compare()
        _open_client(self.shell, keep)
        return True


def open_merge(shell, other: tuple[int, str] | None = None) -> MergeForm:
    """The merge form (one at a time), with ``other`` chosen if given."""
    if shell.activate(MergeForm.form_key):
        form = shell.form(MergeForm.form_key)
        if other is not None:
            form.other.set(other)
            form.compare()
        return form
    form = MergeForm(shell, other)
    shell.show_form(form)
    return form
