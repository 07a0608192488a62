"""A print form (invoice, order) as PDF: the standard Russian layout of a «Счёт на оплату».

Long tables run over pages with their header repeated; the totals, the amount in words,
the terms and the signatures stay together on the last page, with the table's last two
lines (they are the table's last row, which may not be split from the lines above it).
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    HRFlowable,
    LongTable,
    Paragraph,
    Spacer,
    Table,
)

from crmdesk.reports import pdf
from crmdesk.reports.fonts import register_fonts
from crmdesk.reports.pdf import money, quantity, text
from crmdesk.reports.printform import PrintForm

WIDTH = 180 * mm  # A4 less 15 mm margins
FRAME_H = 297 * mm - 26 * mm  # A4 less the top and bottom margins of pdf.build
GRID = 0.5
BOX = 1.2
QR_SIZE = 30 * mm  # the payment QR code: banking apps read it well from 2 cm up


def _bank(form: PrintForm, st) -> Table:
    b = form.bank
    small = st["small"]
    rows = [
        [
            [
                Paragraph(text(b.bank), st["base"]),
                Spacer(1, 1.5 * mm),
                Paragraph("Банк получателя", small),
            ],
            "",
            Paragraph("БИК", st["base"]),
            Paragraph(text(b.bik), st["base"]),
        ],
        ["", "", Paragraph("Сч. №", st["base"]), Paragraph(text(b.corr_account), st["base"])],
        [
            Paragraph(f"ИНН {text(b.inn)}", st["base"]),
            Paragraph(f"КПП {text(b.kpp)}", st["base"]),
            Paragraph("Сч. №", st["base"]),
            Paragraph(text(b.account), st["base"]),
        ],
        [
            [
                Paragraph(text(b.recipient), st["base"]),
                Spacer(1, 1.5 * mm),
                Paragraph("Получатель", small),
            ],
            "",
            "",
            "",
        ],
    ]
    t = Table(rows, colWidths=[55 * mm, 55 * mm, 15 * mm, 55 * mm])
    t.setStyle(
        pdf.table_style(
            [
                ("GRID", (0, 0), (-1, -1), GRID, colors.black),
                ("SPAN", (0, 0), (1, 1)),
                ("SPAN", (2, 2), (2, 3)),
                ("SPAN", (3, 2), (3, 3)),
                ("SPAN", (0, 3), (1, 3)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return t


def _parties(form: PrintForm, st) -> Table:
    rows = [[Paragraph(text(label), st["base"]), Paragraph(f"<b>{text(value)}</b>", st["base"])]
            for label, value in form.parties]
    t = Table(rows, colWidths=[32 * mm, WIDTH - 32 * mm])
    t.setStyle(
        pdf.table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


KEEP_LINES = 2  # the table's last lines go onto the page of the totals, never alone
PAD = 3  # the table's cell padding, left and right


def _cell_text(kind: str, value) -> str:
    if kind == "money":
        return money(value)
    if kind in ("qty", "pct"):
        return quantity(value) if value else ""
    return "" if value is None else str(value)


def _lines(form: PrintForm, st, tail: list | None) -> LongTable:
    """The goods table; its last row holds ``tail`` (totals … signatures), kept on one page
    with the last lines (None: no such row). Plain strings draw far faster than a Paragraph
    per cell, so only a text too wide for its column becomes a wrapping Paragraph."""
    regular, bold = register_fonts()
    size = st["base"].fontSize
    cols = form.columns
    total = sum(c.weight for c in cols)
    widths = [WIDTH * c.weight / total for c in cols]
    header = []
    for c, w in zip(cols, widths, strict=True):
        fits = stringWidth(c.title, bold, size - 1) <= w - 2 * PAD
        header.append(c.title if fits else Paragraph(f"<b>{text(c.title)}</b>", st["head"]))
    body = []
    for row in form.lines:
        cells = []
        for c, w in zip(cols, widths, strict=True):
            value = _cell_text(c.kind, row.get(c.key))
            if c.kind == "text" and stringWidth(value, regular, size) > w - 2 * PAD:
                cells.append(Paragraph(text(value), st["base"]))
            else:
                cells.append(value)
        body.append(cells)
    n = len(body)
    data = [header, *body]
    if tail is not None:
        data.append([tail] + [""] * (len(cols) - 1))
    style = [
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * 1.22),
        ("FONTNAME", (0, 0), (-1, 0), bold),
        ("FONTSIZE", (0, 0), (-1, 0), size - 1),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("GRID", (0, 0), (-1, n), GRID, colors.black),
        ("BOX", (0, 0), (-1, n), BOX, colors.black),
        ("LINEBELOW", (0, 0), (-1, 0), BOX, colors.black),
        ("VALIGN", (0, 0), (-1, n), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, n), 0.8),
        ("BOTTOMPADDING", (0, 0), (-1, n), 1.7),
        ("LEFTPADDING", (0, 0), (-1, n), PAD),
        ("RIGHTPADDING", (0, 0), (-1, n), PAD),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
    ]
    if tail is not None:  # one cell across the table, no padding, on the last lines' page
        style += [
            ("SPAN", (0, n + 1), (-1, n + 1)),
            ("VALIGN", (0, n + 1), (-1, n + 1), "TOP"),
            ("LEFTPADDING", (0, n + 1), (-1, n + 1), 0),
            ("RIGHTPADDING", (0, n + 1), (-1, n + 1), 0),
            ("TOPPADDING", (0, n + 1), (-1, n + 1), 0),
            ("BOTTOMPADDING", (0, n + 1), (-1, n + 1), 0),
            ("NOSPLIT", (0, max(1, n + 1 - KEEP_LINES)), (-1, n + 1)),
        ]
    for i, c in enumerate(cols):
        align = {"money": "RIGHT", "qty": "RIGHT", "pct": "RIGHT", "int": "CENTER"}.get(c.kind)
        if align:
            style.append(("ALIGN", (i, 1), (i, n), align))
    t = LongTable(data, colWidths=widths, repeatRows=1)
    t.setStyle(pdf.table_style(style))
    return t


def _totals(form: PrintForm, st) -> Table:
    rows = [
        [
            Paragraph(f"<b>{text(label)}</b>", st["right"]),
            Paragraph(f"<b>{money(value)}</b>", st["right"]),
        ]
        for label, value in form.totals
    ]
    t = Table(rows, colWidths=[WIDTH - 30 * mm, 30 * mm])
    t.setStyle(
        pdf.table_style(
            [
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (-1, 0), (-1, -1), PAD),
            ]
        )
    )
    return t


def _signatures(form: PrintForm, st) -> Table:
    cells = []
    widths = []
    for sig in form.signatures:
        line = [HRFlowable(width="100%", thickness=0.5, color=colors.black, spaceBefore=9)]
        facsimile = pdf.floating(sig.image, 30 * mm, 14 * mm, dx=2 * mm, dy=-4 * mm)
        cells += [
            Paragraph(f"<b>{text(sig.role)}</b>", st["base"]),
            [facsimile, *line] if facsimile else line,
            Paragraph(f"/{text(sig.name)}/" if sig.name else "/" + "\u00a0" * 18 + "/", st["base"]),
        ]
        widths += [29 * mm, 28 * mm, 33 * mm]
    t = Table([cells], colWidths=widths, hAlign="LEFT")
    t.setStyle(
        pdf.table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def form_pdf(form: PrintForm) -> bytes:
    st = pdf.styles(9)
    story: list = []
    logo = pdf.image(form.logo, 60 * mm, 18 * mm)
    top: list = []
    if logo:
        top += [logo, Spacer(1, 2 * mm)]
    if form.notice:
        top += [Paragraph(text(form.notice), st["small"]), Spacer(1, 2 * mm)]
    qr = pdf.image(form.qr, QR_SIZE, QR_SIZE, "RIGHT")
    if qr:  # the payment QR code in the top right corner, beside the logo and the notice
        head = Table([[top or "", qr]], colWidths=[WIDTH - QR_SIZE, QR_SIZE])
        head.setStyle(pdf.table_style([("VALIGN", (0, 0), (0, 0), "BOTTOM"),
                                       ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                       ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                       ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * mm)]))
        top = [head]
    story += top
    if form.bank:
        story += [_bank(form, st), Spacer(1, 2 * mm)]
    story += [
        Paragraph(text(form.title), st["title"]),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceAfter=2 * mm),
        _parties(form, st),
        Spacer(1, 2 * mm),
    ]
    tail: list = [
        Spacer(1, 1.5 * mm),
        _totals(form, st),
        Spacer(1, 1.5 * mm),
        Paragraph(text(form.summary), st["base"]),
        Paragraph(f"<b>{text(form.words)}</b>", st["base"]),
        Spacer(1, 2 * mm),
        *[Paragraph(text(t), st["base"]) for t in form.terms],
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=2 * mm,
                   spaceAfter=2 * mm),
        _signatures(form, st),
    ]
    if form.seal:
        tail.append(Paragraph("М.П.", st["small"]))
    # the stamp (40 mm) centred on «М.П.», over the director's signature line
    stamp = pdf.floating(form.stamp, 40 * mm, 40 * mm, dx=4 * mm, dy=-19 * mm)
    if stamp:
        tail += [stamp, Spacer(1, 19 * mm)]
    tall = sum(f.wrap(WIDTH, FRAME_H)[1] + f.getSpaceBefore() + f.getSpaceAfter()
               for f in tail)
    if tall < FRAME_H * 0.6:
        story.append(_lines(form, st, tail))
    else:  # pages of terms: the tail cannot be kept in one piece, let it flow
        story += [_lines(form, st, None), *tail]
    return pdf.build(
        story, footer=pdf.page_number_footer(form.title), title=form.title
    )
