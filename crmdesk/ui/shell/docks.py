"""Dockable panels: the client's quick card, today's tasks, the phone panel (caller ID)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.errors import CrmError
from crmdesk.services.money import format_money
from crmdesk.services.phones import format_phone
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr, tr_error


def client_card_html(ctx, client_id: int) -> str:
    """The short card of a client: requisites, phones, balance, last contacts, open tasks."""
    from crmdesk.models.crm import INTERACTION_KINDS
    from crmdesk.services import clients, documents, interactions, tasks

    c = clients.get_client(ctx, client_id)
    balance = documents.client_balance(ctx, c.id)
    rows = [f"<h3>{escape(c.name)}</h3>"]
    if c.inn:
        rows.append(
            tr("ИНН {0}").format(escape(c.inn))
            + (tr(" / КПП {0}").format(escape(c.kpp)) if c.kpp else "")
        )
    for p in c.phones:
        rows.append(f"☎ {escape(format_phone(p.e164, p.ext))}")
    for e in c.emails:
        rows.append(f"✉ {escape(e.email)}")
    if c.owner:
        rows.append(tr("Менеджер: {0}").format(escape(c.owner.full_name)))
    if c.groups:
        rows.append(tr("Группы: {0}").format(escape(", ".join(g.name for g in c.groups))))
    if balance > 0:
        rows.append(f"<b style='color:#c62828'>{tr('Долг')}: {format_money(balance)}</b>")
    elif balance < 0:
        rows.append(f"<b>{tr('Аванс')}: {format_money(-balance)}</b>")
    history = interactions.client_history(ctx, c.id, limit=5)
    if history:
        rows.append(f"<br><b>{tr('Последние контакты')}</b>")
        for i in history:
            kind = tr(INTERACTION_KINDS.get(i.kind, i.kind))
            rows.append(
                f"{i.occurred_at.astimezone():%d.%m.%Y} {escape(kind)}: {escape(i.gist[:80])}"
            )
    open_tasks = tasks.list_tasks(ctx, only_open=True, limit=5, client_id=c.id)
    if open_tasks:
        rows.append(f"<br><b>{tr('Открытые задачи')}</b>")
        for t in open_tasks:
            style = " style='color:#c62828'" if t.is_overdue() else ""
            when = f"{t.deadline.astimezone():%d.%m.%Y}" if t.deadline else ""
            rows.append(f"<span{style}>{when} {escape(t.title)}</span>")
    return "<br>".join(rows)


class QuickCard(QWidget):
    """The client selected anywhere (a list row, an open card, a caller)."""

    def __init__(self, shell):
        super().__init__(shell)
        self.shell = shell
        self.client_id: int | None = None
        self.text = QTextBrowser(self)
        self.open_button = QPushButton(tr("Открыть карточку"), self)
        self.open_button.clicked.connect(self.open_client)
        self.open_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.text)
        layout.addWidget(self.open_button)
        self.text.setHtml(f"<i>{tr('Выберите клиента в списке')}</i>")
        self._reread = QTimer(self, singleShot=True, interval=0)  # one read per save
        self._reread.timeout.connect(self.refresh)
        shell.app.hub.changed.connect(lambda _name: self._reread.start())

    def refresh(self) -> None:
        """After every write (a call recorded, a payment, a task) the card is read again."""
        if self.client_id is not None:
            self.show_client(self.client_id, force=True)

    def show_client(self, client_id: int | None, force: bool = False) -> None:
        if client_id == self.client_id and not force:
            return
        self.client_id = client_id
        if client_id is None:
            self.text.clear()
            self.open_button.setEnabled(False)
            return
        try:
            with self.shell.app.uow(read_only=True) as ctx:
                self.text.setHtml(client_card_html(ctx, client_id))
        except CrmError as exc:
            self.text.setPlainText(tr_error(exc))
        self.open_button.setEnabled(True)

    def open_client(self) -> None:
        if self.client_id is not None:
            open_entity(self.shell, "client", self.client_id)


class TodayPanel(QWidget):
    """My open tasks due today or earlier; overdue in red; Enter opens one."""

    def __init__(self, shell):
        super().__init__(shell)
        self.shell = shell
        self.list = QListWidget(self)
        self.list.itemActivated.connect(self._open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list)
        shell.app.hub.changed.connect(lambda name: name == "tasks" and self.refresh())
        self.refresh()

    def refresh(self) -> None:
        from datetime import datetime, time, timedelta

        from crmdesk.services import tasks

        self.list.clear()
        end = datetime.combine(datetime.now().date() + timedelta(days=1), time()).astimezone()
        with self.shell.app.uow(read_only=True) as ctx:
            mine = tasks.list_tasks(
                ctx, only_open=True, limit=500, executor_id=ctx.user.id, due_before=end
            )
            for t in mine[:100]:
                when = f"{t.deadline.astimezone():%d.%m %H:%M} " if t.deadline else ""
                item = QListWidgetItem(when + t.title)
                item.setData(Qt.ItemDataRole.UserRole, t.id)
                if t.is_overdue():
                    item.setForeground(Qt.GlobalColor.red)
                    item.setToolTip(tr("Просрочена"))
                self.list.addItem(item)

    def _open(self, item: QListWidgetItem) -> None:
        open_entity(self.shell, "task", item.data(Qt.ItemDataRole.UserRole))


class PhonePanel(QWidget):
    """Type or paste a number in any format: the caller's card shows at once."""

    def __init__(self, shell):
        super().__init__(shell)
        self.shell = shell
        self.number = QLineEdit(self)
        self.number.setPlaceholderText(tr("Номер звонящего"))
        self.number.setClearButtonEnabled(True)
        self.result = QListWidget(self)
        self.result.itemActivated.connect(self._open)
        self.hint = QLabel(self)
        self.request_button = QPushButton(tr("Заявка"), self)  # a service request, caller filled
        self.request_button.setToolTip(tr("Зарегистрировать заявку от звонящего"))
        self.request_button.clicked.connect(self.create_request)
        from crmdesk.services import rights

        self.request_button.setVisible(shell.app.can(rights.INTERACTIONS))
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.lookup)
        self.number.textChanged.connect(lambda _t: self._timer.start())
        self.number.returnPressed.connect(self.lookup)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.number)
        layout.addWidget(self.hint)
        layout.addWidget(self.result)
        layout.addWidget(self.request_button)
        # the panel is never taller than its visible rows allow (buttons others add included)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMaximumSize)
        self._show_found(False)

    def _show_found(self, found: bool) -> None:
        """The found list only while there is something in it: with nothing found the panel
        is as short as its field and buttons, and the docks above take the height (no empty
        white box under «Телефон»)."""
        self.result.setVisible(found)
        self.hint.setVisible(bool(self.hint.text()))

    def lookup(self) -> list[int]:
        from crmdesk.services import search
        from crmdesk.services.settings import phone_region

        self._timer.stop()
        self.result.clear()
        text = self.number.text().strip()
        if sum(ch.isdigit() for ch in text) < 5:
            self.hint.setText("")
            self._show_found(False)
            return []
        try:
            with self.shell.app.uow(read_only=True) as ctx:
                found = search.by_phone(ctx.session, ctx.user, text, phone_region(ctx.session))
                rows = [(c.id, c.name, p.name if p else None, e) for c, p, e in found]
        except CrmError as exc:
            self.hint.setText(tr_error(exc))
            self._show_found(False)
            return []
        for cid, name, contact, e164 in rows:
            item = QListWidgetItem(name + (f" — {contact}" if contact else ""))
            item.setData(Qt.ItemDataRole.UserRole, cid)
            item.setData(Qt.ItemDataRole.UserRole + 1, contact)
            item.setToolTip(format_phone(e164))
            self.result.addItem(item)
        self.hint.setText(
            tr("Найдено: {0}").format(len(rows)) if rows else tr("Клиент с этим номером не найден")
        )
        self._show_found(bool(rows))
        if rows:
            self.shell.client_selected(rows[0][0])
        return [r[0] for r in rows]

    def _open(self, item: QListWidgetItem) -> None:
        open_entity(self.shell, "client", item.data(Qt.ItemDataRole.UserRole))

    def create_request(self) -> None:
        """«Заявка»: a new service request with the caller's client (the chosen or the first
        found), contact person as the applicant, and the number filled."""
        from crmdesk.ui.generic.base import guarded
        from crmdesk.ui.generic.registry import entity

        item = self.result.currentItem() or self.result.item(0)
        values = {"applicant_phone": self.number.text().strip() or None, "channel": "call"}
        if item is not None:
            values["client_id"] = item.data(Qt.ItemDataRole.UserRole)
            values["applicant_name"] = item.data(Qt.ItemDataRole.UserRole + 1)
        guarded(self.shell, lambda: entity("request").open(self.shell, None, values))
