"""The files people bring: XLSX (any sheet), CSV (any encoding and separator), vCard.

``open_source(path)`` looks at the file and gives a ``Source``; ``source.sheet()`` finds
the header row and shows the first rows (what the wizard's first steps display);
``source.rows(sheet)`` streams the data rows with the row numbers the user sees.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crmdesk.services.errors import CrmError
from crmdesk.services.imports import vcard, xlsx
from crmdesk.services.imports.columns import detect_header, header_score, normalize_header

SCAN_ROWS = 30  # rows looked at to find the header
SNIFF_BYTES = 256 * 1024


@dataclass
class Sheet:
    """One table of a file as the wizard shows it."""

    name: str
    header_row: int  # the header's row number in the file (0: the format has none)
    headers: list[str]
    sample: list[tuple[int, list]] = field(default_factory=list)  # (row number, cells)
    total: int = 0  # data rows, or an estimate (0: unknown)


class Source:
    """A file to import; subclasses read one format."""

    kind = "?"

    def __init__(self, path: Path):
        self.path = Path(path)

    def sheet_names(self) -> list[str]:
        return [self.path.name]

    def raw_rows(self, name: str | None = None) -> Iterator[tuple[int, list]]:
        raise NotImplementedError

    def estimate(self, name: str | None = None) -> int:
        return 0

    def default_sheet(self) -> str:
        return self.sheet_names()[0]

    def sheet(
        self, name: str | None = None, sample: int = 20, header_row: int | None = None
    ) -> Sheet:
        """The header row (found among the first rows, or the one given), the first data rows."""
        name = self._check_name(name)
        head: list[tuple[int, list]] = []
        it = self.raw_rows(name)
        wanted = SCAN_ROWS if header_row is None else max(SCAN_ROWS, header_row + sample)
        for item in it:
            head.append(item)
            if len(head) >= wanted:
                break
        if hasattr(it, "close"):
            it.close()
        nonempty = [(n, cells) for n, cells in head if _filled(cells)]
        if header_row is not None:
            given = [(n, cells) for n, cells in nonempty if n == header_row]
            if not given:
                raise CrmError(
                    f"В файле {self.path.name} (лист «{name}») строка {header_row} пуста или "
                    "её нет: заголовок не может быть в ней."
                )
            header_row, cells = given[0]
        elif not nonempty:
            return Sheet(name, 0, [], [], 0)
        else:
            header_row, cells = nonempty[detect_header(nonempty)]
        headers = _headers(cells)
        rows = [(n, c) for n, c in head if n > header_row and _filled(c)][:sample]
        total = self.estimate(name)
        return Sheet(name, header_row, headers, rows, max(0, total - header_row) if total else 0)

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, list]]:
        """Data rows under the header (empty rows skipped), cells padded to the headers."""
        width = len(sheet.headers)
        for n, cells in self.raw_rows(sheet.name):
            if n <= sheet.header_row or not _filled(cells):
                continue
            cells = list(cells)
            if len(cells) < width:
                cells += [None] * (width - len(cells))
            yield n, cells

    def _check_name(self, name: str | None) -> str:
        names = self.sheet_names()
        if name is None:
            return self.default_sheet()
        if name not in names:
            raise CrmError(
                f"В файле {self.path.name} нет листа «{name}»; листы: {', '.join(names)}."
            )
        return name

    def describe(self) -> str:
        return self.kind


def _filled(cells) -> bool:
    return any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells)


def _headers(cells: list) -> list[str]:
    out = []
    for c in cells:
        text = "" if c is None else " ".join(str(c).split())
        out.append(text)
    while out and not out[-1]:
        out.pop()
    return out


class XlsxSource(Source):
    kind = "xlsx"

    def __init__(self, path: Path):
        super().__init__(path)
        try:
            self._wb = xlsx.Workbook(path)
        except xlsx.XlsxLimit as exc:
            raise CrmError(f"Файл {Path(path).name} не загружен: {exc}.") from None
        except xlsx.XlsxError as exc:
            raise CrmError(f"Файл {Path(path).name} не читается как книга Excel: {exc}") from None

    def sheet_names(self) -> list[str]:
        return self._wb.sheetnames

    def default_sheet(self) -> str:
        """The first sheet with a recognizable header, else the first one."""
        for name in self.sheet_names():
            if header_score(Source.sheet(self, name, sample=0).headers) >= 2:
                return name
        return self.sheet_names()[0]

    def raw_rows(self, name=None) -> Iterator[tuple[int, list]]:
        name = name or self.sheet_names()[0]
        n = 0
        try:
            for n, cells in self._wb.rows(name):
                yield n, cells
        except CrmError:
            raise
        except xlsx.XlsxLimit as exc:
            raise CrmError(f"Файл {self.path.name} не загружен: {exc}.") from None
        except Exception as exc:  # broken XML or zip data, a reference to nothing
            raise CrmError(
                f"Файл {self.path.name}, лист «{name}»: книга Excel повреждена после строки {n} "
                f"({xlsx.describe_problem(exc)})"
            ) from None

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, list]]:
        """The data rows, after one fast pass that checks the sheet against the limits."""
        try:
            self._wb.check_sheet(sheet.name)
        except xlsx.XlsxLimit as exc:
            raise CrmError(f"Файл {self.path.name} не загружен: {exc}.") from None
        except Exception:  # a broken archive: the rows tell where when they are read
            pass
        return super().rows(sheet)

    def estimate(self, name=None) -> int:
        try:
            return self._wb.dimension_rows(name or self.sheet_names()[0])
        except xlsx.XlsxLimit as exc:
            raise CrmError(f"Файл {self.path.name} не загружен: {exc}.") from None
        except Exception:  # the rows tell what is wrong when they are read
            return 0

    def close(self) -> None:
        self._wb.close()


def detect_encoding(data: bytes, path: Path | None = None) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1251.

    With ``path`` the whole file is checked to be UTF-8 (a Windows-1251 letter far down a
    file must not turn into "�"), in chunks, at the speed of the C decoder.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        if path is None:
            decoder.decode(data, final=False)
        else:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1251"


def detect_delimiter(text: str) -> str:
    """The separator (',', ';' or tab) that splits the first records most consistently."""
    best, best_key = ",", (-1, -1)
    for delim in (",", ";", "\t"):
        counts: dict[int, int] = {}
        try:
            reader = csv.reader(io.StringIO(text), delimiter=delim)
            for i, rec in enumerate(reader):
                if i >= 50:
                    break
                if rec:
                    counts[len(rec)] = counts.get(len(rec), 0) + 1
        except csv.Error:
            pass  # judged on the records before the broken one (reading tells where it is)
        if not counts:
            continue
        width, times = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        key = (times if width > 1 else 0, width)
        if key > best_key:
            best, best_key = delim, key
    return best


CONTROL_SHARE = 0.01  # more control characters than this: not a text table


def _check_text(path: Path, text: str) -> None:
    """Refuse a binary file (or one in an encoding not told) before it is read as CSV."""
    if not text:
        return
    control = sum(text.count(chr(c)) for c in range(32) if chr(c) not in "\t\r\n\f")
    control += text.count("\ufffd")
    if control > max(2, len(text) * CONTROL_SHARE):
        raise CrmError(
            f"Файл {path.name} не похож на таблицу CSV: в начале файла "
            f"{control * 100 / len(text):.0f}% непечатаемых символов — это двоичный файл "
            "или текст в неизвестной кодировке. Сохраните таблицу как CSV (UTF-8 или "
            "Windows-1251) или XLSX."
        )


LINE_CHARS = 4 * 1024 * 1024  # the longest line of a CSV file read


def _lines(f, path: Path) -> Iterator[str]:
    """The lines of a CSV file; a line longer than ``LINE_CHARS`` is refused before it
    fills memory (no table has one: it is a binary file or a broken export)."""
    for number, line in enumerate(iter(lambda: f.readline(LINE_CHARS + 1), ""), 1):
        if len(line) > LINE_CHARS:
            raise CrmError(
                f"Файл {path.name}, строка файла {number}: длиннее "
                f"{LINE_CHARS // (1024 * 1024)} млн символов — это не таблица CSV."
            )
        yield line


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        limit = f"{csv.field_size_limit():,}".replace(",", " ")
        return (
            f"не читается как CSV: значение длиннее {limit} символов (предел поля CSV) — "
            "вероятно, кавычка открыта и не закрыта"
        )
    return f"не читается как CSV ({text})"


class CsvSource(Source):
    kind = "csv"

    def __init__(self, path: Path):
        super().__init__(path)
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
        self.encoding = detect_encoding(head, self.path)
        text = head.decode(self.encoding, errors="ignore")
        if len(head) == SNIFF_BYTES:  # do not judge on a cut last record
            text = text[: text.rfind("\n") + 1] or text
        _check_text(self.path, text)
        self.delimiter = detect_delimiter(text)
        try:
            first = next(csv.reader(io.StringIO(text), delimiter=self.delimiter), [])
        except csv.Error as exc:
            raise CrmError(f"Файл {self.path.name}, запись 1: {_csv_problem(exc)}") from None
        norm = {normalize_header(h) for h in first}
        if {"first name", "labels"} <= norm or {"given name", "group membership"} <= norm:
            self.kind = "google"
        self._total: int | None = None

    def raw_rows(self, name=None) -> Iterator[tuple[int, list]]:
        columns = xlsx.LIMITS.columns
        with open(self.path, encoding=self.encoding, newline="", errors="replace") as f:
            reader = csv.reader(_lines(f, self.path), delimiter=self.delimiter)
            n = 0
            try:
                for n, rec in enumerate(reader, 1):
                    if len(rec) > columns:
                        while rec and not rec[-1].strip():
                            rec.pop()
                        if len(rec) > columns:
                            raise CrmError(
                                f"Файл {self.path.name}, запись {n} (строка файла "
                                f"{reader.line_num}): в ней {len(rec)} полей, а загружаются "
                                f"таблицы не шире {columns} колонок."
                            )
                    yield n, [c if c.strip() else None for c in rec]
            except csv.Error as exc:
                raise CrmError(
                    f"Файл {self.path.name}, запись {n + 1} (строка файла {reader.line_num}): "
                    f"{_csv_problem(exc)}"
                ) from None

    def estimate(self, name=None) -> int:
        if self._total is None:
            self._total = sum(1 for _ in self.raw_rows())
        return self._total

    def describe(self) -> str:
        sep = {",": "запятая", ";": "точка с запятой", "\t": "табуляция"}[self.delimiter]
        return f"{self.kind}, {self.encoding}, разделитель: {sep}"


class VcardSource(Source):
    kind = "vcard"

    def __init__(self, path: Path):
        super().__init__(path)
        self.encoding = vcard.detect_encoding(path)
        self._total: int | None = None

    def raw_rows(self, name=None) -> Iterator[tuple[int, list]]:
        """The cards, read line by line (a file of any size in flat memory)."""
        yield 0, list(vcard.HEADERS)
        with open(self.path, encoding=self.encoding, errors="replace") as f:
            yield from enumerate(vcard.read_cards(vcard.physical_lines(f)), 1)

    def estimate(self, name=None) -> int:
        if self._total is None:
            with open(self.path, encoding=self.encoding, errors="replace") as f:
                self._total = sum(1 for line in f if line[:11].upper() == "BEGIN:VCARD")
        return self._total

    def sheet(self, name=None, sample: int = 20, header_row=None) -> Sheet:
        rows = []
        it = self.raw_rows()
        for n, cells in it:
            if len(rows) >= sample:
                break
            if n:
                rows.append((n, cells))
        it.close()
        total = self.estimate()
        return Sheet(self.path.name, 0, list(vcard.HEADERS), rows, total)


def open_source(path) -> Source:
    """The reader for a file, chosen by its content (then its extension)."""
    path = Path(path)
    if not path.is_file():
        raise CrmError(f"Файл {path} не найден.")
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return XlsxSource(path)
    if vcard.looks_like_vcard(head):
        return VcardSource(path)
    if path.suffix.lower() in (".xls",):
        raise CrmError(
            f"Файл {path.name} в старом формате Excel (.xls): сохраните его как .xlsx или .csv."
        )
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CrmError(f"Файл {path.name} не похож ни на таблицу, ни на vCard.")
    return CsvSource(path)
