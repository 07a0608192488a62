"""A small generic kanban over a dynamic list: a column per value of one list filter (a status,
a stage), the cards of each column fetched a page at a time with ``services.lists`` (rights
applied; «Ещё…» at the bottom of a column, or scrolling to it, brings the next page; the
header's count is the column's whole count), alert rows red, warn rows amber; dragging
a card to another column calls ``move`` — the rules refuse what is not allowed, and the
message says why. Double click opens the object.

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
MORE_ROLE = Qt.ItemDataRole.UserRole + 1  # the «Ещё…» item at the bottom of a column


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
        self.total = 0  # the column's cards in the database (the header's count)
        self.itemDoubleClicked.connect(self._open)
        self.itemClicked.connect(lambda item: item.data(MORE_ROLE) and board.more(value))
        self.verticalScrollBar().valueChanged.connect(self._scrolled)

    def cards(self) -> int:
        return self.count() - (1 if self.more_item() is not None else 0)

    def more_item(self) -> QListWidgetItem | None:
        last = self.item(self.count() - 1) if self.count() else None
        return last if last is not None and last.data(MORE_ROLE) else None

    def _open(self, item: QListWidgetItem) -> None:
        if not item.data(MORE_ROLE):  # «Ещё…» answers the click already
            open_entity(self.board.shell, self.board.entity_name, item.data(ID_ROLE))

    def _scrolled(self, position: int) -> None:
        bar = self.verticalScrollBar()
        if position and position >= bar.maximum() and self.more_item() is not None:
            self.board.more(self.value)

    def dropEvent(self, event):  # noqa: N802 — Qt's name
        source = event.source()
        event.ignore()  # the rules move the card, then the board is read again
        if not isinstance(source, _Column) or source is self:
            return
        item = source.currentItem()
        if item is not None and not item.data(MORE_ROLE):
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
                column = self.lists[value]
                had = max(PAGE, column.cards())  # the pages a reader has brought stay
                state = self._state(value)
                total = column.total = lists.count(ctx, self.spec, state, cap=COUNT_CAP)
                rows = lists.fetch(ctx, self.spec, state, 0, had, total=total,
                                   exact=total <= COUNT_CAP)
                shown = f"{total:,}".replace(",", " ") + ("+" if total > COUNT_CAP else "")
                self.heads[value].setText(f"{tr(title)} ({shown})")
                column.clear()
                self._add_cards(column, rows, keys)
        self.banner.setText(text or "")
        self.banner.setVisible(bool(text))

    def _state(self, value) -> lists.ListState:
        return lists.ListState(fixed={self.column_key: value}, show_marked=False)

    def _add_cards(self, column: _Column, rows: list, keys: list) -> None:
        more = column.more_item()
        if more is not None:
            column.takeItem(column.count() - 1)
        for r in rows:
            item = QListWidgetItem(self.card(dict(zip(keys, r.values, strict=True))))
            item.setData(ID_ROLE, r.id)
            if r.alert:
                item.setForeground(QBrush(QColor("#c62828")))
            elif r.warn:
                item.setForeground(QBrush(QColor("#b26a00")))
            column.addItem(item)
        if column.cards() < column.total:
            more = QListWidgetItem(tr("Ещё…"))
            more.setData(MORE_ROLE, True)
            more.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            more.setFlags(Qt.ItemFlag.ItemIsEnabled)
            column.addItem(more)

    def more(self, value) -> int:
        """The next page of a column's cards (the «Ещё…» item, or scrolling to it)."""
        column = self.lists[value]
        if column.more_item() is None:
            return 0
        keys = [c.key for c in self.spec.columns]
        with self.app.uow(read_only=True) as ctx:
            rows = lists.fetch(ctx, self.spec, self._state(value), column.cards(), PAGE,
                               total=column.total, exact=column.total <= COUNT_CAP)
        self._add_cards(column, rows, keys)
        return len(rows)

    def move_card(self, row_id: int, value) -> None:
        if guarded(self, self.move, self, row_id, value):
            self.app.changed(self.spec.name)  # the board (and the open lists) read again
