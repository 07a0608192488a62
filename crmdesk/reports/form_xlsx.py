"""A print form (invoice, order) as a printable XLSX sheet with the same content as the PDF.

A4 portrait, fitted to the page width, print area set, the table header repeated on every
printed page; merged cells and borders draw the bank block and the table as on paper.
"""

from __future__ import annotations

import io
import math

from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from crmdesk.reports.printform import PrintForm
from crmdesk.reports.xlsxstyle import Styler, arial_book, merge

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
    """A worksheet with a cursor row and helpers to write merged, bordered cells (styled
    through ``Styler``: a 200-line table costs milliseconds, not a second)."""

    def __init__(self, ws, ncols: int):
        self.ws, self.ncols, self.row = ws, ncols, 1
        self._styler = Styler()

    def _apply(self, cell, name: str, key, make) -> None:
        self._styler.apply(cell, name, key, make)

    def put(self, col, value, last_col=None, rows=1, *, bold=False, size=9, align="left",
            valign="top", wrap=True, fmt=None, row=None):
        r = self.row if row is None else row
        last_col = last_col or col
        cell = self.ws.cell(r, col, value)
        self._apply(cell, "font", (size, bold), lambda: _font(size, bold))
        self._apply(cell, "alignment", (align, valign, wrap),
                    lambda: Alignment(horizontal=align, vertical=valign, wrap_text=wrap))
        if fmt:
            self._apply(cell, "number_format", fmt, lambda: fmt)
        if last_col > col or rows > 1:
            self.merge(r, col, r + rows - 1, last_col)
        return cell

    def merge(self, r1, c1, r2, c2) -> None:
        merge(self.ws, r1, c1, r2, c2)

    def border(self, cell, left=None, right=None, top=None, bottom=None) -> None:
        key = tuple(s.style if s else None for s in (left, right, top, bottom))
        self._apply(cell, "border", key,
                    lambda: Border(left=left, right=right, top=top, bottom=bottom))

    def fill(self, cell, colour: str) -> None:
        self._apply(cell, "fill", colour, lambda: PatternFill("solid", fgColor=colour))

    def box(self, r1, c1, r2, c2, inner=THIN, outer=THIN):
        """Borders around every cell of a range, the outline drawn with ``outer``."""
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.border(
                    self.ws.cell(r, c),
                    left=outer if c == c1 else inner,
                    right=outer if c == c2 else inner,
                    top=outer if r == r1 else inner,
                    bottom=outer if r == r2 else inner,
                )

    def underline(self, r, c1, c2, side=MEDIUM):
        for c in range(c1, c2 + 1):
            self.border(self.ws.cell(r, c), bottom=side)

    def gap(self, pts: float) -> None:
        """An empty row of ``pts`` points: the spacing between blocks, as on paper."""
        self.height(pts)
        self.row += 1

    def height(self, pts, row=None):
        # whole pixels (0.75 pt), as Excel keeps them: the page layout is then predictable
        pts = max(0.75, round(pts / 0.75) * 0.75)
        self.ws.row_dimensions[self.row if row is None else row].height = pts

    def text_height(self, text: str, width_chars: float, size=9) -> float:
        lines = sum(max(1, math.ceil(len(p) * 1.05 / max(width_chars, 1))) for p in
                    str(text).split("\n"))
        return max(size * 1.4, lines * size * 1.35)


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


KEEP_LINES = 2  # as in the PDF: the last lines go onto the page of the totals
LINE_FONT = 8  # the table's lines, as in 1C's sheets: 8 pt in rows of 11.25 pt
DEFAULT_ROW = 12.75  # points: a row of the default font (Arial 10) without a set height
PAGE_W, PAGE_H = 8.27 * 72, 11.69 * 72  # A4 in points
MARGIN = 0.4 * 72


def tail_break(ws, widths: list[float], header: int, keep_from: int, last_row: int) -> int:
    """The row after which to break the page so that rows keep_from…last_row (the last
    lines, totals, words, terms, signatures) print on one page; 0 when no break is needed.

    Pages are laid out as Excel and LibreOffice will: the sheet scaled to the page width,
    the header row repeated on every page. As programs measure a page a little differently,
    it is tried a few percent shorter and longer: if the tail splits in any of them, the
    page is broken before it by hand."""
    content_w = sum(w * 7 + 5 for w in widths) * 0.75  # characters → pixels → points
    scale = min(1.0, (PAGE_W - 2 * MARGIN) / content_w)
    page = (PAGE_H - 2 * MARGIN) / scale

    def height(r: int) -> float:
        h = ws.row_dimensions[r].height if r in ws.row_dimensions else None
        return h or DEFAULT_ROW

    heights = {r: height(r) for r in range(1, last_row + 1)}
    tail = sum(heights[r] for r in range(keep_from, last_row + 1))
    if tail + heights[header] > page * 0.965:  # longer than a page whatever we do
        return 0
    # LibreOffice keeps the footer's height off the page (about 25 pt), Excel does not
    for room in (page * 0.965, page, page * 1.04):
        n, used, first_tail_page = 0, 0.0, None
        for r in range(1, last_row + 1):
            h = heights[r]
            if used + h > room and used > 0:
                n, used = n + 1, (heights[header] if r > header else 0.0)
            used += h
            if r == keep_from:
                first_tail_page = n
        if n != first_tail_page:
            return keep_from - 1
    return 0


def form_xlsx(form: PrintForm) -> bytes:
    wb = arial_book()  # column widths measured alike in Excel and LibreOffice
    ws = wb.active
    ws.sheet_format.defaultRowHeight = DEFAULT_ROW
    ws.title = form.file_stem[:31].replace("/", "-") or "Печатная форма"
    ncols = len(form.columns) + 1  # the name takes two sheet columns
    widths = [WIDTHS["int"], *NAME_WIDTHS] + [WIDTHS[c.kind] for c in form.columns[2:]]
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    name_chars = sum(NAME_WIDTHS)
    full_chars = sum(widths)
    s = Sheet(ws, ncols)

    logo = _image(ws, form.logo, "A1", 220, 64)
    # the payment QR code (30 mm) in the top right corner, its row tall enough to hold it
    qr = _image(ws, form.qr, f"{get_column_letter(ncols - 1)}1", 113, 113)
    if logo or qr:
        s.height(88 if qr else 50)
        s.row += 1
    if form.notice:
        s.put(1, form.notice, ncols, size=8)
        s.height(s.text_height(form.notice, full_chars * 1.1, 8))
        s.row += 1
        s.gap(6)

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
        s.row += 4
        s.gap(8)

    s.put(1, form.title, ncols, bold=True, size=14, valign="center")
    s.height(21)
    s.underline(s.row, 1, ncols)
    s.row += 1
    s.gap(6)
    for label, value in form.parties:
        s.put(1, label, 2)
        s.put(3, value, ncols, bold=True)
        s.height(max(s.text_height(value, (full_chars - widths[0] - widths[1]) * 1.1),
                     s.text_height(label, (widths[0] + widths[1]) * 1.1)))
        s.row += 1
    s.gap(6)

    header = s.row
    for k, col in enumerate(form.columns):
        c1 = 1 if k == 0 else (2 if k == 1 else k + 2)
        c2 = 3 if k == 1 else c1
        s.put(c1, col.title, c2, bold=True, align="center", valign="center")
        s.fill(ws.cell(header, c1), "F2F2F2")
    s.height(15)
    s.row += 1
    size = LINE_FONT
    for line in form.lines:
        for k, col in enumerate(form.columns):
            value, c = line.get(col.key), k + 2
            if k == 0:
                s.put(1, value, align="center", size=size)
            elif k == 1:
                s.put(2, value, 3, size=size)
            elif col.kind == "money":
                s.put(c, value, align="right", fmt=MONEY, size=size)
            elif col.kind in ("qty", "pct"):
                s.put(c, value if value else None, align="right", fmt=_qty_format(value or 0),
                      size=size)
            else:
                s.put(c, value, align="center", size=size)
        s.height(s.text_height(line.get("name") or "", name_chars * 1.25, size))
        s.row += 1
    last_line = s.row - 1
    s.box(header, 1, last_line, ncols, THIN, MEDIUM)
    for c in range(1, ncols + 1):  # a heavier rule under the header, as on paper
        s.border(ws.cell(header, c), left=MEDIUM if c == 1 else THIN,
                 right=MEDIUM if c == ncols else THIN, top=MEDIUM, bottom=MEDIUM)

    s.gap(4)
    for label, value in form.totals:
        s.put(3, label, ncols - 1, bold=True, align="right", wrap=False)
        s.put(ncols, value if value is not None else "-", bold=True, align="right", fmt=MONEY)
        s.height(13)
        s.row += 1
    s.gap(6)
    s.put(1, form.summary, ncols)
    s.height(13)
    s.row += 1
    s.put(1, form.words, ncols, bold=True)
    s.height(s.text_height(form.words, full_chars * 1.0))
    s.row += 1
    s.gap(6)
    for term in form.terms:
        s.put(1, term, ncols)
        s.height(s.text_height(term, full_chars * 1.1))
        s.row += 1
    s.underline(s.row, 1, ncols)
    s.gap(4)
    s.gap(6)
    sign_col = ncols - 3
    first_signature = s.row
    for sig in form.signatures:
        s.put(1, sig.role, 2, bold=True, valign="bottom")
        s.put(3, None, sign_col, valign="bottom")
        s.underline(s.row, 3, sign_col, THIN)
        s.put(sign_col + 1, f"/{sig.name}/" if sig.name else "/          /", ncols,
              valign="bottom")
        s.height(18)
        _image(ws, sig.image, f"C{s.row}", 110, 40)
        s.row += 1
        s.gap(4)
    if form.seal:
        s.put(1, "М.П.", 2, size=8)
        s.height(12)
    # the stamp over «М.П.» and the start of the director's line, as in the PDF; rows
    # under it so that the print area holds all of it
    _image(ws, form.stamp, f"B{first_signature}", 150, 150)
    last_row = s.row + (5 if form.stamp else 0)
    for r in range(s.row + 1, last_row + 1):
        s.height(15, r)

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
    keep_from = max(header + 1, last_line + 1 - KEEP_LINES)
    brk = tail_break(ws, widths, header, keep_from, last_row)
    if brk:
        ws.row_breaks.append(Break(id=brk))
    ws.print_title_rows = f"{header}:{header}"
    ws.sheet_view.showGridLines = False
    ws.oddFooter.right.text = "Стр. &P из &N"
    ws.oddFooter.right.size = 7
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
