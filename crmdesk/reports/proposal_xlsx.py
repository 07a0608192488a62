"""Коммерческое предложение as a printable XLSX sheet: the same content as the PDF
(``proposal_data``) — letterhead, addressee, title, validity, the goods with description,
quantity, price, discount and amount, the totals with VAT, the amount in words, the terms and
the manager — on A4 portrait, one page wide, the table header repeated on every page.
Numbers stay numbers (quantities, prices, amounts), so the client's accountant can add up."""

from __future__ import annotations

from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from crmdesk.reports.proposal import Proposal, proposal_data
from crmdesk.reports.xlsxstyle import arial_book, merge, page_bytes
from crmdesk.services.context import Context

MONEY = "#,##0.00"
THIN = Side(style="thin", color="000000")
# №, Товары (работы, услуги), Описание, Кол-во, Ед., Цена, Скидка, %, Сумма
HEADER = ("№", "Товары (работы, услуги)", "Описание", "Кол-во", "Ед.", "Цена", "Скидка, %",
          "Сумма")
WIDTHS = (5, 34, 30, 9, 7, 13, 9, 14)
LAST = len(HEADER)
CENT = Decimal("0.01")


def _qty_format(value) -> str:
    return "#,##0" if value == int(value) else "#,##0.###"


def proposal_sheet(data: Proposal) -> bytes:
    wb = arial_book()
    ws = wb.active
    ws.title = "КП"
    for i, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    colour = "FF" + (data.design.accent or "#1F4E79").lstrip("#")[-6:].upper()
    row = 1

    def line(text: str, *, size=10, bold=False, align="left", height=None, wrap=True,
             font_colour=None) -> int:
        nonlocal row
        cell = ws.cell(row, 1, text)
        cell.font = Font(name="Arial", size=size, bold=bold, color=font_colour)
        cell.alignment = Alignment(horizontal=align, vertical="top", wrap_text=wrap)
        merge(ws, row, 1, row, LAST)
        if height:
            ws.row_dimensions[row].height = height
        row += 1
        return row - 1

    # letterhead: the organization and its contacts, a rule under them
    line(data.supplier.name, size=12, bold=True, font_colour=colour)
    requisites = ", ".join(
        p for p in (f"ИНН {data.supplier.inn}" if data.supplier.inn else "",
                    f"КПП {data.supplier.kpp}" if data.supplier.kpp else "",
                    data.supplier.address or "") if p
    )
    if requisites:
        line(requisites, size=8)
    if data.supplier_contacts:
        line(data.supplier_contacts, size=8)
    for c in range(1, LAST + 1):
        ws.cell(row - 1, c).border = Border(bottom=Side(style="medium", color=colour[2:]))
    row += 1
    # the addressee on the right, as in a letter
    for text in data.addressee:
        cell = ws.cell(row, 5, text)
        cell.font = Font(name="Arial", size=10, bold=text == data.addressee[0])
        cell.alignment = Alignment(horizontal="left", wrap_text=True)
        merge(ws, row, 5, row, LAST)
        row += 1
    row += 1
    line(data.title, size=14, bold=True, height=22)
    line(data.valid_until, size=9)
    row += 1

    header_row = row
    fill = PatternFill("solid", fgColor=colour)
    for c, title in enumerate(HEADER, 1):
        cell = ws.cell(row, c, title)
        cell.font = Font(name="Arial", size=9, bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws.row_dimensions[row].height = 26
    row += 1
    for item in data.items:
        values = (item.no, item.name, item.description or "", item.quantity, item.unit,
                  item.price, item.discount or None, item.amount)
        formats = (None, None, None, _qty_format(item.quantity), None, MONEY, "0.##", MONEY)
        for c, (value, fmt) in enumerate(zip(values, formats, strict=True), 1):
            if isinstance(value, Decimal):
                # Decimal as it is (openpyxl writes it as a number): money never passes float
                value = value.quantize(CENT) if fmt == MONEY else value
            cell = ws.cell(row, c, value)
            cell.font = Font(name="Arial", size=9)
            numeric = c in (1, 4, 6, 7, 8)
            cell.alignment = Alignment(horizontal="right" if numeric else "left",
                                       vertical="top", wrap_text=not numeric)
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
            if fmt:
                cell.number_format = fmt
        longest = max(len(item.name or ""), len(item.description or "") * 34 // 30)
        ws.row_dimensions[row].height = max(15, 12.5 * (longest // 34 + 1))
        row += 1

    # the totals right-aligned under the amounts
    for label, value in data.totals:
        label_cell = ws.cell(row, 1, label)
        label_cell.font = Font(name="Arial", size=10, bold=True)
        label_cell.alignment = Alignment(horizontal="right")
        merge(ws, row, 1, row, LAST - 1)
        cell = ws.cell(row, LAST, None if value is None else value.quantize(CENT))
        if value is None:
            cell.value = "—"
        cell.font = Font(name="Arial", size=10, bold=True)
        cell.alignment = Alignment(horizontal="right")
        cell.number_format = MONEY
        row += 1
    row += 1
    line(f"Всего наименований {len(data.items)}", size=9)
    line(data.total_words, size=10, bold=True)
    if data.terms:
        row += 1
        line("Условия", size=10, bold=True)
        for term in data.terms:
            line(term, size=9)
    if data.manager is not None:
        row += 1
        m = data.manager
        line(m.name, size=10, bold=True)
        if m.position:
            line(m.position, size=9)
        contact = ", ".join(x for x in (f"тел.: {m.phone}" if m.phone else "",
                                        f"эл. почта: {m.email}" if m.email else "") if x)
        if contact:
            line(contact, size=9)
        row += 1
        line("Подпись ____________________", size=9)
    if data.footer:
        row += 1
        line(data.footer, size=8, font_colour="FF666666")

    return page_bytes(wb, ws, LAST, row, (header_row, header_row),
                      margins=(0.5, 0.4, 0.5, 0.5))


def proposal_xlsx(ctx: Context, doc_id: int) -> bytes:
    """The proposal as XLSX, the same content as its PDF (the stored design's colour)."""
    return proposal_sheet(proposal_data(ctx, doc_id))
