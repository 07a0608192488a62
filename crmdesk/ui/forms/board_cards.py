"""The board's cards and columns: a delegate that paints a card (only for the rows on
screen) and a column that pages as it scrolls, lights up while a card is dragged and hands a
drop to the board, which moves the deal through the rules and rebuilds from the database."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyledItemDelegate,
)

from crmdesk.services.money import format_money
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr

CARD = Qt.ItemDataRole.UserRole + 1
COLUMN_WIDTH = 250
CARD_HEIGHT = 98


class CardDelegate(QStyledItemDelegate):
    """Paints one card: only the rows Qt asks for — those on screen."""

    def __init__(self, column):
        super().__init__(column)
        self.column = column

    def sizeHint(self, option, index):  # noqa: N802
        return QSize(COLUMN_WIDTH - 24, CARD_HEIGHT)

    def paint(self, painter: QPainter, option, index):
        card = index.data(CARD)
        if not card:
            return super().paint(painter, option, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = option.rect.adjusted(3, 3, -3, -3)
        selected = bool(option.state & option.state.State_Selected)
        painter.setPen(QPen(QColor("#3d7edb") if selected else QColor("#c8c8c8")))
        painter.setBrush(QBrush(QColor("#ffffff")))
        painter.drawRoundedRect(r, 5, 5)
        painter.fillRect(QRect(r.left(), r.top() + 1, 5, r.height() - 1),
                         QColor(self.column.color))
        x, w = r.left() + 11, r.width() - 16
        line = painter.fontMetrics().height() + 1
        y = r.top() + 4
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#202020"))
        elide = painter.fontMetrics().elidedText
        painter.drawText(QRect(x, y, w, line), Qt.AlignmentFlag.AlignLeft,
                         elide(card["client"], Qt.TextElideMode.ElideRight, w))
        painter.setFont(option.font)
        fm = painter.fontMetrics()
        y += line
        painter.drawText(QRect(x, y, w, line), Qt.AlignmentFlag.AlignLeft,
                         fm.elidedText(card["title"], Qt.TextElideMode.ElideRight, w))
        y += line
        painter.setFont(bold)
        painter.drawText(QRect(x, y, w, line), Qt.AlignmentFlag.AlignLeft,
                         format_money(card["amount"]))
        painter.setFont(option.font)
        painter.setPen(QColor("#606060"))
        days = tr("{0} дн. на этапе").format(card["days"])
        painter.drawText(QRect(x, y, w, line), Qt.AlignmentFlag.AlignRight, days)
        y += line
        painter.drawText(QRect(x, y, w, line), Qt.AlignmentFlag.AlignLeft,
                         fm.elidedText(card["manager"], Qt.TextElideMode.ElideRight, w))
        y += line
        if card["task"]:
            when = card["task_deadline"]
            text = (f"{when.astimezone():%d.%m} " if when else "") + card["task"]
            painter.setPen(QColor("#c62828") if card["task_overdue"] else QColor("#2e7d32"))
            painter.drawText(QRect(x, y, w, line), Qt.AlignmentFlag.AlignLeft,
                             fm.elidedText("▸ " + text, Qt.TextElideMode.ElideRight, w))
        else:
            painter.setPen(QColor("#9e9e9e"))
            painter.drawText(QRect(x, y, w, line), Qt.AlignmentFlag.AlignLeft,
                             tr("нет задачи"))
        painter.restore()


class KanbanColumn(QListWidget):
    """One stage of the board; dropping a deal here moves it along an allowed edge."""

    def __init__(self, board, stage: dict):
        super().__init__(board)
        self.board, self.stage_id, self.code = board, stage["id"], stage["code"]
        self.color = stage["color"] or "#d0d0d0"
        self.total = 0
        self.setItemDelegate(CardDelegate(self))
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setUniformItemSizes(True)
        self.setSpacing(1)
        self.setFixedWidth(COLUMN_WIDTH)
        self.itemActivated.connect(self._open)
        self.verticalScrollBar().valueChanged.connect(self._maybe_more)
        self.base_style = "QListWidget { background: #f4f5f7; border: 1px solid #dcdcdc; }"
        self.setStyleSheet(self.base_style)

    def fill(self, cards: list[dict], total: int) -> None:
        self.clear()
        self.total = total
        self.add(cards)

    def add(self, cards: list[dict]) -> None:
        for card in cards:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, card["id"])
            item.setData(CARD, card)
            item.setToolTip(f"{card['title']}\n{card['client']}")
            self.addItem(item)

    def _maybe_more(self, value: int) -> None:
        bar = self.verticalScrollBar()
        if value >= bar.maximum() - CARD_HEIGHT and self.count() < self.total:
            self.board.more(self)

    def startDrag(self, actions):  # noqa: N802
        item = self.currentItem()
        if item is not None:
            self.board.dragging(item.data(Qt.ItemDataRole.UserRole), self.stage_id)
        try:
            super().startDrag(actions)
        finally:
            self.board.dragging(None, None)

    def dragEnterEvent(self, event):  # noqa: N802
        if isinstance(event.source(), KanbanColumn):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):  # noqa: N802
        if isinstance(event.source(), KanbanColumn) and event.source() is not self:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event):  # noqa: N802
        source = event.source()
        event.ignore()  # the board is rebuilt from the database, not moved by Qt
        if not isinstance(source, KanbanColumn) or source is self:
            return
        item = source.currentItem()
        if item is not None:
            deal_id = item.data(Qt.ItemDataRole.UserRole)
            QTimer.singleShot(0, lambda: self.board.move(deal_id, self.stage_id))

    def highlight(self, state: str | None) -> None:
        """allowed: a green frame; forbidden: greyed; None: as usual."""
        if state == "allowed":
            self.setStyleSheet("QListWidget { background: #eaf6ea; border: 2px solid #43a047; }")
        elif state == "forbidden":
            self.setStyleSheet("QListWidget { background: #e0e0e0; border: 1px solid #dcdcdc; }")
        else:
            self.setStyleSheet(self.base_style)
        self.highlighted = state

    def _open(self, item):
        open_entity(self.board.shell, "deal", item.data(Qt.ItemDataRole.UserRole))
