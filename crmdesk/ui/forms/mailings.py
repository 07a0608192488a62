"""Mailings in the desktop: the segment, channel and template, a preview per recipient, then
sending in the background with a progress bar and «Прервать»; the results are a list that
saves as XLSX. Opened from «CRM → Рассылки»; an interrupted mailing continues from its form."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from crmdesk.models.comms import CHANNELS, Mailing
from crmdesk.services import (
    commlists,  # noqa: F401 — adds the mailings lists to lists.SPECS
    mailings,
    rights,
    templates,
)
from crmdesk.ui.forms.mail import with_secret
from crmdesk.ui.generic.base import Entity, FormBase, error_text
from crmdesk.ui.generic.registry import register
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon
from crmdesk.ui.shell.sections import Item, add_items

PREVIEW_ROWS = 200  # the preview shows the first rows; the saved report has every one


class _Worker(QObject):
    progress = Signal(int, int)
    finished = Signal(object)  # counts, or the error text

    def __init__(self, engine, login, mailing_id, stop):
        super().__init__()
        self.engine, self.login, self.mailing_id, self.stop = engine, login, mailing_id, stop

    def run(self):
        try:
            counts = mailings.run_mailing(self.engine, self.mailing_id, self.login,
                                          self.progress.emit, self.stop)
        except Exception as exc:  # noqa: BLE001 — reported in the form, never a traceback
            self.finished.emit(error_text(exc))
            return
        self.finished.emit(counts)


class MailingForm(FormBase):
    """A mailing: made from a segment, previewed, sent in the background, reported."""

    def __init__(self, shell, mailing_id: int | None = None, initial=None, parent=None):
        super().__init__(shell, parent)
        self.mailing_id = mailing_id
        self.form_key = f"mailing:{mailing_id}" if mailing_id else ""
        self.setWindowTitle(tr("Рассылка"))
        self.setWindowIcon(icon("mail"))
        self.thread: QThread | None = None
        self.stop = threading.Event()
        self.channel = QComboBox(self)
        for code, title in CHANNELS.items():
            self.channel.addItem(tr(title), code)
        self.template = QComboBox(self)
        self.groups = QLineEdit(self)
        self.groups.setPlaceholderText(tr("через запятую; пусто — все"))
        self.manager = QLineEdit(self)
        self.manager.setPlaceholderText(tr("имя входа"))
        self.status = QLineEdit(self)
        self.source = QLineEdit(self)
        self.products = QLineEdit(self)
        self.products.setPlaceholderText(tr("через запятую: интересовались или покупали"))
        self.overdue = QSpinBox(self)
        self.overdue.setRange(-1, 3650)
        self.overdue.setSpecialValueText(tr("не важно"))
        self.overdue.setValue(-1)
        self.no_contact = QSpinBox(self)
        self.no_contact.setRange(-1, 3650)
        self.no_contact.setSpecialValueText(tr("не важно"))
        self.no_contact.setValue(-1)
        self.birthdays = QCheckBox(tr("дни рождения контактных лиц на этой неделе"), self)
        form = QFormLayout()
        form.addRow(tr("Канал:"), self.channel)
        form.addRow(tr("Шаблон:"), self.template)
        form.addRow(tr("Группы клиентов:"), self.groups)
        form.addRow(tr("Менеджер:"), self.manager)
        form.addRow(tr("Статус клиента:"), self.status)
        form.addRow(tr("Источник:"), self.source)
        form.addRow(tr("Интересующие товары:"), self.products)
        form.addRow(tr("Просрочка долга больше, дней:"), self.overdue)
        form.addRow(tr("Нет контакта, дней:"), self.no_contact)
        form.addRow("", self.birthdays)
        self.preview_button = QPushButton(icon("find"), tr("Подобрать получателей"), self)
        self.send_button = QPushButton(icon("mail"), tr("Отправить"), self)
        self.stop_button = QPushButton(icon("close"), tr("Прервать"), self)
        self.save_button = QPushButton(icon("export_xlsx"), tr("Сохранить XLSX…"), self)
        self.stop_button.setEnabled(False)
        buttons = QHBoxLayout()
        for b in (self.preview_button, self.send_button, self.stop_button, self.save_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.progress = QProgressBar(self)
        self.summary = QLabel(self)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([tr("Получатель"), tr("Адрес"), tr("Результат"),
                                              tr("Причина")])
        self.table.setColumnWidth(0, 260)
        self.table.setColumnWidth(1, 220)
        self.table.setColumnWidth(2, 130)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda row, *_: self.show_text(row))
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setMaximumHeight(130)
        self.messages = QLabel(self)
        self.messages.setStyleSheet("color: #c62828;")
        self.messages.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.text)
        layout.addWidget(self.messages)
        self.channel.currentIndexChanged.connect(self.fill_templates)
        self.preview_button.clicked.connect(self.prepare)
        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(self.stop.set)
        self.save_button.clicked.connect(lambda: self.save_xlsx())
        self.fill_templates()
        self.bodies: list[str] = []
        if mailing_id:
            self.show_results()

    def fill_templates(self) -> None:
        self.template.clear()
        with self.app.uow(read_only=True) as ctx:
            for t in templates.list_templates(ctx, self.channel.currentData()):
                self.template.addItem(t.name + (tr(" (рекламная)") if t.advertising else ""),
                                      t.name)

    def segment(self) -> dict:
        groups = [g.strip() for g in self.groups.text().split(",") if g.strip()]
        products = [p.strip() for p in self.products.text().split(",") if p.strip()]
        return {"groups": groups, "manager": self.manager.text().strip() or None,
                "status": self.status.text().strip() or None,
                "source": self.source.text().strip() or None, "products": products,
                "overdue_days": self.overdue.value() if self.overdue.value() >= 0 else None,
                "no_contact_days": self.no_contact.value()
                if self.no_contact.value() >= 0 else None,
                "birthdays_week": self.birthdays.isChecked()}

    def prepare(self) -> bool:
        """Make the mailing and its outbox (nothing is sent yet) and show every recipient."""
        if self.mailing_id is not None and self._status() != "draft":
            return True
        try:
            with self.app.uow() as ctx:
                if self.mailing_id is not None:  # a new segment: the draft is made again
                    ctx.session.delete(ctx.session.get(Mailing, self.mailing_id))
                    ctx.session.flush()
                self.mailing_id = with_secret(self, lambda: mailings.create_mailing(
                    ctx, self.template.currentData(), self.segment(),
                    self.channel.currentData()).id)
        except Exception as exc:  # noqa: BLE001 — in the form's message area
            self.messages.setText(error_text(exc))
            return False
        self.messages.clear()
        self.form_key = f"mailing:{self.mailing_id}"
        self.app.changed("mailings")
        self.show_results()
        return True

    def _status(self) -> str:
        with self.app.uow(read_only=True) as ctx:
            return ctx.session.get(Mailing, self.mailing_id).status

    def show_results(self) -> None:
        with self.app.uow(read_only=True) as ctx:
            m = ctx.session.get(Mailing, self.mailing_id)
            self.setWindowTitle(tr("Рассылка: {0}").format(m.name))
            rows = mailings.results(ctx, self.mailing_id, limit=PREVIEW_ROWS)
            counts = mailings.counts(ctx.session, self.mailing_id)
            from crmdesk.models.comms import OutboxMessage

            self.bodies = [ctx.session.get(OutboxMessage, r["id"]).body for r in rows]
            status = m.status
        self.table.setRowCount(len(rows))
        for n, r in enumerate(rows):
            for c, key in enumerate(("recipient", "address", "status_text", "reason")):
                self.table.setItem(n, c, QTableWidgetItem(r[key] or ""))
        from crmdesk.models.comms import OUTBOX_STATUSES

        total = sum(counts.values())
        self.summary.setText(tr("Получателей: {0}. ").format(total) + ", ".join(
            f"{tr(OUTBOX_STATUSES[k])}: {v}" for k, v in sorted(counts.items())))
        self.send_button.setEnabled(status in ("draft", "stopped", "running"))
        self.send_button.setText(tr("Продолжить") if status in ("stopped", "running")
                                 else tr("Отправить"))

    def show_text(self, row: int) -> None:
        self.text.setPlainText(self.bodies[row] if 0 <= row < len(self.bodies) else "")

    def send(self) -> None:
        if (self.mailing_id is None or self._status() == "draft") and not self.prepare():
            return
        self.stop.clear()
        self.thread = QThread(self)
        self.worker = _Worker(self.app.engine, self.app.login, self.mailing_id, self.stop)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.on_progress)
        self.worker.finished.connect(self.on_finished)
        self.send_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.thread.start()

    def on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def on_finished(self, result) -> None:
        self.thread.quit()
        self.thread.wait()
        self.thread = None
        self.stop_button.setEnabled(False)
        self.preview_button.setEnabled(True)
        if isinstance(result, str):
            self.messages.setText(result)
        self.show_results()
        self.app.changed("mailings", "mailing_recipients")

    def save_xlsx(self, path: str | None = None) -> str | None:
        if self.mailing_id is None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, tr("Сохранить как"),
                                                  tr("Рассылка {0}.xlsx").format(self.mailing_id),
                                                  "*.xlsx")
        if not path:
            return None
        from pathlib import Path

        with self.app.uow(read_only=True) as ctx:
            Path(path).write_bytes(mailings.results_xlsx(ctx, self.mailing_id))
        self.shell.message(tr("Сохранено: {0}").format(path))
        return path

    def can_close(self) -> bool:
        if self.thread is not None:
            self.stop.set()
            self.thread.quit()
            self.thread.wait(10000)
        return True


def open_mailing(shell, mailing_id=None, initial=None):
    key = f"mailing:{mailing_id}" if mailing_id else None
    if key and shell.activate(key):
        return shell.form(key)
    form = MailingForm(shell, mailing_id, initial)
    shell.show_form(form)
    return form


register(Entity("mailing", "mailings", "mail", open_mailing,
                create_permission=rights.INTERACTIONS))


def _add_sections() -> None:
    add_items("crm", Item("list", "mailings", "Рассылки", "mail"),
              Item("new", "mailing", "Рассылка: создать", "add", rights.INTERACTIONS))


_add_sections()
