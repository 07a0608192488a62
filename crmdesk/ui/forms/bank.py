"""«Загрузка выписки из банка»: the statement's lines with their proposed matches, changeable
by hand, then «Загрузить» posts the payments. The rules are crmdesk.services.bank(_load)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from crmdesk.integrations.bank_1c import parse_statement
from crmdesk.services import banklists  # noqa: F401 — adds the bank payments list
from crmdesk.services.bank import LOADABLE, STATUSES, review_statement
from crmdesk.services.bank_load import choose, create_client_from_payer, load_statement
from crmdesk.services.money import format_money
from crmdesk.ui.forms import register, register_special
from crmdesk.ui.generic.base import Entity, FormBase, error_text
from crmdesk.ui.generic.fields import Field, make_editor
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon

FILE_FILTER = "Выписка 1С:Клиент-банк (*.txt);;Все файлы (*)"
COLOURS = {"invoice": "#e3f2e1", "client": "#e3ecf8", "unknown": "#fff2c0",
           "other": "#eeeeee", "outgoing": "#eeeeee", "duplicate": "#eeeeee",
           "foreign": "#eeeeee"}
COLUMNS = ["✓", "№", "Дата", "№ п/п", "Сумма", "Плательщик", "ИНН", "Результат",
           "Клиент", "Счета", "Почему так"]


class BankImportForm(FormBase):
    form_key = "bank_import:bank"

    def __init__(self, shell):
        super().__init__(shell)
        self.review = None
        self.file_name = ""
        self.setWindowTitle(tr("Загрузка выписки из банка"))
        self.setWindowIcon(icon("import"))
        bar = QToolBar(self)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.open_action = self._command(bar, "import", "Открыть выписку…", "Ctrl+O",
                                         self.choose_file)
        self.load_action = self._command(bar, "post", "Загрузить", "Ctrl+Return", self.load)
        self.client_action = self._command(bar, "add", "Создать клиента по реквизитам", None,
                                           self.create_client)
        self.skip_action = self._command(bar, "mark_deletion", "Не загружать / загружать",
                                         "Del", self.toggle_skip)
        self.summary = QLabel(tr("Выберите файл выписки: «Открыть выписку…» (Ctrl+O). Банк "
                                 "выгружает его в формате 1С (kl_to_1c.txt)."), self)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((26, 30, 78, 56, 86, 160, 88, 132, 150, 120)):
            self.table.setColumnWidth(col, width)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.itemSelectionChanged.connect(self._row_chosen)
        # the selected line in full: why, the warnings, the purpose of payment
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setStyleSheet("background: #fafafa; border: 1px solid #ddd; padding: 4px;")
        self.table.itemChanged.connect(self._checked)
        # the hand decision for the selected line: a client, and one of its open invoices
        self.client_editor = make_editor(Field("client", "Клиент", "ref", ref="client"),
                                         shell, self)
        self.client_editor.edited.connect(self._client_chosen)
        self.invoice_box = QComboBox(self)
        self.apply_button = QPushButton(icon("save"), tr("Применить к строке"), self)
        self.apply_button.clicked.connect(self.apply_choice)
        hand = QHBoxLayout()
        hand.addWidget(QLabel(tr("Клиент:")))
        hand.addWidget(self.client_editor, 2)
        hand.addWidget(QLabel(tr("Счёт:")))
        hand.addWidget(self.invoice_box, 1)
        hand.addWidget(self.apply_button)
        self.hand_panel = QWidget(self)
        self.hand_panel.setLayout(hand)
        self.messages = QLabel(self)
        self.messages.setStyleSheet("color: #c62828;")
        self.messages.setWordWrap(True)
        self.messages.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.hand_panel)
        layout.addWidget(self.messages)
        self._enable()

    def _command(self, bar, name, text, shortcut, slot) -> QAction:
        action = QAction(icon(name), tr(text), self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _=False: self._run(slot))
        self.addAction(action)
        bar.addAction(action)
        return action

    def _run(self, slot) -> None:
        self.messages.hide()
        try:
            slot()
        except Exception as exc:  # noqa: BLE001 — shown in the form's message area
            self.messages.setText(error_text(exc))
            self.messages.show()

    # --- the file and the proposals ---
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Выписка из банка"), "", FILE_FILTER)
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path) -> None:
        statement = parse_statement(path.read_bytes(), path.name)
        with self.app.uow(read_only=True) as ctx:
            self.review = review_statement(ctx, statement, path.name)
        self.file_name = path.name
        self.show_review()

    def show_review(self) -> None:
        lines = self.review.lines
        self.table.blockSignals(True)
        self.table.setRowCount(len(lines))
        for r, ln in enumerate(lines):
            d = ln.doc
            check = QTableWidgetItem()
            if ln.status in ("outgoing", "duplicate", "foreign"):
                check.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            else:
                check.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                               | Qt.ItemFlag.ItemIsUserCheckable)
                check.setCheckState(Qt.CheckState.Checked if ln.load else
                                    Qt.CheckState.Unchecked)
            self.table.setItem(r, 0, check)
            reason = ("⚠ " if ln.warnings else "") + ln.reason
            values = [str(ln.no), f"{d.date:%d.%m.%Y}", d.number, format_money(d.amount),
                      d.payer.name, d.payer.inn or "", tr(STATUSES[ln.status]),
                      ln.client_name or "", ", ".join(i.number for i in ln.invoices), reason]
            for c, value in enumerate(values, 1):
                item = QTableWidgetItem(value)
                if c == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(reason if c == 10 else d.purpose)
                self.table.setItem(r, c, item)
            for c in range(len(COLUMNS)):
                self.table.item(r, c).setBackground(QColor(COLOURS[ln.status]))
        self.table.blockSignals(False)
        self._summarize()
        self._enable()

    def _summarize(self) -> None:
        chosen = [ln for ln in self.review.lines if ln.load and ln.status in LOADABLE]
        total = sum((ln.doc.amount for ln in chosen), 0)
        counts = self.review.counts()
        parts = [f"{tr(STATUSES[k])}: {v}" for k, v in counts.items()]
        self.summary.setText(
            tr("Файл «{0}», счёт {1}. Строк: {2} ({3}). К загрузке: {4} на сумму {5}.").format(
                self.file_name, ", ".join(sorted(self.review.statement.own_accounts())),
                len(self.review.lines), "; ".join(parts), len(chosen), format_money(total)))

    def _enable(self) -> None:
        ln = self.current_line()
        has = self.review is not None
        self.load_action.setEnabled(has and any(x.load and x.status in LOADABLE
                                                for x in self.review.lines))
        self.client_action.setEnabled(ln is not None and ln.status == "unknown")
        editable = ln is not None and ln.status not in ("outgoing", "duplicate", "foreign")
        self.skip_action.setEnabled(editable)
        self.hand_panel.setEnabled(editable)

    def current_line(self):
        if self.review is None:
            return None
        rows = self.table.selectionModel().selectedRows()
        return self.review.lines[rows[0].row()] if rows else None

    def _row_chosen(self) -> None:
        ln = self.current_line()
        self.client_editor.set((ln.client_id, ln.client_name) if ln and ln.client_id else None)
        self._fill_invoices(ln.client_id if ln else None,
                            [i.id for i in ln.invoices] if ln else [])
        self.detail.setText(self._detail(ln) if ln else "")
        self._enable()

    @staticmethod
    def _detail(ln) -> str:
        from html import escape

        d = ln.doc
        rows = [f"<b>{escape(tr(STATUSES[ln.status]))}</b>: {escape(ln.reason)}"]
        rows += [f"<span style='color:#b26a00'>⚠ {escape(w)}</span>" for w in ln.warnings]
        rows.append(f"{escape(tr('Назначение платежа'))}: {escape(d.purpose)}")
        rows.append(escape(", ".join(p for p in (
            d.payer.name, f"ИНН {d.payer.inn}" if d.payer.inn else "",
            f"КПП {d.payer.kpp}" if d.payer.kpp else "",
            f"р/с {d.payer.account}" if d.payer.account else "",
            d.payer.bank or "", f"БИК {d.payer.bik}" if d.payer.bik else "") if p)))
        return "<br>".join(rows)

    def _client_chosen(self) -> None:
        self._fill_invoices(self.client_editor.get(), [])

    def _fill_invoices(self, client_id: int | None, chosen: list[int]) -> None:
        from crmdesk.services.bank import _open_invoices

        self.invoice_box.clear()
        self.invoice_box.addItem(tr("по открытым счетам, начиная со старого"), None)
        if client_id is None:
            return
        with self.app.uow(read_only=True) as ctx:
            invoices = _open_invoices(ctx.session, [client_id]).get(client_id, [])
        for inv in invoices:
            self.invoice_box.addItem(f"{inv.number} — {tr('долг')} "
                                     f"{format_money(inv.remaining)}", inv.id)
            if len(chosen) == 1 and inv.id == chosen[0]:
                self.invoice_box.setCurrentIndex(self.invoice_box.count() - 1)

    def _checked(self, item: QTableWidgetItem) -> None:
        if item.column() != 0 or self.review is None:
            return
        ln = self.review.lines[item.row()]
        want = item.checkState() == Qt.CheckState.Checked
        ln.load = want and ln.client_id is not None
        if want and ln.client_id is None:
            self.messages.setText(tr("Строка {0}: поле «Клиент» не заполнено — выберите клиента "
                                     "или создайте его по реквизитам.").format(ln.no))
            self.messages.show()
        self.show_review()

    # --- decisions ---
    def apply_choice(self) -> None:
        self._run(self._apply_choice)

    def _apply_choice(self) -> None:
        ln = self.current_line()
        if ln is None:
            return
        invoice = self.invoice_box.currentData()
        with self.app.uow(read_only=True) as ctx:
            choose(ctx, self.review, ln.no, client_id=self.client_editor.get(),
                   invoice_ids=[invoice] if invoice else None)
        self._keep_row(ln.no)

    def toggle_skip(self) -> None:
        ln = self.current_line()
        if ln is None:
            return
        if ln.load:
            ln.load = False
        elif ln.client_id is not None:
            ln.load = True
        self._keep_row(ln.no)

    def create_client(self) -> None:
        ln = self.current_line()
        if ln is None:
            return
        with self.app.uow() as ctx:
            create_client_from_payer(ctx, self.review, ln.no)
        self.app.changed("clients")
        self._keep_row(ln.no)

    def _keep_row(self, no: int) -> None:
        self.show_review()
        self.table.selectRow(no - 1)
        self._row_chosen()  # the same row stays selected: refresh its detail and choice

    def load(self) -> None:
        with self.app.uow() as ctx:
            result = load_statement(ctx, self.review)
        self.app.changed("payments", "invoices", "bank_payments", "clients")
        text = tr("Загружено платежей: {0} на сумму {1}; пропущено: {2}; уже были загружены: "
                  "{3}.").format(result.loaded, result.total, result.skipped, result.duplicates)
        if result.payments:
            text += "\n" + tr("Документы: {0}").format(", ".join(result.payments))
        with self.app.uow(read_only=True) as ctx:  # the same file again: all «уже загружено»
            self.review = review_statement(ctx, self.review.statement, self.file_name)
        self.show_review()
        QMessageBox.information(self, tr("Загрузка выписки"), text)


def _open_payment(shell, bank_payment_id, _initial=None):
    """A row of the loaded bank payments opens the «Поступление оплаты» it made."""
    from crmdesk.models import BankPayment
    from crmdesk.ui.generic.registry import entity

    with shell.app.uow(read_only=True) as ctx:
        row = ctx.session.get(BankPayment, bank_payment_id)
        doc_id = row.documents[0].id if row is not None and row.documents else None
    if doc_id is not None:
        return entity("payment").open(shell, doc_id, None)
    return None


register(Entity("bank_payment", "bank_payments", "payment", _open_payment))


def open_bank_import(shell, _target):
    """The form for the shell to show; None when it is open already (then activated)."""
    if shell.activate(BankImportForm.form_key):
        return None
    return BankImportForm(shell)


register_special("bank_import", open_bank_import)
