"""Forms that are not a list or an object: start page, search results, purge; the others
(deal board, reports, import, backup) come from the registry's special forms."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
)

from crmdesk.services.errors import CrmError
from crmdesk.services.lists import Filter, ListState
from crmdesk.ui.generic.base import FormBase, show_error
from crmdesk.ui.generic.listform import ListForm
from crmdesk.ui.generic.registry import entity, open_entity, special
from crmdesk.ui.i18n import tr, tr_error
from crmdesk.ui.icons import icon


class StartPage(FormBase):
    """Today's work: my open tasks (overdue red) and the invoices waiting for money."""

    form_key = "start:start"

    def __init__(self, shell):
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
        self.monitor = self._monitor()  # «Монитор руководителя»: for those with the right
        if self.monitor is not None:
            layout.addWidget(self.monitor)
        QTimer.singleShot(0, self._date_rules)
        layout.addWidget(QLabel(f"<b>{tr('Мои задачи')}</b>"))
        layout.addWidget(self.tasks, 1)
        layout.addWidget(QLabel(f"<b>{tr('Неоплаченные счета')}</b>"))
        layout.addWidget(self.invoices, 1)


    def _date_rules(self) -> None:
        """The deals' date rules (contract ends, no activity) once a day, as the start page
        opens; what they did is said in the status bar."""
        from crmdesk.services.pipeline import check_rules_daily

        try:
            with self.app.uow() as ctx:
                runs = check_rules_daily(ctx)
        except CrmError as exc:
            self.shell.message(tr_error(exc))
            return
        if runs:
            self.app.changed("deals", "tasks")
            self.shell.message(tr("Правила сделок: выполнено действий — {0}").format(len(runs)))

    def _monitor(self):
        from crmdesk.ui.generic.registry import FormNotFound

        try:
            return special("monitor")(self.shell, self)
        except FormNotFound:
            return None


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
        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            open_entity(self.shell, data[0], data[1])


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
    """Open a special form (or run a special dialog); an open one is activated instead."""
    key = f"{kind}:{target}"
    if kind in ("start", "kanban", "report", "search") and shell.activate(key):
        return shell.form(key)
    if kind == "start":
        form = StartPage(shell)
    elif kind == "search":
        form = SearchResults(shell, target)
    elif kind == "purge":
        return purge(shell)
    else:
        form = special(kind)(shell, target)
        if not isinstance(form, FormBase):  # a dialog that has done its work
            return form
    shell.show_form(form)
    return form
