"""Any ReportResult as a printable XLSX workbook or a PDF: one renderer for every report.

Groups become bold heading rows followed by their rows (an outline level in XLSX, so Excel
can fold them) and a subtotal; the grand total closes the table. The header row repeats
on every printed page. Charts go to a second sheet (XLSX) or under the table (PDF).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from crmdesk.reports.result import Chart, Column, ReportResult
from crmdesk.reports.xlsxstyle import Styler, arial_book
from crmdesk.services.money import format_money

MONEY = "#,##0.00"
FORMATS = {"money": MONEY, "percent": "0.00", "int": "0", "number": "#,##0.###",
           "date": "DD.MM.YYYY"}
ZERO_BLANK = '#,##0.00;-#,##0.00;""'  # zero money shows as an empty cell, as in 1C
MAX_CHART_POINTS = 30


def _cell_value(col: Column, value):
    if value is None:
        return None
    if col.kind == "date" and isinstance(value, datetime):
        return value.astimezone().date() if value.tzinfo else value
    return value


def _lines(result: ReportResult):
    """(kind, row) in print order: group, row, subtotal, total."""
    for g in result.groups:
        if g.title is not None:
            yield "group", {"title": g.title}
        for row in g.rows:
            yield "row", row
        if g.subtotal is not None:
            yield "subtotal", g.subtotal
    if result.total is not None:
        yield "total", result.total


# ---------------------------------------------------------------- XLSX

def report_xlsx(result: ReportResult) -> bytes:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    thin, medium = Side(style="thin", color="999999"), Side(style="medium", color="000000")
    wb = arial_book()  # column widths measured alike in Excel and LibreOffice
    ws = wb.active
    ws.title = result.title[:31]
    cols = result.columns
    n = len(cols)
    last = get_column_letter(n)
    for i, c in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(i)].width = c.width + 2
    ws["A1"] = result.title
    ws["A1"].font = Font(name="Arial", size=14, bold=True)
    ws["A2"] = result.subtitle
    ws["A2"].font = Font(name="Arial", size=9)
    stamp = result.generated_at or datetime.now().astimezone()
    ws["A3"] = f"Сформирован {stamp:%d.%m.%Y %H:%M}"
    ws["A3"].font = Font(name="Arial", size=8, color="777777")
    header = 5
    fills = {
        "header": PatternFill("solid", fgColor="D9E1F2"),
        "group": PatternFill("solid", fgColor="F2F2F2"),
        "total": PatternFill("solid", fgColor="FFF2CC"),
    }
    for i, c in enumerate(cols, 1):
        cell = ws.cell(header, i, c.title)
        cell.font = Font(name="Arial", size=9, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = fills["header"]
        cell.border = Border(top=medium, bottom=medium, left=thin, right=thin)
    ws.row_dimensions[header].height = 30
    regular = Font(name="Arial", size=9)
    bold = Font(name="Arial", size=9, bold=True)
    styler = Styler()

    def look(kind: str, c: Column):
        def setup(cell):
            cell.font = regular if kind == "row" else bold
            if c.kind in FORMATS:
                cell.number_format = ZERO_BLANK if c.kind == "money" else FORMATS[c.kind]
                cell.alignment = Alignment(horizontal="right")
            else:
                cell.alignment = Alignment(wrap_text=kind == "row", vertical="top")
            cell.border = Border(bottom=thin, left=thin, right=thin,
                                 top=medium if kind == "total" else None)
            if kind == "total":
                cell.fill = fills["total"]
        return setup

    def group_look(cell):
        cell.font = bold
        cell.fill = fills["group"]
        cell.border = Border(top=thin, bottom=thin)

    grouped = any(g.title is not None for g in result.groups)
    r = header
    for kind, row in _lines(result):
        r += 1
        if kind == "group":
            ws.cell(r, 1, row["title"])
            for i in range(1, n + 1):
                styler.same(ws.cell(r, i), "group", group_look)
            continue
        for i, c in enumerate(cols, 1):
            cell = ws.cell(r, i, _cell_value(c, row.get(c.key)))
            styler.same(cell, (kind, c.kind), look(kind, c))
        if kind == "row" and grouped:
            ws.row_dimensions[r].outlineLevel = 1
    for k, note in enumerate(result.notes):
        cell = ws.cell(r + 2 + k, 1, note)
        cell.font = Font(name="Arial", size=8, italic=True, color="555555")
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.sheet_properties.outlinePr.summaryBelow = True
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape" if sum(c.width for c in cols) > 110 else "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.print_area = f"A1:{last}{r + 1 + len(result.notes)}"
    ws.print_title_rows = f"{header}:{header}"
    ws.oddFooter.right.text = "Стр. &P из &N"
    ws.oddFooter.left.text = result.title
    for chart in result.charts:
        _xlsx_chart(wb, chart)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_chart(wb, chart: Chart) -> None:
    """A sheet with the chart's figures on top and the chart under them, printed on one
    landscape page."""
    from openpyxl.chart import BarChart, PieChart, Reference
    from openpyxl.styles import Font
    from openpyxl.worksheet.page import PageMargins

    if not chart.categories:
        return
    ws = wb.create_sheet(chart.title[:31])
    cats = chart.categories[:MAX_CHART_POINTS]
    ws.append(["", *[s.name for s in chart.series]])
    for i, cat in enumerate(cats):
        ws.append([cat, *[s.values[i] for s in chart.series]])
    ws.column_dimensions["A"].width = 34
    for k in range(len(chart.series)):
        ws.column_dimensions[chr(ord("B") + k)].width = 18
    for cell in ws[1]:
        cell.font = Font(name="Arial", size=10, bold=True)
    for row in ws.iter_rows(min_row=2, min_col=2):
        for cell in row:
            cell.number_format = MONEY
    if chart.kind == "pie":
        ch = PieChart()
        ch.add_data(Reference(ws, min_col=2, min_row=1, max_row=len(cats) + 1),
                    titles_from_data=True)
    else:
        ch = BarChart()
        ch.type = "col"
        ch.add_data(Reference(ws, min_col=2, max_col=1 + len(chart.series), min_row=1,
                              max_row=len(cats) + 1), titles_from_data=True)
        ch.y_axis.numFmt = "#,##0"
    ch.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(cats) + 1))
    ch.title = chart.title
    ch.width, ch.height = 24, 11  # centimetres
    ws.add_chart(ch, f"A{len(cats) + 3}")
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape"
    setup.fitToWidth = setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)


# ---------------------------------------------------------------- PDF

def _text(col: Column, value) -> str:
    from crmdesk.reports.pdf import money, quantity

    if value is None:
        return ""
    if col.kind == "money":
        return money(value)
    if col.kind in ("percent", "number"):
        return quantity(value) if col.kind == "number" else f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime):
        value = value.astimezone().date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, Decimal | int):
        return str(value)
    return str(value)


def report_pdf(result: ReportResult) -> bytes:
    """The report as a PDF: A4, landscape when the columns are many; the table runs over
    pages with its header repeated, then the notes and the charts.

    The table is cut into pages here rather than by reportlab, whose table splitting
    recomputes the whole remainder at every page break (minutes for ten thousand rows):
    the rows are measured once, packed into pages, and each page is a table of its own."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

    from crmdesk.reports import pdf
    from crmdesk.reports.fonts import register_fonts
    from crmdesk.reports.pdf import text

    regular, bold = register_fonts()
    cols = result.columns
    wide = sum(c.width for c in cols) > 110
    pagesize = landscape(A4) if wide else A4
    margins = (12 * mm, 12 * mm, 12 * mm, 14 * mm)
    width = pagesize[0] - margins[0] - margins[1]
    frame_height = pagesize[1] - margins[2] - margins[3]
    st = pdf.styles(8)
    scale = width / sum(c.width for c in cols)
    widths = [c.width * scale for c in cols]
    pad = 6  # left + right cell padding
    header = [Paragraph(f"<b>{text(c.title)}</b>", st["head"]) for c in cols]
    rows: list[tuple[str, list]] = []
    for kind, row in _lines(result):
        if kind == "group":
            rows.append((kind, [Paragraph(f"<b>{text(row['title'])}</b>", st["base"])]
                         + [""] * (len(cols) - 1)))
            continue
        font = regular if kind == "row" else bold
        cells = []
        for c, w in zip(cols, widths, strict=True):
            raw = row.get(c.key)
            value = "" if kind == "row" and c.kind == "money" and raw == 0 else _text(c, raw)
            wrap = c.kind not in FORMATS and stringWidth(value, font, 8) > w - pad
            style_ = st["base"] if kind == "row" else st["bold"]
            cells.append(Paragraph(text(value), style_) if wrap else value)
        rows.append((kind, cells))

    def table(chunk: list[tuple[str, list]]) -> Table:
        style = [
            ("FONTNAME", (0, 0), (-1, -1), regular),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E1F2")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        for i, c in enumerate(cols):
            if c.kind in FORMATS:
                style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
        for r, (kind, _) in enumerate(chunk, 1):
            if kind == "group":
                style += [("SPAN", (0, r), (-1, r)),
                          ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F2F2F2"))]
            elif kind != "row":
                style.append(("FONTNAME", (0, r), (-1, r), bold))
            if kind == "total":
                style += [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#FFF2CC")),
                          ("LINEABOVE", (0, r), (-1, r), 1, colors.black)]
        t = Table([header, *[cells for _, cells in chunk]], colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle(style))  # FONTNAME first: plain strings use the embedded font
        return t

    stamp = result.generated_at or datetime.now().astimezone()
    head = [
        Paragraph(text(result.title), st["title"]),
        Paragraph(text(result.subtitle), st["base"]),
        Paragraph(f'<font color="#777777">Сформирован {stamp:%d.%m.%Y %H:%M}</font>',
                  st["small"]),
        Spacer(1, 3 * mm),
    ]
    used = 0.0
    for i, f in enumerate(head):
        _, h = f.wrap(width, frame_height)
        used += h + (f.getSpaceBefore() if i else 0) + f.getSpaceAfter()
    # measure every row once, then fill pages: a group's heading never ends a page
    whole = table(rows)
    whole.wrap(width, 10**9)
    heights = whole._rowHeights
    header_h, slack = heights[0], 2.0
    pages: list[list] = [[]]
    room = frame_height - used - header_h - slack
    for k, (kind, cells) in enumerate(rows):
        h = heights[k + 1]
        need = h + (heights[k + 2] if kind == "group" and k + 2 < len(heights) else 0)
        if pages[-1] and need > room:
            pages.append([])
            room = frame_height - header_h - slack
        pages[-1].append((kind, cells))
        room -= h
    story = list(head)
    for n, chunk in enumerate(pages):
        if n:
            story.append(PageBreak())
        story.append(table(chunk))
    story += [Spacer(1, 3 * mm),
              *[Paragraph(f"<i>{text(n)}</i>", st["small"]) for n in result.notes]]
    for chart in result.charts:
        drawing = _pdf_chart(chart, width)
        if drawing is not None:
            story += [Spacer(1, 5 * mm), KeepTogether([Paragraph(text(chart.title), st["h2"]),
                                                       drawing])]
    return pdf.build(story, pagesize=pagesize, title=result.title, margins=margins,
                     footer=pdf.page_number_footer(result.title, skip_first=False))


PALETTE = ["#4472C4", "#ED7D31", "#70AD47", "#FFC000", "#5B9BD5", "#A5A5A5", "#264478"]


def _pdf_chart(chart: Chart, width: float):
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    from crmdesk.reports.fonts import register_fonts

    regular, _ = register_fonts()
    cats = chart.categories[:MAX_CHART_POINTS]
    if not cats or not any(any(s.values[: len(cats)]) for s in chart.series):
        return None
    height = 180
    d = Drawing(width, height)
    d.initialFontName = regular  # not Helvetica: every font in the PDF is embedded
    palette = [colors.HexColor(c) for c in PALETTE]
    legend = Legend()
    legend.fontName, legend.fontSize = regular, 7
    legend.alignment = "right"
    if chart.kind == "pie":
        amounts = chart.series[0].values[: len(cats)]
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 20, 10, 150, 150
        pie.data = [max(float(v), 0) for v in amounts]  # slice sizes: drawing only
        pie.labels = None
        for i in range(len(amounts)):
            pie.slices[i].fillColor = palette[i % len(palette)]
        d.add(pie)
        legend.x, legend.y = 200, 150
        # the amounts in the legend are printed from the Decimals, not from the floats
        legend.colorNamePairs = [
            (palette[i % len(palette)], f"{c}: {format_money(Decimal(amounts[i]))}")
            for i, c in enumerate(cats)
        ]
    else:
        bar = VerticalBarChart()
        bar.x, bar.y, bar.width, bar.height = 50, 45, width - 200, height - 60
        # bar heights: drawing only; the figures themselves stay Decimal in the tables
        bar.data = [[float(v) for v in s.values[: len(cats)]] for s in chart.series]
        bar.categoryAxis.categoryNames = [c[:18] for c in cats]
        bar.categoryAxis.labels.fontName = regular
        bar.categoryAxis.labels.fontSize = 6
        bar.categoryAxis.labels.angle = 30
        bar.categoryAxis.labels.boxAnchor = "ne"
        bar.valueAxis.labels.fontName = regular
        bar.valueAxis.labels.fontSize = 6
        bar.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}".replace(",", " ")
        for i in range(len(chart.series)):
            bar.bars[i].fillColor = palette[i % len(palette)]
        d.add(bar)
        legend.x, legend.y = width - 140, height - 10
        legend.colorNamePairs = [(palette[i % len(palette)], s.name)
                                 for i, s in enumerate(chart.series)]
    d.add(legend)
    return d


# the names the desktop's report form was written against
result_xlsx = report_xlsx
result_pdf = report_pdf
