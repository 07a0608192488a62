"""A streaming XLSX reader for imports: values only, row by row, in bounded memory.

openpyxl's read-only mode builds a cell object per value and parses rich text for every
string, which costs several seconds per 100,000 rows; an import needs none of it. This
reads the sheet XML with ``iterparse``, drops each row once read, and gives the values
as openpyxl would with ``values_only=True, data_only=True``: text, int/float, bool, and
datetime for numbers in a date format (openpyxl's own date-format test and converter).

A workbook is a zip archive of XML, so a small file can unpack into gigabytes or hold a
cell reference far past the last column. Every part is read through limits (``LIMITS``):
the compression methods Excel uses, the unpacked size and packing ratio of each part, the
rows and columns of a sheet, the length of a cell, the number of shared strings. A file
over a limit raises ``XlsxLimit`` naming it — before the part is unpacked when the zip's
directory tells, else as soon as the limit is crossed — so memory stays flat.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import iterparse

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_COL = re.compile(r"\$?([A-Za-z]{1,4})")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\$?(\d*):?\$?[A-Z]*\$?(\d*)"')
MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold to be imported (Excel's own where Excel has one)."""

    sheet_bytes: int = 1024 * MiB  # a sheet's XML unpacked (a full 1,048,576-row sheet fits)
    strings_bytes: int = 256 * MiB  # the shared strings' XML unpacked
    part_bytes: int = 16 * MiB  # any other part read (workbook, relations, styles)
    ratio: int = 100  # unpacked ÷ packed, for parts over 1 MiB (real sheets: 5–30)
    members: int = 10_000  # files in the archive
    rows: int = 1_048_576  # Excel's last row
    columns: int = 1024  # the last column a value may sit in (Excel's: 16,384)
    cell_chars: int = 32_767  # Excel's limit of a cell's text
    shared_strings: int = 16_000_000
    part_elements: int = 200_000  # XML elements of a small part (styles, workbook)


LIMITS = Limits()


class XlsxError(Exception):
    """The file is not a readable workbook."""


class XlsxLimit(XlsxError):
    """The workbook is over one of the limits; str() names it (Russian, for the user)."""


def describe_problem(exc: Exception) -> str:
    """What is wrong with the archive, in words for the user."""
    if isinstance(exc, zipfile.BadZipFile | EOFError):
        return f"архив повреждён или обрезан ({exc})"
    if isinstance(exc, KeyError):
        part = str(exc).split("'")[1] if "'" in str(exc) else str(exc)
        return f"в архиве нет части {part} — это не книга Excel"
    if isinstance(exc, SyntaxError):
        return f"XML книги повреждён ({exc})"
    if isinstance(exc, IndexError):
        return "ячейка ссылается на общую строку, которой в книге нет"
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__


def _ns(tag: str) -> str:
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def column_letter(n: int) -> str:
    """1 → A, 1024 → AMJ."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column(ref: str) -> int:
    """Zero-based column of a cell reference; a reference past XFD gives a huge number
    (checked against the limit by the caller) without computing a giant integer."""
    m = _COL.match(ref)
    if m is None:
        raise ValueError(f"ссылка на ячейку «{ref[:20]}»")
    n = 0
    for ch in m.group(1).upper():
        n = n * 26 + ord(ch) - 64
    if len(ref) > len(m.group(0)) and ref[len(m.group(0))].isalpha():
        return 1 << 30  # five letters and more: far past any column
    return n - 1


def _mib(n: int) -> str:
    return f"{n / MiB:,.0f} МБ".replace(",", " ")


class _Guarded:
    """A part's stream that stops at its size limit and at any text run (a cell's text,
    an attribute) longer than a cell may hold, before the XML parser buffers it."""

    _LONG = None

    def __init__(self, raw, name: str, cap: int, limits: Limits):
        self.raw, self.name, self.cap = raw, name, cap
        self.read_bytes = 0
        self.run = 0  # bytes since the last '<' or '>'
        self.max_run = limits.cell_chars * 8 + 1024  # "&#x1F600;" is 9 bytes a character
        self.limits = limits

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n if n and n > 0 else 64 * 1024)
        if not data:
            return data
        self.read_bytes += len(data)
        if self.read_bytes > self.cap:
            raise XlsxLimit(f"часть книги {self.name} больше {_mib(self.cap)} в распакованном виде")
        last = max(data.rfind(b"<"), data.rfind(b">"))
        if last < 0:
            self.run += len(data)
        else:
            first = min(i for i in (data.find(b"<"), data.find(b">")) if i >= 0)
            if self.run + first > self.max_run or _long_run(data, self.max_run):
                self._too_long()
            self.run = len(data) - last - 1
        if self.run > self.max_run:
            self._too_long()
        return data

    def _too_long(self):
        raise XlsxLimit(
            f"в части книги {self.name} ячейка или атрибут длиннее "
            f"{self.limits.cell_chars} символов (предел ячейки Excel)"
        )

    def close(self) -> None:
        self.raw.close()


_RUNS: dict[int, re.Pattern] = {}


def _long_run(data: bytes, limit: int) -> bool:
    if len(data) <= limit:
        return False
    pattern = _RUNS.get(limit)
    if pattern is None:
        pattern = _RUNS[limit] = re.compile(rb"[^<>]{%d}" % (limit + 1))
    return pattern.search(data) is not None


class Workbook:
    """Sheet names, and the rows of any sheet as lists of plain values."""

    def __init__(self, path, limits: Limits | None = None):
        self.limits = limits or LIMITS
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise XlsxError(describe_problem(exc)) from None
        try:
            self._check_archive()
            self._sheets = self._read_workbook()
            self._check_parts()
        except XlsxError:
            self.zf.close()
            raise
        except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, OSError, EOFError) as exc:
            self.zf.close()
            raise XlsxError(describe_problem(exc)) from None
        self._strings: _Strings | None = None
        self._dates: set[int] | None = None

    # -- the archive -------------------------------------------------------------------
    def _check_archive(self) -> None:
        lim = self.limits
        infos = self.zf.infolist()
        if len(infos) > lim.members:
            raise XlsxLimit(f"в архиве книги больше {lim.members} файлов")
        self._names = {i.filename for i in infos}

    def _cap(self, name: str) -> int:
        if name == "xl/sharedStrings.xml":
            return self.limits.strings_bytes
        if name in getattr(self, "_sheets", {}).values():
            return self.limits.sheet_bytes
        return self.limits.part_bytes

    def _check_parts(self) -> None:
        """Every part an import reads, checked against the zip directory at once: a zip
        bomb is refused when the file is chosen, before any sheet is looked at."""
        for name in ("xl/sharedStrings.xml", "xl/styles.xml", *self._sheets.values()):
            if name in self._names:
                self._check_part(self.zf.getinfo(name), self._cap(name))

    def _open(self, name: str, cap: int | None = None) -> _Guarded:
        """A part checked against the zip directory first, then guarded while read."""
        info = self.zf.getinfo(name)
        cap = self._cap(name) if cap is None else cap
        self._check_part(info, cap)
        # zipfile unpacks no more than the directory's size and checks the CRC at the end
        return _Guarded(self.zf.open(info), name, cap, self.limits)

    def _check_part(self, info: zipfile.ZipInfo, cap: int) -> None:
        name = info.filename
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise XlsxLimit(
                f"часть книги {name} сжата методом {info.compress_type}, а Excel сжимает "
                "только методом Deflate — файл не сохранён программой для таблиц"
            )
        if info.file_size > cap:
            raise XlsxLimit(
                f"часть книги {name} занимает {_mib(info.file_size)} в распакованном виде, "
                f"больше предела {_mib(cap)}"
            )
        if info.file_size > MiB and info.file_size > self.limits.ratio * max(info.compress_size, 1):
            raise XlsxLimit(
                f"часть книги {name} сжата в {info.file_size // max(info.compress_size, 1)} "
                f"раз, больше предела {self.limits.ratio} (так выглядит «zip-бомба»)"
            )

    def _parse(self, name: str) -> Iterator:
        """End events of a small part, at most ``part_elements`` of them."""
        stream = self._open(name)
        try:
            for count, (_event, elem) in enumerate(iterparse(stream, events=("end",)), 1):
                if count > self.limits.part_elements:
                    raise XlsxLimit(
                        f"в части книги {name} больше {self.limits.part_elements} элементов"
                    )
                yield elem
        finally:
            stream.close()

    # -- the workbook parts ------------------------------------------------------------
    def _read_workbook(self) -> dict[str, str]:
        rels = {}
        rels_name = "xl/_rels/workbook.xml.rels"
        if rels_name in self._names:
            for elem in self._parse(rels_name):
                if _local(elem.tag) == "Relationship":
                    target = elem.get("Target", "")
                    if target.startswith("/"):
                        target = target.lstrip("/")
                    else:
                        target = posixpath.normpath(posixpath.join("xl", target))
                    rels[elem.get("Id")] = target
        sheets: dict[str, str] = {}
        # openpyxl only when a workbook is read: importing it costs 0.3 s of every start
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.epoch = CALENDAR_WINDOWS_1900
        for elem in self._parse("xl/workbook.xml"):
            local = _local(elem.tag)
            if local == "workbookPr" and elem.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif local == "sheet":
                rid = elem.get(f"{{{_REL}}}id") or elem.get(f"{{{_REL_STRICT}}}id")
                target = rels.get(rid) or f"xl/worksheets/sheet{len(sheets) + 1}.xml"
                sheets[elem.get("name") or f"Лист{len(sheets) + 1}"] = target
        if not sheets:
            raise ValueError("в книге нет листов")
        missing = [n for n, part in sheets.items() if part not in self._names]
        if missing:
            raise ValueError(f"нет данных листа «{missing[0]}»")
        return sheets

    @property
    def sheetnames(self) -> list[str]:
        return list(self._sheets)

    def strings(self) -> _Strings:
        if self._strings is None:
            self._strings = _Strings()
            name = "xl/sharedStrings.xml"
            if name in self._names:
                self._read_strings(name)
        return self._strings

    def _read_strings(self, name: str) -> None:
        lim, store = self.limits, self._strings
        stream = self._open(name)
        try:
            root, inside, pending = None, False, 0
            for event, elem in iterparse(stream, events=("start", "end")):
                if root is None:
                    root = elem
                is_si = elem.tag.endswith("si") and _local(elem.tag) == "si"
                if event == "start":
                    if is_si:
                        if inside:
                            raise ValueError("общая строка внутри общей строки")
                        inside = True
                    continue
                if not is_si:
                    pending += 1
                    if pending > lim.part_elements:
                        raise XlsxLimit(
                            f"в части книги {name} больше {lim.part_elements} элементов "
                            "в одной строке"
                        )
                    continue
                inside, pending = False, 0
                if len(store) >= lim.shared_strings:
                    raise XlsxLimit(f"в книге больше {lim.shared_strings} общих строк")
                store.append(_text(elem, lim))
                root.clear()  # the read item (and any before it) leaves the tree
        finally:
            stream.close()

    def date_styles(self) -> set[int]:
        """Indexes of the cell formats (``s``) whose number format shows a date."""
        if self._dates is None:
            self._dates = set()
            name = "xl/styles.xml"
            if name in self._names:
                custom: dict[int, str] = {}
                xfs: list[int] = []
                for elem in self._parse(name):
                    local = _local(elem.tag)
                    if local == "numFmt":
                        custom[_int(elem.get("numFmtId"), -1)] = elem.get("formatCode", "")
                    elif local == "cellXfs":
                        xfs = [_int(x.get("numFmtId"), 0) for x in elem]
                from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

                for i, fmt_id in enumerate(xfs):
                    fmt = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id))
                    if fmt and is_date_format(fmt):
                        self._dates.add(i)
        return self._dates

    def dimension_rows(self, name: str) -> int:
        """The last row number the sheet declares, else an estimate from its size."""
        part = self._sheets[name]
        stream = self._open(part)
        try:
            head = stream.read(65536)
        finally:
            stream.close()
        m = _DIMENSION.search(head[:4096])
        if m and (m.group(2) or m.group(1)) not in (None, b"", b"1"):
            return min(int(m.group(2) or m.group(1)), self.limits.rows)
        rows = head.count(b"<row") + head.count(b":row ")
        size = self.zf.getinfo(part).file_size
        if rows < 2 or size <= len(head):
            return rows
        return min(int(rows * size / len(head)), self.limits.rows)

    def check_sheet(self, name: str) -> int:
        """Read the sheet's XML once without parsing it: its size, its longest text and its
        number of rows against the limits — seconds even for a refused gigabyte, before an
        import spends minutes on rows it would have to throw away. Gives the rows counted."""
        lim = self.limits
        stream = self._open(self._sheets[name], lim.sheet_bytes)
        rows, tail = 0, b""

        def count(data: bytes) -> int:
            return data.count(b"<row") + data.count(b":row ") + data.count(b":row>")

        try:
            while chunk := stream.read(1 << 20):
                # the last 4 bytes read before are read again: a tag cut in two is counted
                data = tail + chunk
                rows += count(data) - count(tail)
                tail = data[-4:]
                if rows > lim.rows:
                    raise XlsxLimit(
                        f"на листе «{name}» больше {lim.rows:,} строк (предел Excel)".replace(
                            ",", " "
                        )
                    )
        finally:
            stream.close()
        return rows

    # -- the rows ----------------------------------------------------------------------
    def rows(self, name: str) -> Iterator[tuple[int, list]]:
        """(row number, values) of every row present in the sheet, in order."""
        strings, dates, epoch = self.strings(), self.date_styles(), self.epoch
        lim = self.limits
        max_elements = lim.columns * 8 + 64  # the elements a row of ``columns`` cells needs
        number = rows = 0
        stream = self._open(self._sheets[name], lim.sheet_bytes)
        try:
            row_tag = data_tag = None
            parent = None
            in_row = False
            pending, allowed = 0, lim.part_elements  # elements since the last row
            for event, elem in iterparse(stream, events=("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag.endswith("row") and (tag == row_tag or _local(tag) == "row"):
                        if in_row:
                            raise ValueError(f"строка внутри строки {number}")
                        in_row = True
                    elif parent is None and tag.endswith("sheetData"):
                        parent, data_tag = elem, tag
                        pending, allowed = 0, max_elements
                    continue
                if tag != row_tag:
                    if tag == data_tag:
                        return  # what follows the data (merges, links…) is not needed
                    pending += 1
                    if pending > allowed:
                        raise XlsxLimit(
                            f"лист «{name}», строка {number + 1}: больше {lim.columns} "
                            "ячеек в строке"
                        )
                    if row_tag is not None or _local(tag) != "row":
                        continue
                    # the first row tells the sheet's namespace (transitional or strict)
                    ns = _ns(tag)
                    row_tag, c_tag, v_tag = f"{ns}row", f"{ns}c", f"{ns}v"
                    is_tag = f"{ns}is"
                pending, in_row = 0, False
                r = elem.get("r")
                number = _int(r, number + 1) if r else number + 1
                rows += 1
                if number > lim.rows or rows > lim.rows:
                    raise XlsxLimit(
                        f"на листе «{name}» больше {lim.rows:,} строк (предел Excel)".replace(
                            ",", " "
                        )
                    )
                cells: list = []
                for c in elem.iter(c_tag):
                    ref = c.get("r")
                    col = _column(ref) if ref else len(cells)
                    value = _value(c, strings, dates, epoch, v_tag, is_tag, lim)
                    if value is None:
                        continue
                    if col >= lim.columns:
                        where = (
                            f"колонка {column_letter(col + 1)}"
                            if col < 16384
                            else f"ячейка «{ref[:20]}»"
                        )
                        raise XlsxLimit(
                            f"лист «{name}», строка {number}: заполнена {where}, а загружаются "
                            f"таблицы не шире {lim.columns} колонок "
                            f"(до {column_letter(lim.columns)})"
                        )
                    if col >= len(cells):
                        cells.extend([None] * (col - len(cells) + 1))
                    cells[col] = value
                if parent is not None:
                    parent.clear()  # the read row leaves the tree
                else:
                    elem.clear()
                yield number, cells
        finally:
            stream.close()

    def close(self) -> None:
        self.zf.close()


class _Strings:
    """The shared strings, packed: UTF-8 in one buffer and the offsets of each item."""

    def __init__(self):
        self.data = bytearray()
        self.ends = array("Q")

    def append(self, text: str) -> None:
        self.data += text.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.data))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> str:
        if i < 0:
            raise IndexError(i)
        end = self.ends[i]
        start = self.ends[i - 1] if i else 0
        return self.data[start:end].decode("utf-8", "surrogatepass")


def _int(text, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _text(elem, lim: Limits) -> str:
    """The text of a string item (<si> or <is>): plain or rich runs, phonetics left out."""
    parts = []
    for child in elem:
        local = _local(child.tag)
        if local == "t":
            parts.append(child.text or "")
        elif local == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    text = "".join(parts)
    if len(text) > lim.cell_chars:
        raise XlsxLimit(f"в книге есть ячейка длиннее {lim.cell_chars} символов (предел Excel)")
    return text


def _value(c, strings, dates, epoch, v_tag, is_tag, lim: Limits):
    kind = c.get("t", "n")
    if kind == "inlineStr":
        item = c.find(is_tag)
        return _text(item, lim) if item is not None else None
    v = c.find(v_tag)
    if v is None or v.text is None:
        return None
    text = v.text
    if kind == "s":
        return strings[int(text)]
    if kind in ("str", "e"):
        if len(text) > lim.cell_chars:
            raise XlsxLimit(f"в книге есть ячейка длиннее {lim.cell_chars} символов (предел Excel)")
        return text
    if kind == "b":
        return text == "1"
    if kind == "d":
        from datetime import datetime

        return datetime.fromisoformat(text.rstrip("Z"))
    if len(text) > 64:
        raise ValueError(f"число «{text[:20]}…»")
    number = float(text) if any(ch in text for ch in ".eEnN") else int(text)
    if dates and c.get("s") is not None and _int(c.get("s"), -1) in dates:
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(number, epoch)
        except (ValueError, OverflowError):
            return number
    return number
