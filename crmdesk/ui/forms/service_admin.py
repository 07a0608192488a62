"""The service's administration in the desktop: «Настройки обслуживания» (the housing module,
the applicant's notices, meter verification reminders) and the production calendar the
requests' deadlines are counted in (its exceptions listed, a day made a holiday, a working
day or left to the week). The rules are services/requestcatalog.py and calendar.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from crmdesk.services import calendar, requestcatalog, rights
from crmdesk.ui.forms import opener, register, register_special
from crmdesk.ui.generic.base import Entity, FormBase, guarded
from crmdesk.ui.generic.fields import Field
from crmdesk.ui.generic.objectform import ObjectForm
from crmdesk.ui.i18n import tr

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
SHORT_KINDS = {"holiday": "выходной", "workday": "рабочий", "normal": "по дню недели"}
HOLIDAY = QColor("#c62828")
WORKDAY = QColor("#2e7d32")


class ServiceSettingsForm(ObjectForm):
    """«Настройки обслуживания»: one record for the whole database (the administrator)."""

    entity_name = "service_settings"
    title_new = "Настройки обслуживания"
    write_permission = rights.ADMIN
    lists_changed = ("settings",)  # the main window shows or hides the housing items
    fields = [
        Field("housing_enabled", requestcatalog.SERVICE_SETTINGS["housing_enabled"], "bool",
              hint="дома, помещения, жители, счётчики и показания, отключения"),
        Field("requests_notify_sms", requestcatalog.SERVICE_SETTINGS["requests_notify_sms"],
              "bool", hint="при регистрации и выполнении заявки, если известен телефон"),
        Field("requests_notify_email",
              requestcatalog.SERVICE_SETTINGS["requests_notify_email"], "bool",
              hint="если известен адрес; заявку из письма — письмом"),
        Field("meter_verify_days", requestcatalog.SERVICE_SETTINGS["meter_verify_days"], "int"),
    ]
    rows = [["housing_enabled"], ["requests_notify_sms"], ["requests_notify_email"],
            ["meter_verify_days"]]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        super().__init__(shell, 1, initial, parent)
        self.form_key = "service_settings:1"

    def load(self, ctx, obj_id):
        return requestcatalog.service_settings(ctx.session), None, tr("Настройки обслуживания")

    def store(self, ctx, obj_id, v, version):
        requestcatalog.save_service_settings(ctx, v)
        return 1


class CalendarForm(FormBase):
    """«Производственный календарь»: the year's exceptions to «Monday to Friday work» (the
    shipped holidays and transfers, and the administrator's edits) beside a month calendar
    with days off in red; the chosen day is made a holiday, a working day, or follows the
    week again."""

    form_key = "production_calendar:all"

    def __init__(self, shell, year: int | None = None):
        super().__init__(shell)
        self.setWindowTitle(tr("Производственный календарь"))
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(year or date.today().year)
        self.year.setPrefix(tr("Год: "))
        self.summary = QLabel(self)
        self.calendar = QCalendarWidget(self)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(
            QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setMinimumSize(330, 240)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([tr("Дата"), tr("Вид дня"), tr("Наименование")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)  # one line a day; the whole name in the tooltip
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col in (0, 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._row_chosen)
        self.day_label = QLabel(self)
        self.day_label.setWordWrap(True)
        self.holiday_button = QPushButton(tr("Сделать выходным…"), self)
        self.workday_button = QPushButton(tr("Сделать рабочим"), self)
        self.normal_button = QPushButton(tr("По дню недели"), self)
        self.holiday_button.clicked.connect(lambda: guarded(self, self.make, "holiday"))
        self.workday_button.clicked.connect(lambda: guarded(self, self.make, "workday"))
        self.normal_button.clicked.connect(lambda: guarded(self, self.make, "normal"))
        allowed = self.app.can(rights.ADMIN)
        for b in (self.holiday_button, self.workday_button, self.normal_button):
            b.setEnabled(allowed)
            b.setToolTip("" if allowed else tr("Календарь меняет администратор"))
        self.year.valueChanged.connect(lambda y: self.calendar.setCurrentPage(
            y, self.calendar.monthShown()) or self.refresh())
        self.calendar.selectionChanged.connect(self._show_day)
        self.calendar.currentPageChanged.connect(
            lambda y, _m: y != self.year.value() and self.year.setValue(y))
        left = QVBoxLayout()
        left.addWidget(self.year)
        left.addWidget(self.calendar)
        left.addWidget(self.day_label)
        for b in (self.holiday_button, self.workday_button, self.normal_button):
            left.addWidget(b)
        left.addWidget(self.summary)
        left.addStretch(1)
        row = QHBoxLayout(self)
        row.addLayout(left)
        row.addWidget(self.table, 1)
        self.rows: list[dict] = []
        self.calendar.setCurrentPage(self.year.value(), self.calendar.monthShown())
        self.refresh()
        self._show_day()

    def chosen(self) -> date:
        return self.calendar.selectedDate().toPython()

    def choose(self, day: date) -> None:
        if day.year != self.year.value():
            self.year.setValue(day.year)
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))

    def refresh(self) -> None:
        year = self.year.value()
        with self.app.uow(read_only=True) as ctx:
            self.rows = calendar.list_days(ctx.session, year)
            day, off = date(year, 1, 1), []
            while day.year == year:
                if not calendar.is_working_day(ctx.session, day):
                    off.append(day)
                day += timedelta(days=1)
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        self.summary.setText(tr("Рабочих дней: {0}, выходных и праздничных: {1}").format(
            days - len(off), len(off)))
        self.table.setRowCount(len(self.rows))
        for r, item in enumerate(self.rows):
            cells = (f"{item['day']:%d.%m.%Y}, {tr(WEEKDAYS[item['day'].weekday()])}",
                     tr(SHORT_KINDS[item["kind"]]), item["name"] or "")
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                if item["kind"] == "holiday":
                    cell.setForeground(QBrush(HOLIDAY))
                elif item["kind"] == "workday":
                    cell.setForeground(QBrush(WORKDAY))
                if item["edited"]:
                    cell.setToolTip(f"{text} — {tr('Изменено администратором')}")
                    font = QFont()
                    font.setBold(True)
                    cell.setFont(font)
                self.table.setItem(r, c, cell)
        self.calendar.setDateTextFormat(QDate(), QTextCharFormat())  # forget the old marks
        red, green = QTextCharFormat(), QTextCharFormat()
        red.setForeground(QBrush(HOLIDAY))
        red.setFontWeight(QFont.Weight.Bold)
        green.setForeground(QBrush(WORKDAY))
        green.setFontWeight(QFont.Weight.Bold)
        for day in off:
            self.calendar.setDateTextFormat(QDate(day.year, day.month, day.day), red)
        for item in self.rows:
            if item["kind"] == "workday":
                d = item["day"]
                self.calendar.setDateTextFormat(QDate(d.year, d.month, d.day), green)
        self._show_day()

    def _row_chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.rows):
            self.choose(self.rows[rows[0].row()]["day"])

    def _show_day(self) -> None:
        day = self.chosen()
        with self.app.uow(read_only=True) as ctx:
            working = calendar.is_working_day(ctx.session, day)
        known = next((r for r in self.rows if r["day"] == day), None)
        text = f"{day:%d.%m.%Y} ({tr(WEEKDAYS[day.weekday()])}): " + (
            tr("рабочий день") if working else tr("выходной"))
        if known and known["name"]:
            text += f" — {known['name']}"
        self.day_label.setText(text)

    def make(self, kind: str, name: str | None = None) -> None:
        """The chosen day becomes a holiday (its name asked), a working day, or «normal»."""
        day = self.chosen()
        if kind == "holiday" and name is None:
            name, ok = QInputDialog.getText(self, tr("Выходной день"),
                                            tr("Наименование (праздник, перенос):"))
            if not ok:
                return
        with self.app.uow() as ctx:
            calendar.set_day(ctx, day, kind, (name or "").strip() or None)
        self.refresh()
        self.choose(day)


def open_calendar(shell, _target=None):
    """The calendar form; an open one is brought forward instead (nothing to host then)."""
    if shell.activate(CalendarForm.form_key):
        return None
    return CalendarForm(shell)


def _install() -> None:
    from crmdesk.ui.shell.sections import Item, add_items

    register(Entity("service_settings", "service_settings", "settings",
                    opener(ServiceSettingsForm)))
    register_special("production_calendar", open_calendar)
    add_items("admin",
              Item("form", "service_settings", "Настройки обслуживания", "settings",
                   rights.ADMIN),
              Item("production_calendar", "all", "Производственный календарь", "reminder",
                   rights.ADMIN), at=2)
    add_items("service",
              Item("production_calendar", "all", "Производственный календарь", "reminder"))


_install()
