"""First start: where the database is, the organization, the administrator, demo data."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QThread, QTimer
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from crmdesk.config import default_db_url, normalize_url
from crmdesk.services.errors import ValidationError
from crmdesk.services.money import VAT_MODE_NAMES, VAT_RATES
from crmdesk.services.setup import (
    CONNECT_TIMEOUT,
    ORG_LABELS,
    SetupRequest,
    check_organization,
    create_database,
    describe_url,
    probe_database,
)
from crmdesk.ui.icons import icon

log = logging.getLogger(__name__)

DEMO_MAX_CLIENTS = 10_000  # more is for the command line: «crmdesk demo --clients N»

# ---------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------


def _tr(text: str) -> str:
    return QCoreApplication.translate("FirstStartWizard", text)


def _message_label() -> QLabel:
    """A red message under a field or a page, hidden while empty."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet("color: #c0392b;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _hint_label(text: str) -> QLabel:
    """A grey explanation under the fields, readable on light and dark palettes."""
    label = QLabel(text)
    label.setWordWrap(True)
    palette = label.palette()
    color = palette.color(QPalette.ColorRole.WindowText)
    color.setAlpha(170)
    palette.setColor(QPalette.ColorRole.WindowText, color)
    label.setPalette(palette)
    return label


def _show(label: QLabel, text: str | None, color: str = "#c0392b") -> None:
    label.setStyleSheet(f"color: {color};")
    label.setText(text or "")
    label.setVisible(bool(text))


def _connection_error(url: str, exc: Exception) -> str:
    """What failed, in the user's words, for a failed connection test."""
    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - any parse failure means the same to the user
        return _tr("Адрес не похож на адрес базы данных: «{0}».").format(url)
    raw = str(getattr(exc, "orig", None) or exc)
    where = _tr("PostgreSQL {0}:{1}, база «{2}»").format(
        u.host or "localhost", u.port or 5432, u.database or ""
    )
    if "Connection refused" in raw:
        reason = _tr(
            "сервер не принимает подключения — проверьте, что PostgreSQL запущен и слушает "
            "этот порт"
        )
    elif "does not exist" in raw and "database" in raw:
        reason = _tr("на сервере нет такой базы данных; создайте её или укажите другую")
    elif "does not exist" in raw and "role" in raw:
        reason = _tr("на сервере нет пользователя «{0}»").format(u.username or "")
    elif "password authentication failed" in raw or "no password supplied" in raw:
        reason = _tr("неверное имя пользователя или пароль")
    elif "resolve host" in raw or "Name or service not known" in raw:
        reason = _tr("сервер «{0}» не найден").format(u.host or "")
    elif "timeout" in raw.lower():
        reason = _tr("сервер не ответил за {0} с").format(CONNECT_TIMEOUT)
    else:
        reason = raw.strip().splitlines()[0] if raw.strip() else type(exc).__name__
    return _tr("Не удалось подключиться к {0}: {1}.").format(where, reason.rstrip("."))


class DatabasePage(QWizardPage):
    """An SQLite file on this computer, or a PostgreSQL server for the office."""

    def __init__(self, default_path: str | Path | None = None, parent=None):
        super().__init__(parent)
        self.setTitle(self.tr("База данных"))
        self.setSubTitle(self.tr("Где хранить данные: в файле на этом компьютере или на сервере."))
        self._probed_url: str | None = None  # the URL whose test succeeded

        self.sqlite_radio = QRadioButton(self.tr("Файл на этом компьютере (SQLite)"))
        self.pg_radio = QRadioButton(self.tr("Сервер PostgreSQL — для работы по сети"))
        group = QButtonGroup(self)
        group.addButton(self.sqlite_radio)
        group.addButton(self.pg_radio)
        self.sqlite_radio.setChecked(True)

        if default_path is None:
            default_path = default_db_url().removeprefix("sqlite:///")
        self.path_edit = QLineEdit(str(default_path))
        self.browse_button = QPushButton(self.tr("…"))
        self.browse_button.setToolTip(self.tr("Выбрать файл"))
        self.browse_button.setFixedWidth(32)
        self.browse_button.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit)
        path_row.addWidget(self.browse_button)
        self.path_note = _hint_label(
            self.tr(
                "Подходит для одного компьютера; несколько окон crmdesk на нём работают вместе."
            )
        )
        self.path_error = _message_label()

        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText(
            self.tr("postgresql://пользователь:пароль@сервер:5432/база")
        )
        self.check_button = QPushButton(icon("refresh"), self.tr("Проверить подключение"))
        self.check_button.clicked.connect(self.check_connection)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit)
        url_row.addWidget(self.check_button)
        self.result_label = _message_label()

        layout = QVBoxLayout(self)
        layout.addWidget(self.sqlite_radio)
        inner = QVBoxLayout()
        inner.setContentsMargins(24, 0, 0, 12)
        inner.addLayout(path_row)
        inner.addWidget(self.path_note)
        inner.addWidget(self.path_error)
        layout.addLayout(inner)
        layout.addWidget(self.pg_radio)
        inner = QVBoxLayout()
        inner.setContentsMargins(24, 0, 0, 0)
        inner.addLayout(url_row)
        inner.addWidget(self.result_label)
        layout.addLayout(inner)
        layout.addStretch(1)

        for signal in (
            self.sqlite_radio.toggled,
            self.path_edit.textChanged,
            self.url_edit.textChanged,
        ):
            signal.connect(self._changed)
            signal.connect(self.completeChanged)  # signal to signal: no emit() from Python
        self._changed()

    def is_server(self) -> bool:
        return self.pg_radio.isChecked()

    def database_url(self) -> str:
        if self.is_server():
            return normalize_url(self.url_edit.text().strip())
        return normalize_url(self.path_edit.text().strip())

    def _changed(self) -> None:
        server = self.is_server()
        for w in (self.path_edit, self.browse_button, self.path_note):
            w.setEnabled(not server)
        self.url_edit.setEnabled(server)
        self.check_button.setEnabled(server and bool(self.url_edit.text().strip()))
        _show(self.path_error, None)
        if self.sender() is not self.sqlite_radio:
            _show(self.result_label, None)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Файл базы данных"),
            self.path_edit.text(),
            self.tr("База crmdesk (*.sqlite);;Все файлы (*)"),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.path_edit.setText(path)

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        edit = self.url_edit if self.is_server() else self.path_edit
        return bool(edit.text().strip())

    def check_connection(self) -> bool:
        """Try the server now and say what happened under the address."""
        text = self.url_edit.text().strip()
        if not text.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
            _show(
                self.result_label,
                self.tr("Адрес сервера должен начинаться с «postgresql://», например {0}").format(
                    "postgresql://crm:пароль@server/crm"
                ),
            )
            return False
        url = normalize_url(text)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            probe = probe_database(url)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none is fatal
            log.info("connection test failed: %s", exc)
            _show(self.result_label, _connection_error(url, exc))
            self.result_label.setToolTip(str(getattr(exc, "orig", None) or exc))
            self._probed_url = None
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        version = ".".join(str(p) for p in (probe.version or ())[:2])
        if not probe.known:
            _show(
                self.result_label,
                self.tr(
                    "Эту базу создала более новая версия crmdesk (схема {0}); обновите программу."
                ).format(probe.schema),
            )
            self._probed_url = None
            return False
        if probe.schema is None:
            state = self.tr("база пустая, crmdesk создаст в ней свои таблицы")
        elif probe.schema == probe.head:
            state = self.tr("в базе уже есть данные crmdesk")
        else:
            state = self.tr("в базе данные crmdesk в старой схеме, они будут обновлены")
        _show(
            self.result_label,
            self.tr("Подключение установлено: PostgreSQL {0}; {1}.").format(version, state),
            "#1e8449",
        )
        self.result_label.setToolTip("")
        self._probed_url = url
        return True

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        if self.is_server():
            return self._probed_url == self.database_url() or self.check_connection()
        path = Path(self.path_edit.text().strip()).expanduser()
        if path.is_dir():
            _show(self.path_error, self.tr("«{0}» — это папка; укажите файл.").format(path))
            return False
        return True


class OrganizationPage(QWizardPage):
    """The organization's requisites, each checked with a message beside the field."""

    LAYOUT = (
        ("Организация", ("name", "full_name", "inn", "kpp", "ogrn", "address", "phone", "email")),
        ("Банк", ("bank_name", "bank_city", "bik", "corr_account", "account")),
        ("Подписи и НДС", ("director", "chief_accountant")),
    )
    PLACEHOLDERS = {
        "name": "ООО «Ромашка»",
        "inn": "10 или 12 цифр",
        "kpp": "9 знаков",
        "ogrn": "13 или 15 цифр",
        "phone": "+7 (495) 123-45-67",
        "bik": "04…",
        "corr_account": "20 цифр",
        "account": "20 цифр",
        "director": "Фамилия Имя Отчество",
        "chief_accountant": "Фамилия Имя Отчество",
    }

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(self.tr("Организация"))
        self.setSubTitle(
            self.tr(
                "Реквизиты попадут в счета и коммерческие предложения. Их можно заполнить позже."
            )
        )
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        boxes = []
        for title, keys in self.LAYOUT:
            box = QGroupBox(QCoreApplication.translate("OrganizationPage", title))
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for key in keys:
                edit = QLineEdit()
                if key in self.PLACEHOLDERS:
                    edit.setPlaceholderText(
                        QCoreApplication.translate("OrganizationPage", self.PLACEHOLDERS[key])
                    )
                edit.editingFinished.connect(self._recheck)
                self.edits[key] = edit
                form.addRow(self._label(key), self._with_message(key, edit))
            boxes.append((box, form))
        self.registerField("org.name*", self.edits["name"])

        signatures_form = boxes[2][1]
        self.vat_mode = QComboBox()
        for code, name in VAT_MODE_NAMES.items():
            self.vat_mode.addItem(QCoreApplication.translate("OrganizationPage", name), code)
        self.vat_mode.setCurrentIndex(self.vat_mode.findData("included"))
        self.vat_rate = QComboBox()
        for rate in VAT_RATES:
            self.vat_rate.addItem(f"{rate} %", str(rate))
        self.vat_mode.currentIndexChanged.connect(self._vat_changed)
        signatures_form.addRow(self._label("vat_mode"), self.vat_mode)
        signatures_form.addRow(self._label("vat_rate"), self.vat_rate)

        grid = QGridLayout(self)
        grid.addWidget(boxes[0][0], 0, 0, 2, 1)
        grid.addWidget(boxes[1][0], 0, 1)
        grid.addWidget(boxes[2][0], 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(1, 1)
        self._checked = False  # messages show after the first Next or an edited field

    def _label(self, key: str) -> str:
        text = QCoreApplication.translate("OrganizationPage", ORG_LABELS[key])
        return text + (" *" if key == "name" else "") + ":"

    def _with_message(self, key: str, edit: QLineEdit) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(edit)
        self.errors[key] = _message_label()
        lay.addWidget(self.errors[key])
        return box

    def _vat_changed(self) -> None:
        self.vat_rate.setEnabled(self.vat_mode.currentData() != "none")

    def values(self) -> dict:
        data = {key: edit.text() for key, edit in self.edits.items()}
        data["vat_mode"] = self.vat_mode.currentData()
        data["vat_rate"] = Decimal(self.vat_rate.currentData())
        return data

    def check(self) -> tuple[dict, list[ValidationError]]:
        """Check every field, show each message beside its field; (requisites, errors)."""
        data, errors = check_organization(self.values())
        by_label = {label: key for key, label in ORG_LABELS.items()}
        messages: dict[str, str] = {}
        for err in errors:
            key = by_label.get(err.field)
            if key in self.errors:
                messages[key] = str(err)
        for key, label in self.errors.items():
            _show(label, messages.get(key))
        return data, errors

    def _recheck(self) -> None:
        edit = self.sender()
        if self._checked or (isinstance(edit, QLineEdit) and edit.text().strip()):
            self.check()

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        self._checked = True
        _data, errors = self.check()
        if errors:
            key = {label: key for key, label in ORG_LABELS.items()}.get(errors[0].field)
            if key in self.edits:
                self.edits[key].setFocus()
        return not errors


class AdminPage(QWizardPage):
    """The first administrator: login, full name, password twice (required: whoever sits at
    the computer could otherwise open every client)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(self.tr("Администратор"))
        self.setSubTitle(
            self.tr("Пользователь, который настраивает программу и заводит остальных.")
        )
        self.login_edit = QLineEdit("admin")
        self.name_edit = QLineEdit(self.tr("Администратор"))
        self.password_edit = QLineEdit()
        self.repeat_edit = QLineEdit()
        for edit in (self.password_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.textChanged.connect(lambda _t: _show(self.error_label, None))
        self.login_edit.textChanged.connect(self.completeChanged)  # not emit(): see _SetupThread
        self.error_label = _message_label()
        hint = _hint_label(
            self.tr(
                "Пароль администратора обязателен. Входить без пароля можно разрешить потом "
                "в настройках (для офиса из одного человека)."
            )
        )
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Имя входа *:"), self.login_edit)
        form.addRow(self.tr("ФИО:"), self.name_edit)
        form.addRow(self.tr("Пароль *:"), self.password_edit)
        form.addRow(self.tr("Пароль ещё раз *:"), self.repeat_edit)
        notes = QWidget()
        notes_layout = QVBoxLayout(notes)
        notes_layout.setContentsMargins(0, 4, 0, 0)
        notes_layout.addWidget(self.error_label)
        notes_layout.addWidget(hint)
        form.addRow("", notes)

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return bool(self.login_edit.text().strip())

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        if not self.password_edit.text():
            _show(self.error_label, self.tr("Поле «Пароль» не заполнено."))
            self.password_edit.setFocus()
            return False
        if self.password_edit.text() != self.repeat_edit.text():
            _show(self.error_label, self.tr("Пароли не совпадают."))
            self.repeat_edit.selectAll()
            self.repeat_edit.setFocus()
            return False
        if any(c.isspace() for c in self.login_edit.text().strip()):
            _show(self.error_label, self.tr("Имя входа не должно содержать пробелов."))
            return False
        return True


class _SetupThread(QThread):
    """Runs create_database off the UI thread; the wizard reads ``progress`` and ``error``.

    No signals of its own: PySide6 6.12 on Python 3.11 loses a reference to True on every
    ``emit()`` made from Python, so the UI polls instead (``finished`` comes from Qt).
    """

    def __init__(self, work: SetupRequest, parent=None):
        super().__init__(parent)
        self.work = work
        self.ok = False
        self.error = ""
        self.progress: tuple[int, int] | None = None  # demo clients made, of how many

    def _progress(self, done: int, total: int) -> None:
        self.progress = (done, total)

    def run(self) -> None:
        try:
            create_database(self.work, self._progress)
            self.ok = True
        except Exception as exc:  # noqa: BLE001 - shown to the user, the wizard stays open
            log.exception("first start setup failed")
            orig = getattr(exc, "orig", None) if isinstance(exc, SQLAlchemyError) else None
            self.error = str(orig or exc) or type(exc).__name__


class DemoPage(QWizardPage):
    """The offer of demo data, then the work itself with a progress bar."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(self.tr("Демонстрационные данные"))
        self.setSubTitle(self.tr("Всё готово к созданию базы."))
        self.demo_check = QCheckBox(self.tr("Заполнить базу демонстрационными данными"))
        self.clients_spin = QSpinBox()
        self.clients_spin.setRange(1, DEMO_MAX_CLIENTS)
        self.clients_spin.setValue(200)
        self.clients_spin.setEnabled(False)
        self.demo_check.toggled.connect(self.clients_spin.setEnabled)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo_check)
        demo_row.addSpacing(16)
        demo_row.addWidget(QLabel(self.tr("Клиентов:")))
        demo_row.addWidget(self.clients_spin)
        demo_row.addStretch(1)
        note = _hint_label(
            self.tr(
                "Клиенты с контактами, сделки, документы, платежи и задачи за год, пять "
                "менеджеров с паролем «demo». Удобно, чтобы попробовать программу; для работы "
                "лучше начать с чистой базы."
            )
        )
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = _message_label()
        layout = QVBoxLayout(self)
        layout.addLayout(demo_row)
        layout.addWidget(note)
        layout.addSpacing(16)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.created = False

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        wizard = self.wizard()
        self.summary.setText(
            self.tr(
                "Нажмите «Готово», чтобы создать базу данных.\n\n"
                "База данных: {0}\nОрганизация: {1}\nАдминистратор: {2}"
            ).format(
                describe_url(wizard.database_url()),
                wizard.organization_page.edits["name"].text().strip(),
                wizard.admin_login(),
            )
        )

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        if self.created:
            return True
        self.wizard().start_setup()
        return False


class FirstStartWizard(QWizard):
    """Makes a ready database on the first start; ``database_url()`` then says which."""

    def __init__(self, parent=None, *, default_path: str | Path | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Первый запуск crmdesk"))
        self.setWindowIcon(icon("app"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, icon("app").pixmap(48, 48))
        for button, text in (
            (QWizard.WizardButton.BackButton, self.tr("< Назад")),
            (QWizard.WizardButton.NextButton, self.tr("Далее >")),
            (QWizard.WizardButton.FinishButton, self.tr("Готово")),
            (QWizard.WizardButton.CancelButton, self.tr("Отмена")),
        ):
            self.setButtonText(button, text)
        self.database_page = DatabasePage(default_path)
        self.organization_page = OrganizationPage()
        self.admin_page = AdminPage()
        self.demo_page = DemoPage()
        for page in (self.database_page, self.organization_page, self.admin_page, self.demo_page):
            self.addPage(page)
        self.setMinimumSize(900, 660)
        self._thread: _SetupThread | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(200)
        self._poll.timeout.connect(self._show_progress)
        self._url: str | None = None

    def database_url(self) -> str:
        """The database made (after Finish) or chosen on the first page (before)."""
        return self._url or self.database_page.database_url()

    def admin_login(self) -> str:
        return self.admin_page.login_edit.text().strip()

    def setup_request(self) -> SetupRequest:
        requisites, _errors = self.organization_page.check()
        clients = (
            self.demo_page.clients_spin.value() if self.demo_page.demo_check.isChecked() else 0
        )
        return SetupRequest(
            url=self.database_page.database_url(),
            organization={k: v for k, v in requisites.items() if k in ORG_LABELS},
            admin_login=self.admin_login(),
            admin_name=self.admin_page.name_edit.text().strip(),
            admin_password=self.admin_page.password_edit.text(),
            demo_clients=clients,
        )

    def is_busy(self) -> bool:
        return self._thread is not None

    def start_setup(self) -> None:
        """Create the database in the background; the wizard closes when it is ready."""
        if self._thread is not None:
            return
        page = self.demo_page
        _show(page.status, self.tr("Создаётся база данных…"), "palette(text)")
        page.progress.setRange(0, 0)
        page.progress.show()
        self._set_buttons(False)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self._thread = _SetupThread(self.setup_request(), self)
        self._thread.finished.connect(self._finished)
        self._poll.start()
        self._thread.start()

    def _show_progress(self) -> None:
        if self._thread is None or self._thread.progress is None:
            return
        done, total = self._thread.progress
        self.demo_page.progress.setRange(0, total)
        self.demo_page.progress.setValue(done)
        _show(
            self.demo_page.status,
            self.tr("Демонстрационные данные: {0} из {1} клиентов").format(done, total),
            "palette(text)",
        )

    def _finished(self) -> None:
        thread, self._thread = self._thread, None
        self._poll.stop()
        QGuiApplication.restoreOverrideCursor()
        self.demo_page.progress.hide()
        self._set_buttons(True)
        if thread is None:
            return
        thread.deleteLater()
        if not thread.ok:
            _show(
                self.demo_page.status,
                self.tr("База данных не создана: {0}").format(thread.error),
            )
            return
        _show(self.demo_page.status, None)
        self._url = thread.work.url
        self.demo_page.created = True
        self.accept()

    def _set_buttons(self, enabled: bool) -> None:
        for which in (
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.FinishButton,
            QWizard.WizardButton.CancelButton,
        ):
            self.button(which).setEnabled(enabled)
        self.demo_page.demo_check.setEnabled(enabled)
        self.demo_page.clients_spin.setEnabled(enabled and self.demo_page.demo_check.isChecked())

    def done(self, result: int) -> None:
        if self._thread is not None:  # no closing half-way through creating the database
            return
        super().done(result)
