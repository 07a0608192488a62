"""«Структура подчинённости»: the documents created on the basis of each other, as a tree;
Enter or a double click opens one. The tree comes from services.subordination."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTreeWidget, QTreeWidgetItem, QVBoxLayout

from crmdesk.services.subordination import structure
from crmdesk.ui.generic.base import show_error
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon


class StructureDialog(QDialog):
    def __init__(self, shell, doc_id: int, parent=None):
        super().__init__(parent)
        self.shell = shell
        self.setWindowTitle(tr("Структура подчинённости"))
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([tr("Документ"), tr("Состояние")])
        self.tree.itemActivated.connect(self._open)
        with shell.app.uow() as ctx:
            self.rows = structure(ctx, doc_id)
        parents: list[QTreeWidgetItem] = []
        for node in self.rows:
            parents = parents[: node.depth]
            item = QTreeWidgetItem(parents[-1] if parents else self.tree)
            item.setText(0, node.title)
            item.setIcon(0, icon(node.doc_type))
            state = tr("Помечен на удаление") if node.marked else (
                tr("Проведён") if node.posted else tr("Не проведён"))
            item.setText(1, state)
            item.setData(0, Qt.ItemDataRole.UserRole, (node.doc_type, node.id))
            if node.current:  # where the user came from, in bold and selected
                font = QFont()
                font.setBold(True)
                item.setFont(0, font)
                self.tree.setCurrentItem(item)
            parents.append(item)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(620, 320)

    def _open(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        doc_type, doc_id = item.data(0, Qt.ItemDataRole.UserRole)
        self.accept()
        open_entity(self.shell, doc_type, doc_id)


def show_structure(form) -> StructureDialog | None:
    """The form's document must be written first (a new one has no place in the tree)."""
    if form.obj_id is None:
        form.shell.message(tr("Документ ещё не записан: структуры подчинённости у него нет."))
        return None
    try:
        dialog = StructureDialog(form.shell, form.obj_id, form)
    except Exception as exc:  # noqa: BLE001 — a refusal or an unexpected error: a message
        show_error(form, exc)
        return None
    dialog.open()
    return dialog
