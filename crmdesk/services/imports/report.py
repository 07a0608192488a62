"""What an import did: counts, and every rejected, warned or merged row — on screen or as XLSX."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

# kinds of report rows
REJECTED, WARNING, MERGED, NOTE = "rejected", "warning", "merged", "note"
KIND_TITLES = {
    REJECTED: "Отклонена",
    WARNING: "Предупреждение",
    MERGED: "Объединена",
    NOTE: "Замечание",
}

# reasons: stable English phrases (tests and integrations compare them); ``message`` is
# the Russian text for the user
NO_IDENTITY = "no name and no contact data"
BAD_INN = "invalid INN checksum/length"
BAD_KPP = "invalid KPP"
BAD_OGRN = "invalid OGRN"
BAD_EMAIL = "invalid e-mail"
BAD_PHONE = "impossible phone"
BAD_DATE = "invalid date"
SAME_INN = "same INN"
SAME_PHONE = "same phone"
SAME_EMAIL = "same e-mail"
SAME_NAME = "same name, no phone, INN or e-mail"
OTHER_MANAGER = "duplicate of another manager's client"
UNKNOWN_MANAGER = "unknown manager"
NO_ASSIGN_RIGHT = "no right to assign clients"
VALUE_DIFFERS = "stored value kept"
UNKNOWN_GROUP = "group not in the catalogue, no right to create it"

# rows listed at most: a file of a million rejected rows must not fill memory with its
# report; the rest are counted (``omitted``), and the counts stay exact
MAX_ITEMS = 100_000


@dataclass(slots=True)
class ReportRow:
    row: int  # as the user sees it: the spreadsheet row, the CSV record, the vCard number
    kind: str  # rejected | warning | merged | note
    field: str  # the column as the file names it
    value: str  # the raw value
    reason: str  # one of the reasons above
    message: str  # for the user, in Russian
    client: str | None = None  # the client the row went into (merged, warned)
    client_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ImportReport:
    file: str
    format: str = ""
    sheet: str | None = None
    header_row: int = 0
    mapping: dict[str, str] = field(default_factory=dict)  # header → field
    rows: int = 0  # data rows read (empty rows not counted)
    created: int = 0
    merged: int = 0
    rejected: int = 0
    warnings: int = 0
    dry_run: bool = False
    seconds: float = 0.0
    items: list[ReportRow] = field(default_factory=list)
    omitted: int = 0  # report rows past MAX_ITEMS: counted, not listed

    def add(self, item: ReportRow) -> None:
        if len(self.items) < MAX_ITEMS:
            self.items.append(item)
        else:
            self.omitted += 1
        if item.kind == WARNING:
            self.warnings += 1

    def of_kind(self, kind: str) -> list[ReportRow]:
        return [i for i in self.items if i.kind == kind]

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "merged": self.merged,
            "rejected": self.rejected,
            "warnings": self.warnings,
        }

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "format": self.format,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "mapping": self.mapping,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 2),
            **self.counts(),
            "omitted": self.omitted,
            "report": [i.as_dict() for i in self.items],
        }

    def summary(self) -> str:
        head = "Проверка без записи" if self.dry_run else "Загрузка клиентов"
        text = (
            f"{head}: {self.file} — строк {self.rows}, создано {self.created}, "
            f"объединено {self.merged}, отклонено {self.rejected}, "
            f"предупреждений {self.warnings}"
        )
        if self.omitted:
            text += (
                f" (в отчёте первые {len(self.items)} замечаний, ещё {self.omitted} "
                "не перечислены)"
            )
        return text

    def save_xlsx(self, path) -> Path:
        """The report as a workbook: the rows with problems, then the summary."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "Отчёт"
        ws.append(["Строка", "Колонка", "Значение", "Результат", "Причина", "Клиент", "reason"])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i in self.items:
            ws.append(
                [
                    i.row,
                    i.field,
                    i.value,
                    KIND_TITLES.get(i.kind, i.kind),
                    i.message,
                    i.client,
                    i.reason,
                ]
            )
        if self.omitted:
            ws.append([None, None, None, None, f"… и ещё {self.omitted} замечаний не перечислены"])
        for col, width in zip("ABCDEFG", (8, 18, 30, 16, 70, 30, 30), strict=True):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A2"
        info = wb.create_sheet("Итог")
        info.append(["Файл", self.file])
        info.append(["Лист", self.sheet or ""])
        info.append(["Строка заголовка", self.header_row])
        info.append(["Проверка без записи", "да" if self.dry_run else "нет"])
        for key, title in (
            ("rows", "Строк в файле"),
            ("created", "Создано клиентов"),
            ("merged", "Объединено с имеющимися"),
            ("rejected", "Отклонено"),
            ("warnings", "Предупреждений"),
        ):
            info.append([title, self.counts()[key]])
        info.append([])
        info.append(["Колонка", "Поле"])
        for header, code in self.mapping.items():
            info.append([header, code])
        info.column_dimensions["A"].width = 28
        info.column_dimensions["B"].width = 40
        path = Path(path)
        wb.save(path)
        return path
