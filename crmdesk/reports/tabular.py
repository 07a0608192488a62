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
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    thin, medium = Side(style="thin", color="999999"), Side(style="medium", color="000000")
    wb = Workbook()
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
    r = header
    regular = Font(name="Arial", size=9)
    bold = Font(name="Arial", size=9, bold=True)
    for kind, row in _lines(result):
        r += 1
        if kind == "group":
            cell = ws.cell(r, 1, row["title"])
            cell.font = bold
            for i in range(1, n + 1):
                ws.cell(r, i).fill = fills["group"]
                ws.cell(r, i).border = Border(top=thin, bottom=thin)
            continue
        for i, c in enumerate(cols, 1):
            cell = ws.cell(r, i, _cell_value(c, row.get(c.key)))
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
        if kind == "row" and any(g.title is not None for g in result.groups):
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
    from openpyxl.chart import BarChart, PieChart, Reference

    if not chart.categories:
        return
    ws = wb.create_sheet(chart.title[:31])
    cats = chart.categories[:MAX_CHART_POINTS]
    ws.append(["", *[s.name for s in chart.series]])
    for i, cat in enumerate(cats):
        ws.append([cat, *[s.values[i] for s in chart.series]])
    ws.column_dimensions["A"].width = 30
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
    ch.width, ch.height = 24, 12
    ws.add_chart(ch, f"{chr(ord('B') + len(chart.series) + 1)}2")


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
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, LongTable, Paragraph, Spacer, TableStyle

    from crmdesk.reports import pdf
    from crmdesk.reports.fonts import register_fonts
    from crmdesk.reports.pdf import text

    regular, bold = register_fonts()
    cols = result.columns
    wide = sum(c.width for c in cols) > 110
    pagesize = landscape(A4) if wide else A4
    width = pagesize[0] - 24 * mm
    st = pdf.styles(8)
    scale = width / sum(c.width for c in cols)
    widths = [c.width * scale for c in cols]
    data = [[Paragraph(f"<b>{text(c.title)}</b>", st["head"]) for c in cols]]
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
    for kind, row in _lines(result):
        r = len(data)
        if kind == "group":
            data.append([Paragraph(f"<b>{text(row['title'])}</b>", st["base"])]
                        + [""] * (len(cols) - 1))
            style += [("SPAN", (0, r), (-1, r)),
                      ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F2F2F2"))]
            continue
        cells = []
        for c in cols:
            raw = row.get(c.key)
            value = "" if kind == "row" and c.kind == "money" and raw == 0 else _text(c, raw)
            wrap = c.kind not in FORMATS and kind == "row" and len(value) * 4.6 > c.width * scale
            cells.append(Paragraph(text(value), st["base"]) if wrap else value)
        data.append(cells)
        if kind != "row":
            style.append(("FONTNAME", (0, r), (-1, r), bold))
        if kind == "total":
            style += [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#FFF2CC")),
                      ("LINEABOVE", (0, r), (-1, r), 1, colors.black)]
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))  # FONTNAME set first in style
    stamp = result.generated_at or datetime.now().astimezone()
    story = [
        Paragraph(text(result.title), st["title"]),
        Paragraph(text(result.subtitle), st["base"]),
        Paragraph(f'<font color="#777777">Сформирован {stamp:%d.%m.%Y %H:%M}</font>',
                  st["small"]),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        *[Paragraph(f"<i>{text(n)}</i>", st["small"]) for n in result.notes],
    ]
    for chart in result.charts:
        drawing = _pdf_chart(chart, width)
        if drawing is not None:
            story += [Spacer(1, 5 * mm), KeepTogether([Paragraph(text(chart.title), st["h2"]),
                                                       drawing])]
    return pdf.build(story, pagesize=pagesize, title=result.title,
                     margins=(12 * mm, 12 * mm, 12 * mm, 14 * mm),
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
        values = [float(v) for v in chart.series[0].values[: len(cats)]]
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 20, 10, 150, 150
        pie.data = [max(v, 0) for v in values]
        pie.labels = None
        for i in range(len(values)):
            pie.slices[i].fillColor = palette[i % len(palette)]
        d.add(pie)
        legend.x, legend.y = 200, 150
        legend.colorNamePairs = [(palette[i % len(palette)], f"{c}: {values[i]:,.2f}"
                                  .replace(",", " ").replace(".", ","))
                                 for i, c in enumerate(cats)]
    else:
        bar = VerticalBarChart()
        bar.x, bar.y, bar.width, bar.height = 50, 45, width - 200, height - 60
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
