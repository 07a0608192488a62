"""The reminders window (as in 1C): the due reminders with client and deadline; open a task,
postpone its reminder (15 minutes, an hour, till tomorrow) or mark it done."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from crmdesk.services import tasks
from crmdesk.ui.generic.base import guarded
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon

COLUMNS = ("Напоминание", "Задача", "Клиент", "Срок")

# Checks that make reminders (tasks with remind_at) from the data: fn(ctx) — a meter's
# verification, say. The reminder timer runs them at most once per PERIODIC_EVERY on a
# desk; each makes a reminder once, whichever desk runs it first.
PERIODIC: list[Callable] = []
PERIODIC_EVERY = timedelta(hours=1)


def run_periodic(window, now: datetime | None = None) -> int:
    """Run the PERIODIC checks unless this window ran them less than PERIODIC_EVERY ago;
    a failure is logged, never shown (the timer must not pop up errors)."""
    from crmdesk.services.errors import CrmError

    now = now or datetime.now().astimezone()
    last = getattr(window, "_periodic_at", None)
    if last is not None and now - last < PERIODIC_EVERY:
        return 0
    window._periodic_at = now
    ran = 0
    for check in PERIODIC:
        try:
            with window.app.uow() as ctx:
                check(ctx)
            ran += 1
        except CrmError as exc:
            logging.getLogger(__name__).warning("reminder check %s: %s", check.__name__, exc)
    return ran


@dataclass(frozen=True)
class Reminder:
    task_id: int
    title: str
    client: str
    deadline: datetime | None
    remind_at: datetime
    overdue: bool


def due(app) -> list[Reminder]:
    """The signed-in user's reminders whose time has come."""
    with app.uow(read_only=True) as ctx:
        return [
            Reminder(
                t.id,
                t.title,
                t.client.name if t.client else "",
                t.deadline,
                t.remind_at,
                t.is_overdue(),
            )
            for t in tasks.due_reminders(ctx)
        ]


def _when(value: datetime | None) -> str:
    return f"{value.astimezone():%d.%m.%Y %H:%M}" if value else ""


class RemindersWindow(QDialog):
    """Non-modal; stays on top of the main window until closed or emptied."""

    def __init__(self, shell):
        super().__init__(shell)
        self.shell, self.app = shell, shell.app
        self.rows: list[Reminder] = []
        self.setWindowTitle(tr("Напоминания"))
        self.setWindowIcon(icon("reminder"))
        self.setModal(False)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _i: self.open_task())
        self.count = QLabel(self)
        self.open_button = QPushButton(icon("edit"), tr("Открыть"), self)
        self.open_button.clicked.connect(self.open_task)
        self.postpone_choice = QComboBox(self)
        for code, text in tasks.POSTPONE.items():
            self.postpone_choice.addItem(tr(text), code)
        self.postpone_button = QPushButton(icon("reminder"), tr("Отложить"), self)
        self.postpone_button.clicked.connect(lambda: self.postpone())
        self.done_button = QPushButton(icon("posted"), tr("Выполнено"), self)
        self.done_button.clicked.connect(self.complete)
        close = QPushButton(tr("Закрыть"), self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for w in (self.open_button, self.postpone_button, self.postpone_choice, self.done_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, self.open_task)
        self.resize(760, 300)

    # --- content ---
    def set_rows(self, rows: list[Reminder]) -> None:
        keep = {self.rows[i].task_id for i in self._selected_rows()}
        self.rows = list(rows)
        self.table.setRowCount(len(rows))
        for r, rem in enumerate(rows):
            cells = (_when(rem.remind_at), rem.title, rem.client, _when(rem.deadline))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setIcon(icon("task_overdue" if rem.overdue else "task"))
                if c == 3 and rem.overdue:
                    item.setForeground(Qt.GlobalColor.red)
                    item.setToolTip(tr("Просрочена"))
                self.table.setItem(r, c, item)
        self.count.setText(tr("Напоминаний: {0}").format(len(rows)))
        chosen = [r for r, rem in enumerate(rows) if rem.task_id in keep] or ([0] if rows else [])
        self.table.clearSelection()
        for r in chosen:
            self.table.selectRow(r)
        if chosen:
            self.table.setCurrentCell(chosen[0], 1)
        for w in (self.open_button, self.postpone_button, self.done_button):
            w.setEnabled(bool(rows))

    def refresh(self) -> None:
        self.set_rows(due(self.app))
        if not self.rows:
            self.close()

    def _selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and 0 <= self.table.currentRow() < len(self.rows):
            rows = [self.table.currentRow()]
        return [r for r in rows if r < len(self.rows)]

    def selected(self) -> list[Reminder]:
        return [self.rows[r] for r in self._selected_rows()]

    # --- commands ---
    def open_task(self) -> None:
        for rem in self.selected()[:1]:
            open_entity(self.shell, "task", rem.task_id)

    def postpone(self, choice: str | None = None) -> None:
        choice = choice or self.postpone_choice.currentData()
        chosen = self.selected()
        if not chosen:
            return

        def run():
            with self.app.uow() as ctx:
                for rem in chosen:
                    tasks.postpone_reminder(ctx, rem.task_id, choice)

        guarded(self, run)
        self.app.changed("tasks")
        self.refresh()

    def complete(self) -> None:
        chosen = self.selected()
        if not chosen:
            return

        def run():
            with self.app.uow() as ctx:
                for rem in chosen:
                    tasks.complete_task(ctx, rem.task_id)

        guarded(self, run)
        self.app.changed("tasks")
        self.refresh()
