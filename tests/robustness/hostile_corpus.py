"""Hostile and huge import files, made on the spot (nothing big is committed).

``make(kind, folder)`` writes one file and gives its path; ``KINDS`` maps each kind to
what the import must do with it: ``("refused", words the message names)`` or
``("imported", rows)``. ``big_sheet(path, rows)`` writes an office client base of any
length the way Excel lays it out (shared strings), fast, for the benchmark.
Used by tests/robustness/test_hostile_files.py and benchmarks/hostile_imports.py.
"""

from __future__ import annotations

import codecs
import itertools
import zipfile
from pathlib import Path

HEADER = ["Клиент", "Телефон", "E-mail", "ИНН", "Группа"]

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Клиенты" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def col(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def inline_row(number: int, values: list) -> str:
    cells = []
    for i, v in enumerate(values, 1):
        if v is None:
            continue
        ref = f"{col(i)}{number}"
        if isinstance(v, int | float):
            cells.append(f'<c r="{ref}"><v>{v}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_esc(str(v))}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _base(zf: zipfile.ZipFile) -> None:
    zf.writestr("[Content_Types].xml", _CT)
    zf.writestr("xl/workbook.xml", _WORKBOOK)
    zf.writestr("xl/_rels/workbook.xml.rels", _RELS)


def _xlsx(path: Path, sheet_chunks, strings_chunks=None, method=zipfile.ZIP_DEFLATED) -> Path:
    """A workbook whose sheet (and shared strings) XML come from iterables of str, streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        _base(zf)
        parts = [("xl/worksheets/sheet1.xml", sheet_chunks)]
        if strings_chunks is not None:
            parts.append(("xl/sharedStrings.xml", strings_chunks))
        for name, chunks in parts:
            info = zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0))
            info.compress_type = method
            with zf.open(info, "w", force_zip64=True) as out:
                buf = []
                size = 0
                for chunk in chunks:
                    buf.append(chunk)
                    size += len(chunk)
                    if size > 1 << 20:
                        out.write("".join(buf).encode())
                        buf, size = [], 0
                out.write("".join(buf).encode())
    return path


def good_rows(n: int, start: int = 2):
    for i in range(n):
        yield inline_row(
            start + i,
            [
                f"ООО «Ромашка {i}»",
                f"+7 912 {i % 1000:03d}-{i % 100:02d}-{i % 97:02d}",
                f"office{i}@example.ru",
                None,
                "Опт",
            ],
        )


# -- the kinds ------------------------------------------------------------------------
def zip_bomb(path: Path) -> Path:
    """A sheet packed 1000:1 — 200 MB of XML in a 200 KB file."""
    blank = " " * (1 << 20)
    return _xlsx(path, [SHEET_HEAD, inline_row(1, HEADER), *([blank] * 200), SHEET_TAIL])


def lying_sizes(path: Path) -> Path:
    """A sheet of 100 MB whose zip directory says it unpacks to 300 bytes."""
    blank = " " * (1 << 20)
    _xlsx(path, [SHEET_HEAD, inline_row(1, HEADER), *([blank] * 100), SHEET_TAIL])
    raw = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    pos = raw.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = int.from_bytes(raw[pos + 28 : pos + 30], "little")
        if raw[pos + 46 : pos + 46 + name_len] == name:
            extra = int.from_bytes(raw[pos + 30 : pos + 32], "little")
            raw[pos + 24 : pos + 28] = (300).to_bytes(4, "little")
            # a zip64 record (force_zip64) holds the true sizes: make it say 300 as well
            ext = pos + 46 + name_len
            if int.from_bytes(raw[ext : ext + 2], "little") == 1 and extra >= 12:
                raw[ext + 4 : ext + 12] = (300).to_bytes(8, "little")
        pos = raw.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(raw))
    return path


def bzip2_bomb(path: Path) -> Path:
    """A sheet packed with bzip2 (1 GB in 1 KB); Excel never packs with bzip2."""
    with zipfile.ZipFile(path, "w") as zf:
        _base(zf)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", (2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_BZIP2
        with zf.open(info, "w", force_zip64=True) as out:
            out.write((SHEET_HEAD + inline_row(1, HEADER)).encode())
            block = b" " * (1 << 24)
            for _ in range(64):
                out.write(block)
            out.write(SHEET_TAIL.encode())
    return path


def far_column(path: Path) -> Path:
    """A 1 KB sheet whose one cell sits in column ZZZZZZZZ."""
    return _xlsx(
        path,
        [
            SHEET_HEAD,
            inline_row(1, HEADER),
            '<row r="2"><c r="ZZZZZZZZ2" t="inlineStr"><is><t>x</t></is></c></row>',
            SHEET_TAIL,
        ],
    )


def wide_rows(path: Path) -> Path:
    """Rows filled to column XFD (16,384 columns)."""
    row = "".join(f'<c r="{col(i)}3"><v>{i}</v></c>' for i in range(1, 16385))
    return _xlsx(
        path,
        [
            SHEET_HEAD,
            inline_row(1, HEADER),
            inline_row(2, ["ООО А", "", "a@b.ru"]),
            f'<row r="3">{row}</row>',
            SHEET_TAIL,
        ],
    )


def many_cells_one_row(path: Path) -> Path:
    """One row of half a million cells all named A2 (the column check alone misses it)."""
    cells = (
        "".join(f'<c r="A2"><v>{i * 7919}</v></c>' for i in range(k, k + 10_000))
        for k in range(0, 500_000, 10_000)
    )
    return _xlsx(
        path, [SHEET_HEAD, inline_row(1, HEADER), '<row r="2">', *cells, "</row>", SHEET_TAIL]
    )


def huge_cell(path: Path) -> Path:
    """A cell of five million characters (random, so it packs like real text)."""
    import base64
    import os

    text = base64.b64encode(os.urandom(4 << 20)).decode()
    return _xlsx(
        path,
        [
            SHEET_HEAD,
            inline_row(1, HEADER),
            '<row r="2"><c r="A2" t="inlineStr"><is><t>',
            text,
            "</t></is></c></row>",
            SHEET_TAIL,
        ],
    )


def huge_shared_string(path: Path) -> Path:
    """A shared string of 40,000 characters: one over Excel's cell limit."""
    strings = ['<?xml version="1.0"?><sst ' + NS + "><si><t>", "ж" * 40_000, "</t></si></sst>"]
    sheet = [
        SHEET_HEAD,
        inline_row(1, HEADER),
        '<row r="2"><c r="A2" t="s"><v>0</v></c></row>',
        SHEET_TAIL,
    ]
    return _xlsx(path, sheet, strings)


def many_shared_strings(path: Path, count: int = 3_000_000) -> Path:
    """Three million shared strings, a few rows using them: imported, in packed memory."""
    strings = itertools.chain(
        ['<?xml version="1.0"?><sst ' + NS + ">"],
        (f"<si><t>Строка номер {i}</t></si>" for i in range(count)),
        ["</sst>"],
    )  # streamed: the test process does not hold three million strings either
    rows = (
        f'<row r="{i}"><c r="A{i}" t="s"><v>{count - i}</v></c>'
        f'<c r="C{i}" t="inlineStr"><is><t>c{i}@example.ru</t></is></c></row>'
        for i in range(2, 1002)
    )
    return _xlsx(path, [SHEET_HEAD, inline_row(1, HEADER), *rows, SHEET_TAIL], strings)


def too_many_rows(path: Path) -> Path:
    """Two million rows (past Excel's 1,048,576), each with a number."""
    rows = (
        "".join(f'<row r="{i}"><c r="B{i}"><v>{i}</v></c></row>' for i in range(k, k + 100_000))
        for k in range(2, 2_000_002, 100_000)
    )
    return _xlsx(path, [SHEET_HEAD, inline_row(1, HEADER), *rows, SHEET_TAIL])


def truncated_xlsx(path: Path) -> Path:
    good = _xlsx(path, [SHEET_HEAD, inline_row(1, HEADER), *good_rows(2000), SHEET_TAIL])
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def garbage_csv(path: Path) -> Path:
    """Random bytes without NUL, in a .csv (quotes and separators everywhere)."""
    import random

    rnd = random.Random(18)
    data = bytes(rnd.choice(range(1, 256)) for _ in range(300_000))
    path.write_bytes(b"\xd0\x9a\xd0\xbb\xd0\xb8\xd0\xb5\xd0\xbd\xd1\x82;E-mail\r\n" + data)
    return path


def unclosed_quote_csv(path: Path) -> Path:
    """The first record opens a quote and never closes it (300 KB of text after it)."""
    path.write_bytes(b'"\xca\xeb\xe8\xe5\xed\xf2;' + b"abc def;" * 40_000)
    return path


def huge_csv_field(path: Path) -> Path:
    """8,000 good records, then a quoted field that never closes: 20 MB of short lines."""
    good = "".join(f"ООО «Ромашка {i}»;+7 912 {i:03d}-00-00\r\n" for i in range(8000))
    head = ("Клиент;Телефон\r\n" + good + 'ООО А;"').encode()
    path.write_bytes(head + (b"x" * 98 + b"\r\n") * 200_000)
    return path


def long_csv_line(path: Path) -> Path:
    """A 30 MB line of short fields (no quotes): refused before it is split."""
    path.write_bytes("Клиент;Телефон\r\n".encode() + b"abcdefg;" * (4 << 20))
    return path


def wide_csv(path: Path) -> Path:
    """A record of 5,000 filled fields."""
    row = ";".join(f"v{i}" for i in range(5000))
    path.write_text(f"Клиент;Телефон\r\nООО А;+79121112233\r\n{row}\r\n", encoding="utf-8")
    return path


def truncated_csv(path: Path) -> Path:
    """A file cut in the middle of a quoted field (the last record is incomplete)."""
    lines = ["Клиент;Телефон;E-mail"] + [
        f'"ООО «Ромашка {i}»";+7 912 000-{i % 100:02d}-{i % 97:02d};a{i}@example.ru'
        for i in range(300)
    ]
    path.write_text("\r\n".join(lines) + '\r\n"ООО «Недописан', encoding="utf-8")
    return path


def cp1251_csv(path: Path) -> Path:
    lines = ["Клиент;Телефон"] + [f"ООО Ёлка {i};+7 912 111-22-{i:02d}" for i in range(50)]
    path.write_bytes("\r\n".join(lines).encode("cp1251"))
    return path


def utf16_csv(path: Path) -> Path:
    lines = ["Клиент\tТелефон"] + [f"ИП Щукин {i}\t+7 912 333-44-{i:02d}" for i in range(50)]
    path.write_bytes(codecs.BOM_UTF16_LE + "\r\n".join(lines).encode("utf-16-le"))
    return path


def utf16_no_bom(path: Path) -> Path:
    """UTF-16 without a BOM: NUL bytes everywhere, refused as not a table."""
    path.write_bytes("Клиент;Телефон\r\nООО А;+79121112233".encode("utf-16-le"))
    return path


def folded_vcard(path: Path, photo_mb: int = 16) -> Path:
    """A card with a 16 MB photo folded into 75-character lines, then a normal card."""
    line = "A" * 74
    folded = "\r\n ".join([line] * (photo_mb * (1 << 20) // 74))
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Иванов Иван\r\nTEL;TYPE=CELL:+7 912 555-66-77\r\n"
        f"PHOTO;ENCODING=b;TYPE=JPEG:{folded}\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Петров Пётр\r\nEMAIL:petrov@example.ru\r\n"
        "END:VCARD\r\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def huge_vcard_note(path: Path) -> Path:
    """A folded NOTE of 8 MB (text, not binary): kept at the cell limit, not a traceback."""
    folded = "\r\n ".join(["ж" * 70] * (8 * (1 << 20) // 140))
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Сидоров\r\nTEL:+7 912 555-66-78\r\n"
        f"NOTE:{folded}\r\nEND:VCARD\r\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def xlsx_named_csv(path: Path) -> Path:
    """A real workbook saved under .csv: read as the workbook it is."""
    return _xlsx(path, [SHEET_HEAD, inline_row(1, HEADER), *good_rows(10), SHEET_TAIL])


def pdf_named_xlsx(path: Path) -> Path:
    """Not a workbook at all under .xlsx."""
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + b"\x00" * 100)
    return path


def zip_named_xlsx(path: Path) -> Path:
    """A zip archive of photos under .xlsx."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("photo.jpg", b"\xff\xd8\xff" + b"\x00" * 1000)
    return path


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


# kind: (file name, maker, expected) — expected: ("refused", [words]) or ("imported", rows)
KINDS = {
    "zip_bomb": ("bomb.xlsx", zip_bomb, ("refused", ["сжата в", "предела 100"])),
    "lying_sizes": ("lying.xlsx", lying_sizes, ("refused", ["lying.xlsx", "повреждён"])),
    "bzip2_bomb": ("bz.xlsx", bzip2_bomb, ("refused", ["Deflate"])),
    "far_column": ("far.xlsx", far_column, ("refused", ["ZZZZZZZZ2", "1024 колонок"])),
    "wide_rows": ("wide.xlsx", wide_rows, ("refused", ["строка 3", "1024 ячеек"])),
    "many_cells": ("cells.xlsx", many_cells_one_row, ("refused", ["строка 2", "ячеек в строке"])),
    "huge_cell": ("cell.xlsx", huge_cell, ("refused", ["cell.xlsx", "32767 символов"])),
    "huge_shared_string": ("sst.xlsx", huge_shared_string, ("refused", ["32767 символов"])),
    "many_shared_strings": ("strings.xlsx", many_shared_strings, ("imported", 1000)),
    "too_many_rows": ("rows.xlsx", too_many_rows, ("refused", ["1 048 576 строк"])),
    "truncated_xlsx": ("cut.xlsx", truncated_xlsx, ("refused", ["cut.xlsx", "обрезан"])),
    "garbage_csv": ("garbage.csv", garbage_csv, ("refused", ["garbage.csv", "непечатаемых"])),
    "unclosed_quote_csv": ("quote.csv", unclosed_quote_csv, ("refused", ["quote.csv", "запись 1"])),
    "huge_csv_field": (
        "field.csv",
        huge_csv_field,
        ("refused", ["field.csv", "запись 8002", "131 072"]),
    ),
    "long_csv_line": ("line.csv", long_csv_line, ("refused", ["line.csv", "строка файла 2"])),
    "wide_csv": ("wide.csv", wide_csv, ("refused", ["wide.csv", "1024 колонок"])),
    "truncated_csv": ("cut.csv", truncated_csv, ("imported", 301)),
    "cp1251_csv": ("win.csv", cp1251_csv, ("imported", 50)),
    "utf16_csv": ("u16.csv", utf16_csv, ("imported", 50)),
    "utf16_no_bom": ("u16nobom.csv", utf16_no_bom, ("refused", ["u16nobom.csv"])),
    "folded_vcard": ("photo.vcf", folded_vcard, ("imported", 2)),
    "huge_vcard_note": ("note.vcf", huge_vcard_note, ("imported", 1)),
    "xlsx_named_csv": ("table.csv", xlsx_named_csv, ("imported", 10)),
    "pdf_named_xlsx": ("scan.xlsx", pdf_named_xlsx, ("refused", ["scan.xlsx"])),
    "zip_named_xlsx": ("photos.xlsx", zip_named_xlsx, ("refused", ["photos.xlsx", "не книга"])),
    "empty_file": ("empty.csv", empty_file, ("refused", ["empty.csv"])),
}


def make(kind: str, folder: Path) -> Path:
    name, maker, _ = KINDS[kind]
    return maker(Path(folder) / name)


def big_sheet(path: Path, rows: int = 1_048_575) -> Path:
    """An office base of ``rows`` clients as Excel writes it: text in shared strings."""
    groups = ["Опт", "Розница", "VIP", "Новый"]
    n_strings = rows * 3 + len(groups) + len(HEADER)

    def strings():
        yield (
            f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{n_strings}" '
            f'uniqueCount="{n_strings}">'
        )
        for h in [*HEADER, *groups]:
            yield f"<si><t>{h}</t></si>"
        for i in range(rows):
            yield (
                f"<si><t>ООО «Ромашка-{i}»</t></si>"
                f"<si><t>+7 (9{i % 100:02d}) {i // 10000 % 1000:03d}-{i // 100 % 100:02d}-"
                f"{i % 100:02d}</t></si><si><t>office{i}@example.ru</t></si>"
            )
        yield "</sst>"

    base = len(HEADER) + len(groups)

    def sheet():
        yield SHEET_HEAD.replace("<sheetData>", f'<dimension ref="A1:E{rows + 1}"/><sheetData>')
        yield (
            '<row r="1">'
            + "".join(f'<c r="{col(i + 1)}1" t="s"><v>{i}</v></c>' for i in range(len(HEADER)))
            + "</row>"
        )
        for i in range(rows):
            r = i + 2
            s = base + 3 * i
            yield (
                f'<row r="{r}"><c r="A{r}" t="s"><v>{s}</v></c><c r="B{r}" t="s"><v>{s + 1}'
                f'</v></c><c r="C{r}" t="s"><v>{s + 2}</v></c>'
                f'<c r="E{r}" t="s"><v>{len(HEADER) + i % 4}</v></c></row>'
            )
        yield SHEET_TAIL

    return _xlsx(path, sheet(), strings())


# -- measuring an import in a process of its own ----------------------------------------
_CHILD = r"""
import json, resource, sys, time
from crmdesk.db import make_engine
from crmdesk.services.errors import CrmError
from crmdesk.services.imports import import_clients

url, path, dry = sys.argv[1], sys.argv[2], sys.argv[3] == "dry"
engine = make_engine(url)
started = time.perf_counter()
out = {}
try:
    report = import_clients(engine, path, dry_run=dry)
    out.update(outcome="imported", rows=report.rows, created=report.created,
               message=report.summary(), report=[i.message for i in report.items[:50]])
except CrmError as exc:
    out.update(outcome="refused", message=str(exc))
except BaseException as exc:  # what a user must never see
    import traceback
    out.update(outcome="traceback", message=traceback.format_exc())
out["seconds"] = round(time.perf_counter() - started, 2)
out["maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
try:  # ru_maxrss keeps the parent's peak across exec on Linux; VmHWM is this image's own
    with open("/proc/self/status") as f:
        hwm = [ln for ln in f if ln.startswith("VmHWM:")][0]
    out["peak_mb"] = round(int(hwm.split()[1]) / 1024, 1)
except (OSError, IndexError):
    out["peak_mb"] = out["maxrss_mb"]
print(json.dumps(out, ensure_ascii=False))
"""


def import_in_child(db_url: str, path: Path, dry_run: bool = True, timeout: int = 600) -> dict:
    """Import ``path`` in a fresh interpreter: outcome, message, seconds, peak RSS (MB).

    The child's peak is its own (``ru_maxrss``), so the figure is the import's, not the
    test run's; the baseline of an interpreter with crmdesk loaded is ``baseline_mb``.
    """
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _CHILD, db_url, str(path), "dry" if dry_run else "write"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return {"outcome": "crashed", "message": done.stderr[-3000:], "peak_mb": 0.0}
    return json.loads(done.stdout.strip().splitlines()[-1])


def rejected_sheet(path: Path, rows: int = 1_048_575) -> Path:
    """``rows`` rows that all go into the report: half with nothing that identifies a client
    (rejected), half with an impossible phone besides a name (warned)."""

    def sheet():
        yield SHEET_HEAD
        yield inline_row(1, HEADER)
        for i in range(rows):
            r = i + 2
            if i % 2:
                yield inline_row(r, [None, None, None, None, f"Группа {i}"])
            else:
                yield inline_row(r, [f"ООО «Плохой телефон {i}»", f"12{i}"])
        yield SHEET_TAIL

    return _xlsx(path, sheet())
