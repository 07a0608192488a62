"""A print form (invoice, order) as a printable XLSX sheet with the same content as the PDF.

A4 portrait, fitted to the page width, print area set, the table header repeated on every
printed page; merged cells and borders draw the bank block and the table as on paper.
"""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from crmdesk.reports.printform import PrintForm

FONT = "Arial"
MONEY = "#,##0.00"
THIN = Side(style="thin", color="000000")
MEDIUM = Side(style="medium", color="000000")
# sheet column widths (characters): A = №, B:C = the name, then one per remaining column
WIDTHS = {"int": 5, "qty": 9, "text": 7, "pct": 8, "money": 14}
NAME_WIDTHS = (24, 22)


def _font(size=9, bold=False):
    return Font(name=FONT, size=size, bold=bold)


def _qty_format(value) -> str:
    return "#,##0" if value == int(value) else "#,##0.###"


class Sheet:
    """A worksheet with a cursor row and helpers to write merged, bordered cells."""

    def __init__(self, ws, ncols: int):
        self.ws, self.ncols, self.row = ws, ncols, 1

    def put(self, col, value, last_col=None, rows=1, *, bold=False, size=9, align="left",
            valign="top", wrap=True, fmt=None, row=None):
        r = self.row if row is None else row
        last_col = last_col or col
        cell = self.ws.cell(r, col, value)
        cell.font = _font(size, bold)
        cell.alignment = Alignment(horizontal=align, vertical=valign, wrap_text=wrap)
        if fmt:
            cell.number_format = fmt
        if last_col > col or rows > 1:
            self.ws.merge_cells(start_row=r, start_column=col, end_row=r + rows - 1,
                                end_column=last_col)
        return cell

    def box(self, r1, c1, r2, c2, inner=THIN, outer=THIN):
        """Borders around every cell of a range, the outline drawn with ``outer``."""
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.ws.cell(r, c).border = Border(
                    left=outer if c == c1 else inner,
                    right=outer if c == c2 else inner,
                    top=outer if r == r1 else inner,
                    bottom=outer if r == r2 else inner,
                )

    def underline(self, r, c1, c2, side=MEDIUM):
        for c in range(c1, c2 + 1):
            self.ws.cell(r, c).border = Border(bottom=side)

    def height(self, pts, row=None):
        self.ws.row_dimensions[self.row if row is None else row].height = pts

    def text_height(self, text: str, width_chars: float, size=9) -> float:
        lines = sum(max(1, math.ceil(len(p) * 1.05 / max(width_chars, 1))) for p in
                    str(text).split("\n"))
        return max(12.0, lines * size * 1.35)


def _image(ws, data: bytes | None, anchor: str, max_w: int, max_h: int) -> bool:
    if not data:
        return False
    try:
        img = XlImage(io.BytesIO(data))
    except Exception:  # a broken picture must not stop printing the document
        return False
    scale = min(max_w / img.width, max_h / img.height)
    img.width, img.height = int(img.width * scale), int(img.height * scale)
    ws.add_image(img, anchor)
    return True


def form_xlsx(form: PrintForm) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = form.file_stem[:31].replace("/", "-") or "Печатная форма"
    ncols = len(form.columns) + 1  # the name takes two sheet columns
    widths = [WIDTHS["int"], *NAME_WIDTHS] + [WIDTHS[c.kind] for c in form.columns[2:]]
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    name_chars = sum(NAME_WIDTHS)
    full_chars = sum(widths)
    s = Sheet(ws, ncols)

    if _image(ws, form.logo, "A1", 220, 64):
        s.height(50)
        s.row += 1
    if form.notice:
        s.put(1, form.notice, ncols, size=8)
        s.height(s.text_height(form.notice, full_chars * 1.1, 8))
        s.row += 2

    if form.bank:
        b, r = form.bank, s.row
        left_end, label, value = ncols - 3, ncols - 2, ncols - 1
        s.put(1, f"{b.bank}\n\nБанк получателя", left_end, rows=2)
        s.put(label, "БИК", row=r)
        s.put(value, b.bik, ncols, row=r)
        s.put(label, "Сч. №", row=r + 1)
        s.put(value, b.corr_account, ncols, row=r + 1)
        s.put(1, f"ИНН {b.inn}", 2, row=r + 2)
        s.put(3, f"КПП {b.kpp}", left_end, row=r + 2)
        s.put(label, "Сч. №", rows=2, row=r + 2)
        s.put(value, b.account, ncols, rows=2, row=r + 2)
        s.put(1, f"{b.recipient}\n\nПолучатель", left_end, row=r + 3)
        s.box(r, 1, r + 3, ncols)
        for k, h in enumerate((15, 24, 14, 36)):
            s.height(h, r + k)
        s.row += 5

    s.put(1, form.title, ncols, bold=True, size=14, valign="center")
    s.height(24)
    s.underline(s.row, 1, ncols)
    s.row += 2
    for label, value in form.parties:
        s.put(1, label, 2)
        s.put(3, value, ncols, bold=True)
        s.height(s.text_height(value, (full_chars - widths[0] - widths[1]) * 1.1))
        s.row += 1
    s.row += 1

    header = s.row
    for k, col in enumerate(form.columns):
        c1 = 1 if k == 0 else (2 if k == 1 else k + 2)
        c2 = 3 if k == 1 else c1
        s.put(c1, col.title, c2, bold=True, align="center", valign="center")
        ws.cell(header, c1).fill = PatternFill("solid", fgColor="F2F2F2")
    s.height(15)
    s.row += 1
    for line in form.lines:
        for k, col in enumerate(form.columns):
            value, c = line.get(col.key), k + 2
            if k == 0:
                s.put(1, value, align="center")
            elif k == 1:
                s.put(2, value, 3)
            elif col.kind == "money":
                s.put(c, value, align="right", fmt=MONEY)
            elif col.kind in ("qty", "pct"):
                s.put(c, value if value else None, align="right", fmt=_qty_format(value or 0))
            else:
                s.put(c, value, align="center")
        s.height(s.text_height(line.get("name") or "", name_chars * 1.15))
        s.row += 1
    s.box(header, 1, s.row - 1, ncols, THIN, MEDIUM)
    for c in range(1, ncols + 1):  # a heavier rule under the header, as on paper
        cell = ws.cell(header, c)
        cell.border = Border(left=cell.border.left, right=cell.border.right, top=MEDIUM,
                             bottom=MEDIUM)

    s.row += 1
    for label, value in form.totals:
        s.put(3, label, ncols - 1, bold=True, align="right", wrap=False)
        s.put(ncols, value if value is not None else "-", bold=True, align="right", fmt=MONEY)
        s.row += 1
    s.row += 1
    s.put(1, form.summary, ncols)
    s.row += 1
    s.put(1, form.words, ncols, bold=True)
    s.height(s.text_height(form.words, full_chars * 1.0))
    s.row += 2
    for term in form.terms:
        s.put(1, term, ncols)
        s.height(s.text_height(term, full_chars * 1.1))
        s.row += 1
    s.underline(s.row, 1, ncols)
    s.row += 2
    sign_col = ncols - 3
    for sig in form.signatures:
        s.put(1, sig.role, 2, bold=True, valign="bottom")
        s.put(3, None, sign_col, valign="bottom")
        s.underline(s.row, 3, sign_col, THIN)
        s.put(sign_col + 1, f"/{sig.name}/" if sig.name else "/          /", ncols,
              valign="bottom")
        s.height(24)
        _image(ws, sig.image, f"C{s.row}", 110, 48)
        s.row += 2
    if form.seal:
        s.put(1, "М.П.", 2, size=8)
    _image(ws, form.stamp, f"C{s.row - 3}", 150, 150)
    last_row = s.row + (5 if form.stamp else 0)

    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.4, bottom=0.4, header=0.2,
                                  footer=0.2)
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{get_column_letter(ncols)}{last_row}"
    ws.print_title_rows = f"{header}:{header}"
    ws.sheet_view.showGridLines = False
    ws.oddFooter.right.text = "Стр. &P из &N"
    ws.oddFooter.right.size = 7
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
