"""A small generic kanban over a dynamic list: a column per value of one list filter (a status,
a stage), the first page of cards of each column fetched with ``services.lists`` (rights
applied), alert rows red; dragging a card to another column calls ``move`` — the rules
refuse what is not allowed, and the message says why. Double click opens the object.

    KanbanForm(shell, entity_name, column_key, {value: title}, move=fn(form, id, value),
               card=fn(values) -> str, banner=fn(ctx) -> str | None)
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from crmdesk.services import lists
from crmdesk.ui.generic.base import FormBase, guarded
from crmdesk.ui.generic.registry import entity, open_entity
from crmdesk.ui.i18n import tr

PAGE = 100  # cards per column; the count in the header is exact up to COUNT_CAP
COUNT_CAP = 5_000
ID_ROLE = Qt.ItemDataRole.UserRole


class _Column(QListWidget):
    def __init__(self, board: KanbanForm, value):
        super().__init__(board)
        self.board, self.value = board, value
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setWordWrap(True)
        self.setSpacing(3)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)  # cards wrap to the column's width
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemDoubleClicked.connect(
            lambda item: open_entity(board.shell, board.entity_name, item.data(ID_ROLE)))

    def dropEvent(self, event):  # noqa: N802 — Qt's name
        source = event.source()
        event.ignore()  # the rules move the card, then the board is read again
        if not isinstance(source, _Column) or source is self:
            return
        item = source.currentItem()
        if item is not None:
            self.board.move_card(item.data(ID_ROLE), self.value)


class KanbanForm(FormBase):
    def __init__(self, shell, entity_name: str, column_key: str, columns: dict,
                 move: Callable, card: Callable[[dict], str],
                 banner: Callable | None = None, title: str = ""):
        super().__init__(shell)
        self.entity_name, self.column_key, self.columns = entity_name, column_key, columns
        self.move, self.card, self.banner_text = move, card, banner
        self.spec = lists.spec(entity(entity_name).list_name)
        self.form_key = f"kanban:{self.spec.name}"
        self.setWindowTitle(tr(title or self.spec.title))
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("color: #8d3a00; font-weight: bold;")
        self.heads: dict = {}
        self.lists: dict = {}
        row = QHBoxLayout()
        for value, text in columns.items():
            box = QVBoxLayout()
            self.heads[value] = QLabel(tr(text), self)
            self.heads[value].setStyleSheet("font-weight: bold;")
            self.lists[value] = _Column(self, value)
            box.addWidget(self.heads[value])
            box.addWidget(self.lists[value], 1)
            row.addLayout(box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(row, 1)
        self.app.hub.changed.connect(self._on_changed)
        self.refresh()

    def _on_changed(self, name: str) -> None:
        if name == self.spec.name:
            self.refresh()

    def refresh(self) -> None:
        keys = [c.key for c in self.spec.columns]
        with self.app.uow(read_only=True) as ctx:
            text = self.banner_text(ctx) if self.banner_text else None
            for value, title in self.columns.items():
                state = lists.ListState(fixed={self.column_key: value}, show_marked=False)
                total = lists.count(ctx, self.spec, state, cap=COUNT_CAP)
                rows = lists.fetch(ctx, self.spec, state, 0, PAGE, total=total,
                                   exact=total <= COUNT_CAP)
                shown = f"{total:,}".replace(",", " ") + ("+" if total > COUNT_CAP else "")
                self.heads[value].setText(f"{tr(title)} ({shown})")
                column = self.lists[value]
                column.clear()
                for r in rows:
                    item = QListWidgetItem(self.card(dict(zip(keys, r.values, strict=True))))
                    item.setData(ID_ROLE, r.id)
                    if r.alert:
                        item.setForeground(QBrush(QColor("#c62828")))
                    column.addItem(item)
        self.banner.setText(text or "")
        self.banner.setVisible(bool(text))

    def move_card(self, row_id: int, value) -> None:
        if guarded(self, self.move, self, row_id, value):
            self.app.changed(self.spec.name)  # the board (and the open lists) read again
