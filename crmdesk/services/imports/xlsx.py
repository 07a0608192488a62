"""A streaming XLSX reader for imports: values only, row by row, in constant memory.

openpyxl's read-only mode builds a cell object per value and parses rich text for every
string, which costs several seconds per 100,000 rows; an import needs none of it. This
reads the sheet XML with ``iterparse``, drops each row once read, and gives the values
as openpyxl would with ``values_only=True, data_only=True``: text, int/float, bool, and
datetime for numbers in a date format (openpyxl's own date-format test and converter).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_COL = re.compile(r"[A-Z]+")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\$?(\d*):?\$?[A-Z]*\$?(\d*)"')


class XlsxError(Exception):
    """The file is not a readable workbook."""


def _ns(tag: str) -> str:
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column(ref: str) -> int:
    n = 0
    for ch in _COL.match(ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _parse(zf: zipfile.ZipFile, name: str):
    with zf.open(name) as f:
        for _event, elem in iterparse(f, events=("end",)):
            yield elem


class Workbook:
    """Sheet names, and the rows of any sheet as lists of plain values."""

    def __init__(self, path):
        try:
            self.zf = zipfile.ZipFile(path)
            self._sheets = self._read_workbook()
        except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError, OSError) as exc:
            raise XlsxError(str(exc) or exc.__class__.__name__) from None
        self._strings: list[str] | None = None
        self._dates: set[int] | None = None

    # -- the workbook parts ------------------------------------------------------------
    def _read_workbook(self) -> dict[str, str]:
        rels = {}
        rels_name = "xl/_rels/workbook.xml.rels"
        if rels_name in self.zf.namelist():
            for elem in _parse(self.zf, rels_name):
                if _local(elem.tag) == "Relationship":
                    target = elem.get("Target", "")
                    if target.startswith("/"):
                        target = target.lstrip("/")
                    else:
                        target = posixpath.normpath(posixpath.join("xl", target))
                    rels[elem.get("Id")] = target
        sheets: dict[str, str] = {}
        self.epoch = CALENDAR_WINDOWS_1900
        for elem in _parse(self.zf, "xl/workbook.xml"):
            local = _local(elem.tag)
            if local == "workbookPr" and elem.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif local == "sheet":
                rid = elem.get(f"{{{_REL}}}id") or elem.get(f"{{{_REL_STRICT}}}id")
                target = rels.get(rid) or f"xl/worksheets/sheet{len(sheets) + 1}.xml"
                sheets[elem.get("name")] = target
        if not sheets:
            raise ValueError("в книге нет листов")
        return sheets

    @property
    def sheetnames(self) -> list[str]:
        return list(self._sheets)

    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            name = "xl/sharedStrings.xml"
            if name in self.zf.namelist():
                for elem in _parse(self.zf, name):
                    if _local(elem.tag) == "si":
                        self._strings.append(_text(elem))
                        elem.clear()
        return self._strings

    def date_styles(self) -> set[int]:
        """Indexes of the cell formats (``s``) whose number format shows a date."""
        if self._dates is None:
            self._dates = set()
            name = "xl/styles.xml"
            if name in self.zf.namelist():
                custom: dict[int, str] = {}
                xfs: list[int] = []
                in_cell_xfs = False
                with self.zf.open(name) as f:
                    for event, elem in iterparse(f, events=("start", "end")):
                        local = _local(elem.tag)
                        if local == "cellXfs":
                            in_cell_xfs = event == "start"
                        elif event == "end" and local == "numFmt":
                            custom[int(elem.get("numFmtId", -1))] = elem.get("formatCode", "")
                        elif event == "end" and local == "xf" and in_cell_xfs:
                            xfs.append(int(elem.get("numFmtId", 0)))
                for i, fmt_id in enumerate(xfs):
                    fmt = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id))
                    if fmt and is_date_format(fmt):
                        self._dates.add(i)
        return self._dates

    def dimension_rows(self, name: str) -> int:
        """The last row number the sheet declares, else an estimate from its size."""
        part = self._sheets[name]
        with self.zf.open(part) as f:
            head = f.read(65536)
        m = _DIMENSION.search(head[:4096])
        if m and (m.group(2) or m.group(1)) not in (None, b"", b"1"):
            return int(m.group(2) or m.group(1))
        rows = head.count(b"<row") + head.count(b":row ")
        size = self.zf.getinfo(part).file_size
        if rows < 2 or size <= len(head):
            return rows
        return int(rows * size / len(head))

    # -- the rows ----------------------------------------------------------------------
    def rows(self, name: str) -> Iterator[tuple[int, list]]:
        """(row number, values) of every row present in the sheet, in order."""
        strings, dates, epoch = self.strings(), self.date_styles(), self.epoch
        number = 0
        with self.zf.open(self._sheets[name]) as f:
            row_tag = None
            # "end" events only (half the events of start+end): a row is complete at its end
            for _event, elem in iterparse(f, events=("end",)):
                if elem.tag != row_tag:
                    if row_tag is not None or _local(elem.tag) != "row":
                        continue
                    # the first row tells the sheet's namespace (transitional or strict)
                    ns = _ns(elem.tag)
                    row_tag, c_tag, v_tag = f"{ns}row", f"{ns}c", f"{ns}v"
                    is_tag = f"{ns}is"
                r = elem.get("r")
                number = int(r) if r else number + 1
                cells: list = []
                for c in elem.iter(c_tag):
                    ref = c.get("r")
                    col = _column(ref) if ref else len(cells)
                    value = _value(c, strings, dates, epoch, v_tag, is_tag)
                    if col >= len(cells):
                        cells.extend([None] * (col - len(cells) + 1))
                    cells[col] = value
                elem.clear()  # what stays of a read row is an empty element
                yield number, cells

    def close(self) -> None:
        self.zf.close()


def _text(elem) -> str:
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
    return "".join(parts)


def _value(c, strings, dates, epoch, v_tag, is_tag):
    kind = c.get("t", "n")
    if kind == "inlineStr":
        item = c.find(is_tag)
        return _text(item) if item is not None else None
    v = c.find(v_tag)
    if v is None or v.text is None:
        return None
    text = v.text
    if kind == "s":
        return strings[int(text)]
    if kind in ("str", "e"):
        return text
    if kind == "b":
        return text == "1"
    if kind == "d":
        from datetime import datetime

        return datetime.fromisoformat(text.rstrip("Z"))
    number = float(text) if any(ch in text for ch in ".eE") else int(text)
    if dates and c.get("s") is not None and int(c.get("s")) in dates:
        try:
            return from_excel(number, epoch)
        except (ValueError, OverflowError):
            return number
    return number
