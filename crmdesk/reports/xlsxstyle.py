"""Fast styling of openpyxl cells: a style is built once per combination, then copied.

openpyxl registers every style object assigned to a cell (hashing and comparing it with
those it has), which costs more than everything else when a sheet has thousands of cells.
A cell's ``_style`` is a small array of style ids: once a combination has been set on one
cell, copying that array to the next cells gives them the same look at no cost.
"""

from __future__ import annotations

from copy import copy

from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange


class Styler:
    def __init__(self) -> None:
        self._done: dict = {}

    def apply(self, cell, name: str, key, make) -> None:
        """Set ``cell.<name> = make()``; ``key`` identifies what make() returns."""
        base = tuple(cell._style) if cell._style is not None else None
        k = (base, name, key)
        done = self._done.get(k)
        if done is None:
            setattr(cell, name, make())
            self._done[k] = copy(cell._style)
        else:
            cell._style = copy(done)

    def same(self, cell, key, setup) -> None:
        """Give ``cell`` the whole look ``setup(cell)`` gives, built once per ``key``."""
        done = self._done.get(("same", key))
        if done is None:
            setup(cell)
            self._done["same", key] = copy(cell._style)
        else:
            cell._style = copy(done)


def merge(ws, r1: int, c1: int, r2: int, c2: int) -> None:
    """ws.merge_cells without its costs: it checks the new range against every merged range
    so far (quadratic over a long table) and copies borders the caller sets anyway."""
    ws.merged_cells.ranges.add(
        MergedCellRange(ws, f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")
    )
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (r1, c1):
                ws._cells[r, c] = MergedCell(ws, r, c)


def arial_book():
    """A new workbook whose default font is Arial 10 instead of Calibri 11.

    The default font is the unit of column widths. Where Calibri is missing (LibreOffice on
    Linux without Carlito) a wider font stands in, the columns grow and «fit to width»
    shrinks the page; Arial (or metric-compatible Liberation Sans) measures the same in
    Excel and LibreOffice, so a sheet prints as it was laid out."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    wb = Workbook()
    wb._fonts = IndexedList([Font(name="Arial", size=10, family=2)])
    return wb


def page_bytes(wb, ws, last_col: int, last_row: int, title_rows: tuple[int, int],
               orientation: str = "portrait",
               margins: tuple[float, float, float, float] = (0.4, 0.4, 0.4, 0.4)) -> bytes:
    """A form on A4, one page wide, its table header repeated on every page, without the
    grid; margins (left, right, top, bottom) in inches; the workbook as bytes."""
    import io

    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = orientation
    setup.fitToWidth, setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    left, right, top, bottom = margins
    ws.page_margins = PageMargins(left=left, right=right, top=top, bottom=bottom, header=0.2,
                                  footer=0.2)
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"
    ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    ws.sheet_view.showGridLines = False
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def landscape_bytes(wb, ws, last_col: int, last_row: int, title_rows: tuple[int, int]) -> bytes:
    """A wide form (ТОРГ-12, УПД) on A4 landscape (see ``page_bytes``)."""
    return page_bytes(wb, ws, last_col, last_row, title_rows, orientation="landscape")
