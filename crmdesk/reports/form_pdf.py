"""A print form (invoice, order) as PDF: the standard Russian layout of a «Счёт на оплату».

Long tables run over pages with their header repeated; the totals, the amount in words,
the terms and the signatures stay together on the last page.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    LongTable,
    Paragraph,
    Spacer,
    Table,
)

from crmdesk.reports import pdf
from crmdesk.reports.pdf import money, quantity, text
from crmdesk.reports.printform import PrintForm

WIDTH = 180 * mm  # A4 less 15 mm margins
GRID = 0.5
BOX = 1.2


def _bank(form: PrintForm, st) -> Table:
    b = form.bank
    small = st["small"]
    rows = [
        [
            [
                Paragraph(text(b.bank), st["base"]),
                Spacer(1, 3 * mm),
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
                Spacer(1, 3 * mm),
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


def _cell(kind: str, value, st):
    if kind == "money":
        return Paragraph(money(value), st["right"])
    if kind in ("qty", "pct"):
        return Paragraph(quantity(value) if value else "", st["right"])
    if kind == "int":
        return Paragraph(str(value), st["center"])
    return Paragraph(text(value), st["base"])


def _lines(form: PrintForm, st) -> LongTable:
    cols = form.columns
    header = [Paragraph(f"<b>{text(c.title)}</b>", st["head"]) for c in cols]
    body = [[_cell(c.kind, row.get(c.key), st) for c in cols] for row in form.lines]
    total = sum(c.weight for c in cols)
    widths = [WIDTH * c.weight / total for c in cols]
    t = LongTable([header, *body], colWidths=widths, repeatRows=1)
    t.setStyle(
        pdf.table_style(
            [
                ("GRID", (0, 0), (-1, -1), GRID, colors.black),
                ("BOX", (0, 0), (-1, -1), BOX, colors.black),
                ("LINEBELOW", (0, 0), (-1, 0), BOX, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
            ]
        )
    )
    return t


def _totals(form: PrintForm, st) -> Table:
    rows = [
        [
            Paragraph(f"<b>{text(label)}</b>", st["right"]),
            Paragraph(f"<b>{money(value)}</b>", st["right"]),
        ]
        for label, value in form.totals
    ]
    t = Table(rows, colWidths=[70 * mm, 30 * mm], hAlign="RIGHT")
    t.setStyle(
        pdf.table_style(
            [
                ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (-1, 0), (-1, -1), 6),
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
    if logo:
        story += [logo, Spacer(1, 2 * mm)]
    if form.notice:
        story += [Paragraph(text(form.notice), st["small"]), Spacer(1, 2 * mm)]
    if form.bank:
        story += [_bank(form, st), Spacer(1, 3 * mm)]
    story += [
        Paragraph(text(form.title), st["title"]),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceAfter=2 * mm),
        _parties(form, st),
        Spacer(1, 2 * mm),
        _lines(form, st),
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
    stamp = pdf.floating(form.stamp, 40 * mm, 40 * mm, dx=12 * mm, dy=-6 * mm)
    if stamp:
        tail += [stamp, Spacer(1, 8 * mm)]
    story.append(KeepTogether(tail))
    return pdf.build(
        story, footer=pdf.page_number_footer(form.title), title=form.title
    )
