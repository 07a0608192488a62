"""«Воронка сделок»: the deals of the default process by stage; drag a card to move a deal."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from crmdesk.services.errors import CrmError
from crmdesk.services.money import format_money
from crmdesk.ui.forms import register_special
from crmdesk.ui.forms.planning import stage_columns
from crmdesk.ui.generic.base import FormBase, show_error
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon


class KanbanColumn(QListWidget):
    """One stage of the board; dropping a deal here moves it along an allowed edge."""

    def __init__(self, board, stage_id: int):
        super().__init__(board)
        self.board, self.stage_id = board, stage_id
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setWordWrap(True)
        self.setSpacing(2)
        self.itemActivated.connect(self._open)

    def dropEvent(self, event):  # noqa: N802
        source = event.source()
        if not isinstance(source, KanbanColumn) or source is self:
            event.ignore()
            return
        item = source.currentItem()
        event.ignore()  # the board is rebuilt from the database, not moved by Qt
        if item is not None:
            self.board.move(item.data(Qt.ItemDataRole.UserRole), self.stage_id)

    def _open(self, item):
        open_entity(self.board.shell, "deal", item.data(Qt.ItemDataRole.UserRole))


class KanbanBoard(FormBase):
    """Deals of the default process by stage; drag a card to move the deal."""

    form_key = "kanban:deals"
    PER_STAGE = 100

    def __init__(self, shell):
        super().__init__(shell)
        self.setWindowTitle(tr("Воронка сделок"))
        self.setWindowIcon(icon("kanban"))
        self.columns: dict[int, KanbanColumn] = {}
        self.titles: dict[int, QLabel] = {}
        row = QHBoxLayout(self)
        with self.app.uow() as ctx:
            stages = stage_columns(ctx)
        for stage_id, name in stages:
            box = QVBoxLayout()
            title = QLabel(tr(name))
            title.setStyleSheet("font-weight: bold;")
            column = KanbanColumn(self, stage_id)
            column.setMinimumWidth(150)
            box.addWidget(title)
            box.addWidget(column, 1)
            row.addLayout(box)
            self.columns[stage_id], self.titles[stage_id] = column, title
            title.setProperty("stage_name", name)
        self.app.hub.changed.connect(self._on_changed)  # a method: dropped with the board
        self.refresh()

    def _on_changed(self, name: str) -> None:
        if name in ("deals", "clients"):
            self.refresh()

    def refresh(self) -> None:
        from sqlalchemy import func, select

        from crmdesk.models import Client, Deal
        from crmdesk.services import rights

        with self.app.uow() as ctx:
            vis = rights.client_filter(ctx.user)
            for stage_id, column in self.columns.items():
                column.clear()
                base = select(Deal, Client.name).join(Client).where(Deal.stage_id == stage_id, vis)
                total = ctx.session.scalar(
                    select(func.count())
                    .select_from(Deal)
                    .join(Client)
                    .where(Deal.stage_id == stage_id, vis)
                )
                for deal, client in ctx.session.execute(
                    base.order_by(Deal.created_at.desc()).limit(self.PER_STAGE)
                ):
                    item = QListWidgetItem(f"{deal.title}\n{client}\n{format_money(deal.amount)}")
                    item.setData(Qt.ItemDataRole.UserRole, deal.id)
                    column.addItem(item)
                name = self.titles[stage_id].property("stage_name")
                self.titles[stage_id].setText(f"{tr(name)} ({total})")

    def move(self, deal_id: int, stage_id: int) -> bool:
        from crmdesk.models import Stage
        from crmdesk.services import deals

        with self.app.uow(read_only=True) as ctx:
            stage = ctx.session.get(Stage, stage_id)
            code, refusal = stage.code, stage.is_refusal
        reason = None
        if refusal:  # asked before the unit of work: no transaction waits on a dialog
            from PySide6.QtWidgets import QInputDialog

            reason, ok = QInputDialog.getText(self, tr("Отказ"), tr("Причина отказа:"))
            if not ok:
                return False
        try:
            with self.app.uow() as ctx:
                deals.move_deal(ctx, deal_id, code, reason=reason)
        except CrmError as exc:
            show_error(self, exc)
            return False
        self.app.changed("deals")
        return True


register_special("kanban", lambda shell, _target: KanbanBoard(shell))
