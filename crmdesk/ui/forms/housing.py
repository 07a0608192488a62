"""The housing module in the desktop: houses, premises (the card with residents' list, meters
and requests as tabs), meters (readings as a tab, «Внести показание…»), readings, outages;
and «Загрузить показания из файла…». The rules are services/housing.py and readings_io.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
)

from crmdesk.models.service import METER_KINDS, House, Meter, MeterReading, Outage, Premises
from crmdesk.services import housing, readings_io, rights
from crmdesk.services import housinglists as hl
from crmdesk.services.errors import CrmError
from crmdesk.ui.forms import opener, register, register_special
from crmdesk.ui.generic.base import Entity, FormBase, error_list, guarded
from crmdesk.ui.generic.fields import Field, ref_value
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm, Tab
from crmdesk.ui.i18n import tr

EDIT = rights.REQUESTS_ALL


class HouseForm(ObjectForm):
    entity_name = "house"
    title_new = "Дом (создание)"
    lists_changed = ("houses",)
    fields = [Field("address", "Адрес", required=True), Field("note", "Примечание", "multiline")]
    rows = [["address"], ["note"]]
    tabs = [Tab("Помещения", "premises", "house_id")]

    def load(self, ctx, obj_id):
        h = ctx.session.get(House, obj_id)
        return {"address": h.address, "note": h.note}, None, h.address

    def store(self, ctx, obj_id, v, version):
        if obj_id is None:
            return housing.create_house(ctx, v.get("address"), v.get("note")).id
        return housing.update_object(ctx, House, obj_id, v).id


class PremisesForm(ObjectForm):
    """The premises card: residents (in the header), meters and requests as tabs."""

    entity_name = "premises"
    title_new = "Помещение (создание)"
    lists_changed = ("premises",)
    fields = [
        Field("house", "Дом", "ref", ref="house", required=True),
        Field("number", "Номер", required=True),
        Field("kind", "Вид", "choice", choices=hl.KINDS),
        Field("area", "Площадь, м²", "money"),
        Field("residents", "Жители", readonly=True),
    ]
    rows = [["house"], ["number", "kind", "area"], ["residents"]]
    tabs = [Tab("Счётчики", "meter", "premises_id"), Tab("Заявки", "request", "premises_id")]

    def defaults(self, ctx):
        return {"kind": "flat"}

    def load(self, ctx, obj_id):
        card = housing.premises_card(ctx, obj_id)
        p = ctx.session.get(Premises, obj_id)
        roles = {"owner": "собственник", "tenant": "наниматель"}
        residents = "; ".join(
            f"{r['name']} — {roles[r['role']]}"
            + (f", доля {r['share'].normalize():f} %" if r["share"] is not None else "")
            for r in card["residents"])
        values = {"house": ref_value(p.house, "address"), "number": p.number, "kind": p.kind,
                  "area": p.area, "residents": residents or None}
        return values, None, card["title"]

    def store(self, ctx, obj_id, v, version):
        if obj_id is None:
            return housing.create_premises(ctx, v.get("house"), v.get("number"), v.get("area"),
                                           v.get("kind") or "flat").id
        return housing.update_object(ctx, Premises, obj_id, v).id


class MeterForm(ObjectForm):
    entity_name = "meter"
    title_new = "Счётчик (создание)"
    lists_changed = ("meters",)
    fields = [
        Field("premises", "Помещение", "ref", ref="premises", required=True),
        Field("kind", "Вид", "choice", choices=METER_KINDS),
        Field("serial", "Заводской номер", required=True),
        Field("verified_until", "Поверка до", "date"),
    ]
    rows = [["premises"], ["kind", "serial"], ["verified_until"]]
    tabs = [Tab("Показания", "reading", "meter_id")]
    commands = [FormCommand("add", "Внести показание…", "enter_reading")]

    def defaults(self, ctx):
        return {"kind": "cold_water"}

    def load(self, ctx, obj_id):
        m = ctx.session.get(Meter, obj_id)
        values = {"premises": ref_value(m.premises, "number"), "kind": m.kind,
                  "serial": m.serial, "verified_until": m.verified_until}
        values["premises"] = (m.premises_id, m.premises.title())
        return values, None, f"Счётчик {m.serial}"

    def store(self, ctx, obj_id, v, version):
        if obj_id is None:
            return housing.add_meter(ctx, v.get("premises"), v.get("kind"), v.get("serial"),
                                     v.get("verified_until")).id
        return housing.update_object(ctx, Meter, obj_id, v).id

    def enter_reading(self):
        text, ok = QInputDialog.getText(self, tr("Показание"),
                                        tr("Показание на сегодня ({0}):").format(
                                            date.today().strftime("%d.%m.%Y")))
        if not ok:
            return
        with self.app.uow() as ctx:
            _reading, check = housing.enter_reading(ctx, self.obj_id, text.strip())
        if check.status == "flagged":
            QMessageBox.information(self, tr("Показание записано"), check.message)
        self.app.changed("readings", "meters")
        self.reload()


class OutageForm(ObjectForm):
    entity_name = "outage"
    title_new = "Отключение (создание)"
    lists_changed = ("outages",)
    fields = [
        Field("what", "Что отключается", required=True),
        Field("starts_at", "Начало", "datetime", required=True),
        Field("ends_at", "Окончание", "datetime", required=True),
        Field("house", "Дом", "ref", ref="house", required=True),
        Field("notice", "Текст уведомления жителям", "multiline"),
    ]
    rows = [["what"], ["starts_at", "ends_at"], ["house"], ["notice"]]
    commands = [FormCommand("sms", "Разослать жителям…", "mail_residents")]

    def mail_residents(self):
        """A mailing to the residents of the outage's houses by a template of the user's
        choice; it opens as a mailing to check and send («Рассылки»)."""
        from crmdesk.services import templates
        from crmdesk.ui.generic.registry import open_entity

        with self.app.uow(read_only=True) as ctx:
            names = [t.name for t in templates.list_templates(ctx)]
        if not names:
            raise CrmError("Нет шаблонов сообщений: создайте шаблон SMS или письма "
                                   "с текстом уведомления («Шаблоны писем и SMS»).")
        name, ok = QInputDialog.getItem(self, tr("Разослать жителям"), tr("Шаблон:"), names,
                                        0, False)
        if not ok:
            return
        with self.app.uow() as ctx:
            mailing_id = housing.outage_mailing(ctx, self.obj_id, name).id
        self.app.changed("mailings")
        open_entity(self.shell, "mailing", mailing_id)

    def load(self, ctx, obj_id):
        o = ctx.session.get(Outage, obj_id)
        house = o.houses[0] if o.houses else None
        values = {"what": o.what, "starts_at": o.starts_at, "ends_at": o.ends_at,
                  "house": ref_value(house, "address"), "notice": o.notice}
        return values, None, o.what

    def store(self, ctx, obj_id, v, version):
        if obj_id is not None:
            o = ctx.session.get(Outage, obj_id)
            o.what, o.notice = v.get("what") or o.what, v.get("notice")
            o.starts_at, o.ends_at = v.get("starts_at") or o.starts_at, v.get(
                "ends_at") or o.ends_at
            ctx.session.flush()
            return o.id
        return housing.create_outage(ctx, v.get("what"), v.get("starts_at"), v.get("ends_at"),
                                     [v["house"]] if v.get("house") else [], v.get("notice")).id


def _open_reading(shell, obj_id, _initial=None):
    """A reading opens its meter's card (readings are entered there)."""
    from crmdesk.ui.generic.registry import open_entity

    if obj_id is None:
        return None
    with shell.app.uow(read_only=True) as ctx:
        meter_id = ctx.session.get(MeterReading, obj_id).meter_id
    return open_entity(shell, "meter", meter_id)


class ReadingsImport(FormBase):
    """«Загрузить показания из файла…»: choose the file, see every row's verdict (nothing is
    stored yet), then «Загрузить» stores the valid rows; the report can be saved as XLSX."""

    form_key = "readings_import:readings"

    def __init__(self, shell):
        super().__init__(shell)
        self.setWindowTitle(tr("Загрузка показаний счётчиков"))
        self.path: Path | None = None
        self.report = None
        self.choose_button = QPushButton(tr("Выбрать файл…"), self)
        self.load_button = QPushButton(tr("Загрузить"), self)
        self.save_button = QPushButton(tr("Сохранить отчёт…"), self)
        self.load_button.setEnabled(False)
        self.save_button.setEnabled(False)
        self.text = QTextBrowser(self)
        self.text.setPlainText(tr("Файл XLSX или CSV, первая строка — заголовок: «Заводской "
                                  "номер», «Показание», «Дата», «Вид счётчика»."))
        self.choose_button.clicked.connect(lambda: guarded(self, self.choose))
        self.load_button.clicked.connect(lambda: guarded(self, self.load))
        self.save_button.clicked.connect(lambda: guarded(self, self.save_report))
        buttons = QHBoxLayout()
        for b in (self.choose_button, self.load_button, self.save_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.text, 1)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Показания счётчиков"), "",
                                              "Таблицы (*.xlsx *.csv);;Все файлы (*)")
        if path:
            self.check(Path(path))

    def check(self, path: Path) -> None:
        """The dry run: every row's verdict, nothing stored."""
        self.path = path
        with self.app.uow() as ctx:
            self.report = readings_io.import_readings(ctx, path, dry_run=True)
        self._show(tr("Проверка файла {0} (ничего не записано)").format(path.name))
        self.load_button.setEnabled(self.report.count("accepted")
                                    + self.report.count("flagged") > 0)

    def load(self) -> None:
        with self.app.uow() as ctx:
            self.report = readings_io.import_readings(ctx, self.path)
        self.app.changed("readings", "meters")
        self.load_button.setEnabled(False)
        self._show(tr("Загружено из файла {0}").format(self.path.name))

    def _show(self, head: str) -> None:
        r = self.report
        lines = [head, tr("Загружается: {0}, из них проверить {1}; отклонено: {2}.").format(
            r.count("accepted") + r.count("flagged"), r.count("flagged"), r.count("rejected")),
            ""]
        lines += [row.message for row in r.rows if row.status != "accepted"]
        self.text.setPlainText("\n".join(lines))
        self.save_button.setEnabled(True)

    def save_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Отчёт о загрузке"), "загрузка.xlsx",
                                              "XLSX (*.xlsx)")
        if path:
            Path(path).write_bytes(self.report.xlsx())


def import_readings(shell, _target=None):
    if shell.activate(ReadingsImport.form_key):
        return None
    return ReadingsImport(shell)


class CallReadings(QDialog):
    """Meter readings a resident reads out on the phone: the premises' meters with the
    previous reading, a value typed beside each; «Записать» checks them as the readings
    form does and stores all or none (a refused row is named under the table)."""

    COLUMNS = ("Помещение", "Счётчик", "Заводской номер", "Предыдущее", "Показание")

    def __init__(self, parent, app, client_id: int):
        super().__init__(parent)
        self.app, self.client_id = app, client_id
        self.setWindowTitle(tr("Показания счётчиков"))
        with app.uow(read_only=True) as ctx:
            self.meters = housing.caller_meters(ctx, client_id)
        self.table = QTableWidget(len(self.meters), len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in self.COLUMNS])
        self.table.verticalHeader().setVisible(False)
        for r, m in enumerate(self.meters):
            prev = (f"{m['previous'].normalize():f}".replace(".", ",")
                    + f" ({m['previous_period']:%m.%Y})" if m["previous"] is not None
                    else tr("нет"))
            for c, text in enumerate((m["premises"], tr(m["kind"]), m["serial"], prev)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(r, c, item)
            self.table.setItem(r, 4, QTableWidgetItem(""))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c62828;")
        self.save_button = QPushButton(tr("Записать"), self)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: guarded(self, self.save))
        cancel = QPushButton(tr("Отмена"), self)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.resize(760, 120 + 32 * max(3, len(self.meters)))
        if self.meters:
            self.table.setCurrentCell(0, 4)

    def set_value(self, row: int, text: str) -> None:
        self.table.item(row, 4).setText(text)

    def save(self) -> bool:
        values = [(m["meter_id"], self.table.item(r, 4).text())
                  for r, m in enumerate(self.meters)]
        try:
            with self.app.uow() as ctx:
                checks = housing.enter_readings(ctx, values, source="call")
        except CrmError as exc:  # a refused row, or several (InvalidData)
            self.message.setText("\n".join(str(e) for e in error_list(exc)))
            return False
        self.app.changed("readings", "meters")
        flagged = [c.message for c in checks if c.status == "flagged"]
        if flagged:
            QMessageBox.information(self, tr("Показания записаны"), "\n".join(flagged))
        self.accept()
        return True


def _caller_is_resident(window) -> bool:
    from sqlalchemy import select

    from crmdesk.models.service import Resident

    client = (window.card or {}).get("client")
    if client is None:
        return False
    with window.app.uow(read_only=True) as ctx:
        if not housing.enabled(ctx.session):
            return False
        return ctx.session.scalar(select(Resident.id).where(
            Resident.client_id == client["id"]).limit(1)) is not None


def call_readings(window) -> CallReadings:
    """«Показания счётчиков» of the call window: the resident caller's meters."""
    dialog = CallReadings(window, window.app, window.card["client"]["id"])
    window.readings_dialog = dialog
    dialog.open()
    return dialog


def _mark(model):
    def mark(ctx, obj_id, flag):
        housing.require_enabled(ctx.session)
        housing._require_edit(ctx)
        ctx.session.get(model, obj_id).deletion_mark = flag
        ctx.session.flush()

    return mark


def _install() -> None:
    register(Entity("house", "houses", "organization", opener(HouseForm), mark=_mark(House),
                    create_permission=EDIT))
    register(Entity("premises", "premises", "home", opener(PremisesForm),
                    mark=_mark(Premises), create_permission=EDIT))
    register(Entity("meter", "meters", "report", opener(MeterForm), mark=_mark(Meter),
                    create_permission=EDIT))
    register(Entity("reading", "readings", "note", _open_reading, create_permission="-"))
    register(Entity("outage", "outages", "reminder", opener(OutageForm), mark=_mark(Outage),
                    create_permission=EDIT))
    register_special("readings_import", import_readings)


def _add_sections() -> None:
    """ЖКХ items in «Обслуживание» (after the requests' own, see forms/requests.py); shown
    only while the module is switched on (a trading company never sees them)."""
    from crmdesk.ui.shell.sections import MODULES, Item, add_items

    MODULES["housing"] = housing.enabled
    add_items(
        "service",
        Item("list", "houses", "ЖКХ: Дома", "organization", module="housing"),
        Item("list", "premises", "ЖКХ: Помещения", "home", module="housing"),
        Item("list", "meters", "ЖКХ: Счётчики", "report", module="housing"),
        Item("list", "readings", "ЖКХ: Показания счётчиков", "note", module="housing"),
        Item("readings_import", "readings", "ЖКХ: Загрузить показания из файла…",
             "import", rights.INTERACTIONS, module="housing"),
        Item("list", "outages", "ЖКХ: Отключения и работы", "reminder", module="housing"),
        Item("report", "readings-missing", "ЖКХ: Не переданы показания", "chart",
             module="housing"),
    )


def _add_call_button() -> None:
    from crmdesk.ui.shell.calls import EXTRA_BUTTONS

    if not any(text == "Показания счётчиков" for text, *_rest in EXTRA_BUTTONS):
        EXTRA_BUTTONS.append(("Показания счётчиков", _caller_is_resident, call_readings))


def _add_reminder_check() -> None:
    """Meters whose verification runs out appear in the reminders window, once each."""
    from crmdesk.ui.shell.reminders import PERIODIC

    if housing.verification_reminders not in PERIODIC:
        PERIODIC.append(housing.verification_reminders)


_install()
_add_sections()
_add_reminder_check()
_add_call_button()
