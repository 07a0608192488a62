"""Forms that are not a list or an object: start page, deal board, search results, purge."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
)

from crmdesk.services.errors import CrmError
from crmdesk.services.lists import Filter, ListState
from crmdesk.services.money import format_money
from crmdesk.ui.generic.base import FormBase, show_error
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon


class StartPage(FormBase):
    """Today's work: my open tasks (overdue red) and the invoices waiting for money."""

    form_key = "start:start"

    def __init__(self, shell):
        from crmdesk.ui.forms import entity
        from crmdesk.ui.generic.listform import ListForm

        super().__init__(shell)
        self.setWindowTitle(tr("Начальная страница"))
        self.setWindowIcon(icon("home"))
        hello = QLabel(tr("Добрый день, {0}!").format(self.app.full_name))
        hello.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.tasks = ListForm(
            shell,
            entity("task"),
            ListState(fixed={"executor_id": self.app.user_id, "status": "open"}),
            parent=self,
        )
        self.invoices = ListForm(
            shell,
            entity("invoice"),
            ListState(filters=[Filter("owed", ">", "0")], show_marked=False),
            parent=self,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(hello)
        layout.addWidget(QLabel(f"<b>{tr('Мои задачи')}</b>"))
        layout.addWidget(self.tasks, 1)
        layout.addWidget(QLabel(f"<b>{tr('Неоплаченные счета')}</b>"))
        layout.addWidget(self.invoices, 1)


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
        from crmdesk.ui.forms import entity

        entity("deal").open(self.board.shell, item.data(Qt.ItemDataRole.UserRole), None)


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
        from crmdesk.ui.forms.planning import stage_columns

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
        self.app.hub.changed.connect(lambda n: n == "deals" and self.refresh())
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

        try:
            with self.app.uow() as ctx:
                stage = ctx.session.get(Stage, stage_id)
                reason = None
                if stage.is_refusal:
                    from PySide6.QtWidgets import QInputDialog

                    reason, ok = QInputDialog.getText(self, tr("Отказ"), tr("Причина отказа:"))
                    if not ok:
                        return False
                deals.move_deal(ctx, deal_id, stage.code, reason=reason)
        except CrmError as exc:
            show_error(self, exc)
            return False
        self.app.changed("deals")
        return True


class SearchResults(FormBase):
    """Global search: clients by name, phone, INN, e-mail and documents by number."""

    def __init__(self, shell, text: str):
        super().__init__(shell)
        self.form_key = f"search:{text}"
        self.setWindowTitle(tr("Поиск: {0}").format(text))
        self.setWindowIcon(icon("search"))
        self.list = QListWidget(self)
        self.list.itemActivated.connect(self._open)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        self.run(text)

    def run(self, text: str) -> None:
        from sqlalchemy import select

        from crmdesk.models import Client, Document
        from crmdesk.services import rights, search
        from crmdesk.services.documents import document_row

        with self.app.uow() as ctx:
            for c in search.find_clients(ctx.session, ctx.user, text, limit=50):
                self._add("client", c.id, f"{tr('Клиент')}: {c.name}", "client")
            docs = ctx.session.scalars(
                select(Document)
                .join(Client)
                .where(
                    Document.number.like(f"%{search.escape_like(text.upper())}%", escape="\\"),
                    rights.client_filter(ctx.user),
                )
                .limit(50)
            )
            for d in docs:
                row = document_row(d)
                self._add(d.doc_type, d.id, f"{d.title} — {row['client']}", d.doc_type)
        if not self.list.count():
            self.list.addItem(tr("Ничего не найдено"))

    def _add(self, kind: str, obj_id: int, text: str, icon_name: str) -> None:
        item = QListWidgetItem(icon(icon_name), text)
        item.setData(Qt.ItemDataRole.UserRole, (kind, obj_id))
        self.list.addItem(item)

    def _open(self, item) -> None:
        from crmdesk.ui.forms import entity

        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            entity(data[0]).open(self.shell, data[1], None)


def purge(shell) -> None:
    from crmdesk.services.purge import purge_marked

    answer = QMessageBox.question(
        shell,
        tr("Удаление помеченных объектов"),
        tr("Удалить все помеченные на удаление объекты, на которые нет ссылок?"),
    )
    if answer != QMessageBox.StandardButton.Yes:
        return
    try:
        with shell.app.uow() as ctx:
            result = purge_marked(ctx)
    except CrmError as exc:
        show_error(shell, exc)
        return
    text = tr("Удалено: {0}").format(len(result.deleted))
    if result.refused:
        text += (
            "\n"
            + tr("Не удалены (на них есть ссылки):")
            + "\n"
            + "\n".join(f"• {k}" for k in result.refused[:30])
        )
    QMessageBox.information(shell, tr("Удаление помеченных объектов"), text)
    for name in ("clients", "products", "proposals", "orders", "invoices", "payments", "tasks"):
        shell.app.changed(name)


def open_special(shell, kind: str, target: str):
    if kind == "start":
        form = StartPage(shell)
    elif kind == "kanban":
        form = KanbanBoard(shell)
    elif kind == "search":
        form = SearchResults(shell, target)
    elif kind == "report":
        from crmdesk.ui.forms.reports import ReportForm

        form = ReportForm(shell, target)
    elif kind == "import":
        from crmdesk.ui.forms.transfer import run_import_wizard

        return run_import_wizard(shell)
    elif kind == "backup":
        from crmdesk.ui.forms.transfer import run_backup

        return run_backup(shell)
    elif kind == "purge":
        return purge(shell)
    else:
        raise KeyError(kind)
    if shell.activate(form.form_key):
        form.deleteLater()
        return shell.form(form.form_key)
    shell.show_form(form)
    return form
