"""Meter readings in and out of files.

Import (XLSX or CSV, read by ``crmdesk.services.imports`` with its limits): the first row is
the header; the columns are found by their titles —

    «Заводской номер» (or «Счётчик», «Номер счётчика»)   required
    «Показание» (or «Показания», «Значение»)              required
    «Дата» (or «Дата показания», «Дата снятия»)          optional, today when empty
    «Вид счётчика» (or «Вид», «Ресурс»)                   optional, to tell meters apart

Each row is taken, taken with a warning (consumption far above the usual) or refused with
a message naming the row and field; the valid rows are stored in one transaction
(``dry_run`` stores nothing), and the per-row report can be saved as XLSX.

Export for the billing system (``export_month``), one sheet «Показания», columns EXPORT_COLUMNS:
address, premises, meter kind, serial, period «ММ.ГГГГ», previous and current reading,
consumption, date taken, source, «Проверить» (flagged) — one row per meter with a reading.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from crmdesk.models.service import METER_KINDS, House, Meter, MeterReading, Premises
from crmdesk.services import housing
from crmdesk.services.context import Context
from crmdesk.services.errors import CrmError, ValidationError

HEADERS = {
    "serial": ("заводской номер", "счётчик", "счетчик", "номер счётчика", "номер счетчика",
               "серийный номер"),
    "value": ("показание", "показания", "значение"),
    "date": ("дата", "дата показания", "дата снятия"),
    "kind": ("вид счётчика", "вид счетчика", "вид", "ресурс"),
}
KIND_NAMES = {v.lower(): k for k, v in METER_KINDS.items()} | {k: k for k in METER_KINDS}
EXPORT_COLUMNS = ["Адрес", "Помещение", "Вид счётчика", "Заводской номер", "Период",
                  "Предыдущее показание", "Текущее показание", "Расход", "Дата снятия",
                  "Источник", "Проверить"]
SOURCES = {"hand": "Вручную", "call": "Звонок", "import": "Загрузка"}


@dataclass
class ReadingRow:
    row: int
    serial: str
    value: str
    status: str  # accepted | flagged | rejected
    message: str = ""


@dataclass
class ReadingsReport:
    file: str
    dry_run: bool
    rows: list[ReadingRow] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    def to_json(self) -> dict:
        return {"file": self.file, "dry_run": self.dry_run,
                "accepted": self.count("accepted"), "flagged": self.count("flagged"),
                "rejected": self.count("rejected"),
                "rows": [r.__dict__ for r in self.rows if r.status != "accepted"]}

    def xlsx(self) -> bytes:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "Результат загрузки"
        ws.append(["Строка", "Заводской номер", "Показание", "Результат", "Сообщение"])
        titles = {"accepted": "Загружено", "flagged": "Загружено, проверить",
                  "rejected": "Отклонено"}
        for r in self.rows:
            ws.append([r.row, r.serial, r.value, titles[r.status], r.message])
        for col, width in zip("ABCDE", (8, 18, 12, 22, 90), strict=True):
            ws.column_dimensions[col].width = width
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


def _columns(headers: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = " ".join(str(h or "").lower().replace("ё", "ё").split())
        for key, names in HEADERS.items():
            if name in names and key not in found:
                found[key] = i
    missing = [HEADERS[k][0] for k in ("serial", "value") if k not in found]
    if missing:
        raise CrmError("В файле нет колонок: " + ", ".join(f"«{m.capitalize()}»"
                                                          for m in missing)
                       + ". Первая строка — заголовок: «Заводской номер», «Показание», «Дата».")
    return found


def _date(value, row: int) -> date | None:
    from crmdesk.services.imports.rows import parse_date

    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        parsed = parse_date(value)
    except (ValueError, CrmError):
        parsed = None
    if parsed is None:
        raise ValidationError("Дата", f"«{value}» — не дата", row)
    return parsed


def import_readings(ctx: Context, path, dry_run: bool = False) -> ReadingsReport:
    """Read the file's rows into readings (source «import»); see the module's docstring."""
    from crmdesk.services.imports import open_source

    housing.require_enabled(ctx.session)
    source = open_source(path)
    try:
        sheet = source.sheet(header_row=1)
        cols = _columns(sheet.headers)
        report = ReadingsReport(str(path), dry_run)
        seen: set[tuple[int, date]] = set()
        for n, cells in source.rows(sheet):
            serial = str(cells[cols["serial"]] or "").strip()
            raw = cells[cols["value"]]
            shown = "" if raw is None else str(raw)
            try:
                kind = None
                if "kind" in cols and cells[cols["kind"]] not in (None, ""):
                    kind = KIND_NAMES.get(str(cells[cols["kind"]]).strip().lower())
                    if kind is None:
                        raise ValidationError("Вид счётчика", f"«{cells[cols['kind']]}» — нет "
                                                              "такого вида", n)
                if not serial:
                    raise ValidationError("Заводской номер", "не заполнено", n)
                meter = housing.find_meter(ctx.session, serial, kind)
                if meter is None:
                    raise ValidationError("Заводской номер", f"счётчик «{serial}» не найден "
                                                             "(или их несколько: укажите вид)", n)
                taken = _date(cells[cols["date"]], n) if "date" in cols else None
                key = (meter.id, housing.month_of(taken or date.today()))
                if key in seen:
                    raise ValidationError("Заводской номер", "показание этого счётчика за "
                                                             "месяц уже есть выше в файле", n)
                with ctx.session.begin_nested():
                    _reading, check = housing.enter_reading(ctx, meter.id, raw, taken,
                                                            "import", row=n)
                seen.add(key)
                status = "flagged" if check.status == "flagged" else "accepted"
                report.rows.append(ReadingRow(n, serial, shown, status, check.message or ""))
            except ValidationError as exc:
                report.rows.append(ReadingRow(n, serial, shown, "rejected", str(exc)))
    finally:
        if hasattr(source, "close"):
            source.close()
    if dry_run:
        ctx.session.rollback()
    return report


def export_month(ctx: Context, month: date) -> bytes:
    """The month's readings for the billing system as XLSX (layout in the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    housing.require_enabled(ctx.session)
    period = housing.month_of(month)
    wb = Workbook()
    ws = wb.active
    ws.title = "Показания"
    ws.append(EXPORT_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    rows = ctx.session.execute(
        select(MeterReading, Meter, Premises, House)
        .join(Meter, Meter.id == MeterReading.meter_id)
        .join(Premises, Premises.id == Meter.premises_id)
        .join(House, House.id == Premises.house_id)
        .where(MeterReading.period == period)
        .order_by(House.address, Premises.number, Meter.kind)).all()
    for reading, meter, prem, house in rows:
        prev = ctx.session.scalar(select(MeterReading.value).where(
            MeterReading.meter_id == meter.id, MeterReading.period < period)
            .order_by(MeterReading.period.desc()).limit(1))
        ws.append([house.address, prem.number, METER_KINDS[meter.kind], meter.serial,
                   f"{period:%m.%Y}", prev, reading.value,
                   (reading.value - prev) if prev is not None else None, reading.taken_on,
                   SOURCES.get(reading.source, reading.source), "да" if reading.flagged else ""])
    for row in ws.iter_rows(min_row=2):
        for i in (5, 6, 7):
            if isinstance(row[i].value, Decimal):
                row[i].number_format = "0.000"
        row[8].number_format = "DD.MM.YYYY"
    for col, width in zip("ABCDEFGHIJK", (40, 10, 24, 16, 9, 14, 14, 10, 12, 10, 10),
                          strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
