"""Clients in and out from the desktop: the import wizard, export of a list, backup/restore.

Everything here only calls the business layer (``services.imports``, ``services.exports``,
``services.backup``); long work (the import itself, a backup, a restore) runs in a worker
thread and reports back through Qt signals, so the window stays alive and Cancel works.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from crmdesk.services import imports
from crmdesk.services.errors import CrmError
from crmdesk.services.imports import report as R
from crmdesk.ui.forms import register_special
from crmdesk.ui.generic.base import show_error
from crmdesk.ui.i18n import tr, tr_error
from crmdesk.ui.icons import icon

FILE_FILTER = "Excel, CSV, vCard (*.xlsx *.xlsm *.csv *.txt *.vcf);;All files (*)"
STATUS_COLOURS = {"rejected": "#f8d0d0", "merged": "#d8e8f8", "warning": "#fff2c0"}
STATUS_TITLES = {"new": "Новый", "merged": "Объединён", "rejected": "Отклонён"}


class Worker(QObject):
    """Runs a function in a thread; progress and the outcome arrive as signals."""

    progressed = Signal(int, int)
    done = Signal(object, object)  # (result, error)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cancel = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, fn) -> None:
        self.cancel.clear()

        def work():
            try:
                result = fn(lambda done, total: self.progressed.emit(done, total), self.cancel)
            except Exception as exc:  # noqa: BLE001 - every failure is shown to the user
                self.done.emit(None, exc)
            else:
                self.done.emit(result, None)

        self.thread = threading.Thread(target=work, name="crmdesk-worker", daemon=True)
        self.thread.start()

    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[list], colours: list[str | None] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            item = QTableWidgetItem("" if value is None else str(value))
            if colours and colours[r]:
                item.setBackground(QBrush(QColor(colours[r])))
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def _report_rows(items: list[R.ReportRow]) -> tuple[list[list], list[str | None]]:
    rows = [
        [i.row, tr(R.KIND_TITLES.get(i.kind, i.kind)), i.field, i.value, i.message, i.client]
        for i in items
    ]
    return rows, [STATUS_COLOURS.get(i.kind) for i in items]


# --- the import wizard -----------------------------------------------------------------
class FilePage(QWizardPage):
    def __init__(self, wizard):
        super().__init__()
        self.setTitle(tr("Файл с клиентами"))
        self.setSubTitle(
            tr("Excel (XLSX), CSV (в том числе экспорт Google Контактов) или vCard с телефона.")
        )
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("import_path")
        browse = QPushButton(tr("Выбрать…"))
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit)
        row.addWidget(browse)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c00000;")
        self.error.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.error)
        lay.addStretch()
        self.path_edit.textChanged.connect(self.completeChanged)
        self.wiz = wizard

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Файл с клиентами"), "", FILE_FILTER)
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.path_edit.text().strip())

    def validatePage(self) -> bool:  # noqa: N802
        path = Path(self.path_edit.text().strip()).expanduser()
        try:
            if not path.is_file():
                raise CrmError(tr("Файл не найден: {0}").format(path))
            self.wiz.source = imports.open_source(path)
            self.wiz.path = path
        except (CrmError, OSError, ValueError) as exc:
            self.error.setText(tr_error(exc))
            return False
        self.error.clear()
        return True


class SheetPage(QWizardPage):
    def __init__(self, wizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle(tr("Лист и строка заголовков"))
        self.sheet_combo = QComboBox()
        self.sheet_combo.currentTextChanged.connect(self.show_sheet)
        self.header_label = QLabel()
        self.header_spin = QSpinBox()  # the row the headers are in: found, or chosen
        self.header_spin.setRange(1, 1000)
        self.header_spin.setToolTip(tr("Строка с названиями колонок; найдена автоматически"))
        self.header_spin.valueChanged.connect(self._header_chosen)
        self.sample = _table([])
        header = QHBoxLayout()
        header.addWidget(self.header_spin)
        header.addWidget(self.header_label, 1)
        form = QFormLayout()
        form.addRow(tr("Лист:"), self.sheet_combo)
        form.addRow(tr("Строка заголовков:"), header)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.sample)

    def initializePage(self) -> None:  # noqa: N802
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        self.sheet_combo.addItems(self.wiz.source.sheet_names())
        self.sheet_combo.setCurrentText(self.wiz.source.default_sheet())
        self.sheet_combo.blockSignals(False)
        self.show_sheet(self.sheet_combo.currentText())

    def show_sheet(self, name: str, header_row: int | None = None) -> None:
        if not name:
            return
        try:
            sheet = self.wiz.source.sheet(name, header_row=header_row)
        except CrmError as exc:
            show_error(self, exc)
            return
        self.wiz.sheet = sheet
        self.wiz.header_row = header_row  # None: the one found
        self.header_spin.blockSignals(True)
        self.header_spin.setValue(max(1, sheet.header_row))
        self.header_spin.blockSignals(False)
        self.header_spin.setEnabled(bool(sheet.header_row))  # a vCard has no header
        found = tr("найдена автоматически") if header_row is None else tr("выбрана вручную")
        where = found if sheet.header_row else tr("нет (vCard)")
        total = tr(", строк данных: {0}").format(sheet.total) if sheet.total else ""
        self.header_label.setText(where + total)
        self.completeChanged.emit()
        headers = [str(h or "") for h in sheet.headers]
        self.sample.setColumnCount(len(headers) + 1)
        self.sample.setHorizontalHeaderLabels([tr("Строка"), *headers])
        _fill(self.sample, [[n, *cells] for n, cells in sheet.sample])

    def _header_chosen(self, row: int) -> None:
        self.show_sheet(self.sheet_combo.currentText(), row)

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.sheet is not None and bool(self.wiz.sheet.headers)


class MappingPage(QWizardPage):
    """Each column of the file → a client field (or skipped); kept for the next import."""

    def __init__(self, wizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle(tr("Колонки"))
        self.origin = QLabel()
        self.table = _table([tr("Колонка файла"), tr("Пример"), tr("Поле клиента")])
        self.combos: list[QComboBox] = []
        lay = QVBoxLayout(self)
        lay.addWidget(self.origin)
        lay.addWidget(self.table)

    def initializePage(self) -> None:  # noqa: N802
        sheet = self.wiz.sheet
        with self.wiz.app.uow() as ctx:
            mapping, origin = imports.suggest_mapping(ctx.session, sheet.headers)
        self.origin.setText(
            tr("Сопоставление, сохранённое в прошлый раз; его можно поправить.")
            if origin == "saved"
            else tr("Колонки сопоставлены по названиям; проверьте и поправьте.")
        )
        first = sheet.sample[0][1] if sheet.sample else []
        self.table.setRowCount(len(sheet.headers))
        self.combos = []
        for i, header in enumerate(sheet.headers):
            self.table.setItem(i, 0, QTableWidgetItem(str(header or "")))
            example = first[i] if i < len(first) else ""
            self.table.setItem(i, 1, QTableWidgetItem("" if example is None else str(example)))
            combo = QComboBox()
            combo.addItem(tr("— не загружать —"), None)
            for code, f in imports.FIELDS.items():
                combo.addItem(tr(f.label), code)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(i))))
            self.table.setCellWidget(i, 2, combo)
            self.combos.append(combo)
        self.table.resizeColumnsToContents()

    def mapping(self) -> dict[int, str]:
        return {i: c.currentData() for i, c in enumerate(self.combos) if c.currentData()}

    def set_field(self, column: int, code: str | None) -> None:
        self.combos[column].setCurrentIndex(max(0, self.combos[column].findData(code)))

    def validatePage(self) -> bool:  # noqa: N802
        self.wiz.mapping = self.mapping()
        if not self.wiz.mapping:
            QMessageBox.warning(self, tr("Колонки"), tr("Не выбрано ни одного поля клиента."))
            return False
        return True


class PreviewPage(QWizardPage):
    """The first rows imported for real and rolled back: what would happen to each."""

    LIMIT = 200

    def __init__(self, wizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle(tr("Проверка"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = _table(
            [tr("Строка"), tr("Итог"), tr("Клиент"), tr("Телефоны"), tr("Эл. почта"), tr("ИНН"),
             tr("Замечания")]
        )
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table)
        self.outcomes = []

    def initializePage(self) -> None:  # noqa: N802
        try:
            report, self.outcomes = imports.preview(
                self.wiz.app.engine,
                self.wiz.path,
                user=self.wiz.app.login,
                sheet=self.wiz.sheet.name,
                header_row=self.wiz.header_row,
                mapping=self.wiz.mapping,
                limit=self.LIMIT,
            )
        except CrmError as exc:
            self.summary.setText(tr_error(exc))
            self.outcomes = []
            _fill(self.table, [])
            return
        self.summary.setText(
            tr("Проверено строк: {0} — новых {1}, объединится {2}, отклонится {3}, "
               "предупреждений {4}. Ничего ещё не записано.").format(
                report.rows, report.created, report.merged, report.rejected, report.warnings
            )
        )
        rows, colours = [], []
        for o in self.outcomes:
            problems = "; ".join(p.message for p in o.problems)
            rows.append(
                [o.row, tr(STATUS_TITLES.get(o.status, o.status)), o.name, ", ".join(o.phones),
                 ", ".join(o.emails), o.inn, problems]
            )
            colours.append(
                STATUS_COLOURS.get(o.status)
                or (STATUS_COLOURS["warning"] if o.problems else None)
            )
        _fill(self.table, rows, colours)


class RunPage(QWizardPage):
    """The import itself: one transaction, a progress bar and a Cancel button."""

    def __init__(self, wizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle(tr("Загрузка"))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, tr("Загрузить"))
        self.state = QLabel(tr("Нажмите «Загрузить»: все строки запишутся одной операцией."))
        self.state.setWordWrap(True)
        self.bar = QProgressBar()
        self.cancel_button = QPushButton(icon("close"), tr("Прервать"))
        self.cancel_button.setEnabled(False)
        lay = QVBoxLayout(self)
        lay.addWidget(self.state)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        lay.addStretch()
        self.worker = Worker(self)
        self.worker.progressed.connect(self._progress)
        self.worker.done.connect(self._done)
        self.cancel_button.clicked.connect(self.worker.cancel.set)
        self.finished = False

    def start(self) -> None:
        wiz = self.wiz
        self.finished = False
        self.cancel_button.setEnabled(True)
        self.state.setText(tr("Загрузка…"))

        def run(progress, cancelled):
            return imports.import_clients(
                wiz.app.engine,
                wiz.path,
                user=wiz.app.login,
                sheet=wiz.sheet.name,
                header_row=wiz.header_row,
                mapping=wiz.mapping,
                progress=progress,
                cancelled=cancelled,
            )

        self.worker.start(run)
        self.completeChanged.emit()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(done)

    def _done(self, report, error) -> None:
        self.cancel_button.setEnabled(False)
        self.finished = True
        self.wiz.report = report
        self.wiz.error = error
        if error is not None:
            self.state.setText(str(error))
            self.state.setStyleSheet("color: #c00000;")
        else:
            self.state.setText(report.summary())
            self.wiz.app.changed("clients", "contacts")
        self.completeChanged.emit()
        if error is None:
            self.wiz.next()

    def isComplete(self) -> bool:  # noqa: N802
        return self.finished and self.wiz.error is None

    def initializePage(self) -> None:  # noqa: N802
        self.finished = False
        self.wiz.report = None
        self.wiz.error = None
        self.start()


class ReportPage(QWizardPage):
    def __init__(self, wizard):
        super().__init__()
        self.wiz = wizard
        self.setTitle(tr("Отчёт о загрузке"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = _table(
            [tr("Строка"), tr("Что"), tr("Колонка"), tr("Значение"), tr("Причина"), tr("Клиент")]
        )
        save = QPushButton(icon("export_xlsx"), tr("Сохранить отчёт в XLSX…"))
        save.clicked.connect(lambda: self.save())
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table)
        lay.addWidget(save, alignment=Qt.AlignmentFlag.AlignLeft)

    def initializePage(self) -> None:  # noqa: N802
        report = self.wiz.report
        self.summary.setText(report.summary())
        rows, colours = _report_rows(report.items)
        _fill(self.table, rows, colours)

    def save(self, path: str | None = None) -> Path | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, tr("Отчёт о загрузке"), "import-report.xlsx", "Excel (*.xlsx)"
            )
        if not path:
            return None
        saved = self.wiz.report.save_xlsx(path)
        self.wiz.shell.message(tr("Отчёт сохранён: {0}").format(saved))
        return saved


class ImportWizard(QWizard):
    """file → sheet and header row → columns → preview → import → report."""

    def __init__(self, shell, path: str | None = None):
        super().__init__(shell if isinstance(shell, QObject) else None)
        self.shell = shell
        self.app = shell.app
        self.setWindowTitle(tr("Загрузка клиентов из файла"))
        self.setWindowIcon(icon("import"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.resize(900, 600)
        self.source = self.sheet = self.path = self.report = self.error = None
        self.header_row: int | None = None
        self.mapping: dict[int, str] = {}
        self.file_page = FilePage(self)
        self.sheet_page = SheetPage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.run_page = RunPage(self)
        self.report_page = ReportPage(self)
        for page in (
            self.file_page, self.sheet_page, self.mapping_page, self.preview_page,
            self.run_page, self.report_page,
        ):
            self.addPage(page)
        if path:
            self.file_page.path_edit.setText(str(path))

    def reject(self) -> None:
        if self.run_page.worker.running():
            self.run_page.worker.cancel.set()
            self.run_page.worker.thread.join()
        super().reject()


def run_import_wizard(shell, path: str | None = None) -> ImportWizard:
    wizard = ImportWizard(shell, path)
    wizard.open()
    return wizard


# --- export --------------------------------------------------------------------------
EXPORT_FORMATS = [
    ("xlsx", "Excel (*.xlsx)", ".xlsx"),
    ("csv", "CSV для Excel (*.csv)", ".csv"),
    ("vcard", "vCard 3.0 (*.vcf)", ".vcf"),
    ("google", "Google Контакты CSV (*.csv)", ".csv"),
]


def export_clients_dialog(list_form, path: str | None = None, fmt: str | None = None):
    """The clients of the list as it is filtered now, to XLSX, CSV, vCard or Google CSV."""
    from crmdesk.services import exports, lists

    if not path:
        filters = ";;".join(tr(f) for _, f, _ in EXPORT_FORMATS)
        path, chosen = QFileDialog.getSaveFileName(list_form, tr("Выгрузить клиентов"),
                                                   "clients.xlsx", filters)
        if not path:
            return None
        fmt = next((code for code, f, _ in EXPORT_FORMATS if tr(f) == chosen), None)
    try:
        with list_form.app.uow() as ctx:
            ids = lists.matching_ids(ctx, list_form.spec, list_form.model.state)
        n = exports.export_clients(
            list_form.app.engine, path, user=list_form.app.login, fmt=fmt, ids=ids,
            include_marked=list_form.model.state.show_marked,
        )
    except (CrmError, OSError) as exc:
        show_error(list_form, exc)
        return None
    list_form.shell.message(tr("Выгружено клиентов: {0} в {1}").format(n, path))
    return n


# --- backup and restore ----------------------------------------------------------------
class BackupDialog(QDialog):
    """The state of backups, a backup now, and restore into a new database."""

    def __init__(self, shell):
        super().__init__(shell if isinstance(shell, QObject) else None)
        self.shell = shell
        self.app = shell.app
        self.setWindowTitle(tr("Резервное копирование"))
        self.setWindowIcon(icon("backup"))
        self.resize(640, 320)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.backup_button = QPushButton(icon("backup"), tr("Создать копию сейчас"))
        self.restore_button = QPushButton(icon("restore"), tr("Восстановить из копии…"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.backup_button)
        row.addWidget(self.restore_button)
        row.addStretch()
        lay = QVBoxLayout(self)
        lay.addWidget(self.state)
        lay.addWidget(self.bar)
        lay.addLayout(row)
        lay.addStretch()
        lay.addWidget(buttons)
        self.worker = Worker(self)
        self.worker.progressed.connect(self._progress)
        self.worker.done.connect(self._done)
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button.clicked.connect(lambda: self.restore())
        self.restored_url: str | None = None
        self.result = None
        self.show_state()

    def show_state(self) -> None:
        from crmdesk.services import backup as backups

        s = backups.backup_status(self.app.engine)
        last = s.get("last") or {}
        lines = [
            tr("Папка копий: {0}").format(s["dir"]),
            tr("Хранится: {0} ежедневных и {1} еженедельных копий").format(
                s["keep_daily"], s["keep_weekly"]
            ),
            tr("Последняя попытка: {0}").format(last.get("message") or tr("не было")),
            tr("Копия нужна сейчас") if s["due"] else tr("Свежая копия есть"),
        ]
        self.state.setText("\n".join(lines))

    def _busy(self, busy: bool) -> None:
        self.backup_button.setEnabled(not busy)
        self.restore_button.setEnabled(not busy)
        self.bar.setVisible(busy)
        self.bar.setRange(0, 0)

    def _progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)

    def backup_now(self) -> None:
        from crmdesk.services import backup as backups

        self._busy(True)
        self.kind = "backup"
        self.worker.start(lambda progress, cancelled: backups.backup(self.app.engine))

    def restore(self, file: str | None = None, to_url: str | None = None) -> None:
        from crmdesk.services import backup as backups

        if not file:
            start = str(backups.backup_dir(self.app.engine))
            file, _ = QFileDialog.getOpenFileName(
                self, tr("Резервная копия"), start,
                tr("Копии crmdesk (*.sqlite *.dump *.json);;Все файлы (*)"),
            )
            if not file:
                return
        if not to_url:
            dialog = RestoreTarget(self, Path(file))
            if not dialog.exec():
                return
            to_url = dialog.url()
        self._busy(True)
        self.kind = "restore"
        self.worker.start(
            lambda progress, cancelled: backups.restore(file, to_url, progress=progress)
        )

    def _done(self, result, error) -> None:
        self._busy(False)
        self.result = result
        if error is not None:
            show_error(self, error)
        elif self.kind == "backup":
            if result.ok:
                self.shell.message(tr("Резервная копия сохранена: {0}").format(result.path))
            else:
                QMessageBox.warning(self, tr("Резервное копирование"), result.message)
        else:
            self.restored_url = result.url
            answer = QMessageBox.question(
                self,
                tr("Восстановление"),
                tr("{0}\nКлиентов: {1}.\n\nРаботать с восстановленной базой? "
                   "Программа запомнит её и откроет при следующем запуске.").format(
                    result.message, result.clients
                ),
            )
            if answer == QMessageBox.StandardButton.Yes:
                switch_database(self.shell, result.url)
        self.show_state()


class RestoreTarget(QDialog):
    """Where the copy goes: a new SQLite file (next to the copy) or an empty PostgreSQL."""

    def __init__(self, parent, file: Path):
        super().__init__(parent)
        self.setWindowTitle(tr("Куда восстановить"))
        stem = file.name.split(".")[0]
        self.file_radio = QRadioButton(tr("В новый файл SQLite"))
        self.file_radio.setChecked(True)
        self.file_edit = QLineEdit(str(file.with_name(f"{stem}-restored.sqlite")))
        self.pg_radio = QRadioButton(tr("В пустую базу PostgreSQL"))
        self.pg_edit = QLineEdit("postgresql://user:password@server/crm_restored")
        form = QFormLayout(self)
        form.addRow(self.file_radio, self.file_edit)
        form.addRow(self.pg_radio, self.pg_edit)
        form.addRow(QLabel(tr("Рабочая база не меняется: копия восстанавливается рядом.")))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def url(self) -> str:
        return (self.pg_edit if self.pg_radio.isChecked() else self.file_edit).text().strip()


def switch_database(shell, url: str) -> None:
    """Remember the database for the next start; offer to reopen the window on it now."""
    from crmdesk.app import remember_database

    remember_database(url)
    shell.message(tr("Следующий запуск откроет базу: {0}").format(url))


def run_backup(shell) -> BackupDialog:
    dialog = BackupDialog(shell)
    dialog.open()
    return dialog



register_special("import", lambda shell, _target: run_import_wizard(shell))
register_special("backup", lambda shell, _target: run_backup(shell))
