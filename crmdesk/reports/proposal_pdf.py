"""The two built-in designs of the commercial proposal: «classic» and «modern»."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import HRFlowable, KeepTogether, Paragraph, Spacer, Table

from crmdesk.reports import pdf
from crmdesk.reports.fonts import register_fonts
from crmdesk.reports.pdf import money, quantity, text
from crmdesk.reports.proposal import Proposal, ProposalItem
from crmdesk.reports.words import initials

WIDTH = 180 * mm
PAGE_W, PAGE_H = 210 * mm, 297 * mm
BAND = 32 * mm  # the coloured band on top of the modern design's first page


def tint(accent: colors.Color, share: float) -> colors.Color:
    """The accent mixed with white: share 0 → the accent, 1 → white."""
    return colors.Color(*(c + (1 - c) * share for c in (accent.red, accent.green, accent.blue)))


def _hex(colour: colors.Color) -> str:
    return colour.hexval().replace("0x", "#")


def fit_text(canvas, value: str, font: str, size: float, x: float, y: float, room: float):
    """One line at (x, y), made smaller (down to 6 pt) rather than run off the page."""
    while size > 6 and stringWidth(value, font, size) > room:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawString(x, y, value)


def _requisites(p: Proposal) -> str:
    s = p.supplier
    parts = [f"ИНН {s.inn}" if s.inn else "", f"КПП {s.kpp}" if s.kpp else "", s.address or ""]
    return "<br/>".join(x for x in (", ".join(y for y in parts if y), p.supplier_contacts) if x)


def _item_text(item: ProposalItem, st, accent_hex: str | None = None) -> list:
    name = text(item.name)
    if accent_hex:
        name = f'<font color="{accent_hex}">{name}</font>'
    flow = [Paragraph(f"<b>{name}</b>", st["base"])]
    if item.description:
        flow.append(Paragraph(f'<font color="#555555">{text(item.description)}</font>',
                              st["small"]))
    return flow


def _qty_price(item: ProposalItem) -> str:
    line = f"{quantity(item.quantity)} {text(item.unit)} × {money(item.price)}"
    if item.discount:
        line += f", скидка {quantity(item.discount)}%"
    return line


def _totals(p: Proposal, st, box_colour=None, text_colour="#000000") -> Table:
    rows = [
        [
            Paragraph(f'<font color="{text_colour}"><b>{text(label)}</b></font>', st["right"]),
            Paragraph(f'<font color="{text_colour}"><b>{money(value)}</b></font>', st["right"]),
        ]
        for label, value in p.totals
    ]
    t = Table(rows, colWidths=[65 * mm, 32 * mm], hAlign="RIGHT")
    style = [("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    if box_colour is not None:
        style += [
            ("BACKGROUND", (0, 0), (-1, -1), box_colour),
            ("TOPPADDING", (0, 0), (-1, 0), 5),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 5),
            ("RIGHTPADDING", (-1, 0), (-1, -1), 8),
        ]
    t.setStyle(pdf.table_style(style))
    return t


def _terms(p: Proposal, st, accent_hex: str) -> list:
    if not p.terms:
        return []
    out = [Paragraph(f'<font color="{accent_hex}">Условия</font>', st["h2"])]
    out += [Paragraph(f'<font color="{accent_hex}">■</font>&nbsp;&nbsp;{text(t)}', st["base"])
            for t in p.terms]
    return out


def _manager(p: Proposal, st) -> list:
    """«С уважением,», the manager's name, position and contacts, and a signature line."""
    m = p.manager
    if m is None:
        return []
    lines = [f"<b>{text(m.name)}</b>"]
    if m.position:
        lines.append(text(m.position))
    contact = ", ".join(x for x in (f"тел.: {m.phone}" if m.phone else "",
                                    f"эл. почта: {m.email}" if m.email else "") if x)
    if contact:
        lines.append(text(contact))
    sign = Table([["", f"/{initials(m.name)}/"]], colWidths=[40 * mm, 55 * mm], hAlign="LEFT")
    sign.setStyle(pdf.table_style([
        ("LINEBELOW", (0, 0), (0, 0), 0.5, colors.black),
        ("FONTSIZE", (0, 0), (-1, -1), st["base"].fontSize),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (0, 0), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
    ], p.design.font))
    return [Paragraph("С уважением,", st["base"]), Paragraph("<br/>".join(lines), st["base"]),
            sign]


def _footer(p: Proposal, line_colour) -> callable:
    regular, _ = register_fonts(p.design.font)

    def draw(canvas, doc):
        canvas.saveState()
        y = 9 * mm
        canvas.setStrokeColor(line_colour)
        canvas.setLineWidth(0.8)
        canvas.line(doc.leftMargin, y + 4 * mm, PAGE_W - doc.rightMargin, y + 4 * mm)
        canvas.setFont(regular, 7)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(doc.leftMargin, y, p.footer[:160])
        canvas.drawRightString(PAGE_W - doc.rightMargin, y, f"стр. {canvas.getPageNumber()}")
        canvas.restoreState()

    return draw


def classic(p: Proposal) -> bytes:
    family = p.design.font
    st = pdf.styles(9, family)
    accent = colors.HexColor(p.design.accent)
    ahex = _hex(accent)
    logo = pdf.image(p.logo, 45 * mm, 22 * mm)
    who = [Paragraph(f"<b>{text(p.supplier.name)}</b>", st["h2"]),
           Paragraph(_requisites(p), st["small"])]
    if logo:
        letterhead = Table([[logo, who]], colWidths=[50 * mm, WIDTH - 50 * mm])
    else:
        letterhead = Table([[who]], colWidths=[WIDTH])
    letterhead.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                         ("LEFTPADDING", (0, 0), (0, 0), 0)], family))
    story = [
        letterhead,
        HRFlowable(width="100%", thickness=2, color=accent, spaceBefore=2 * mm, spaceAfter=4 * mm),
        Paragraph("<br/>".join(["Кому: " + text(p.addressee[0]), *map(text, p.addressee[1:])]),
                  st["right"]),
        Spacer(1, 4 * mm),
        Paragraph(f'<font color="{ahex}">{text(p.title)}</font>', st["title"]),
        Paragraph(f"<b>{text(p.valid_until)}</b>", st["base"]),
        Spacer(1, 3 * mm),
        Paragraph(text(p.design.intro), st["base"]),
        Spacer(1, 3 * mm),
    ]
    pictures = any(pdf.image(item.image, 1, 1) for item in p.items)
    header = ["№", "Фото", "Наименование", "Кол-во", "Цена", "Сумма"]
    widths = [8 * mm, 24 * mm, 80 * mm, 20 * mm, 24 * mm, 24 * mm]
    if not pictures:  # no photo column when there is no photo
        del header[1]
        widths = [8 * mm, 104 * mm, 20 * mm, 24 * mm, 24 * mm]
    rows = [[Paragraph(f'<font color="#FFFFFF"><b>{h}</b></font>', st["head"]) for h in header]]
    for item in p.items:
        photo = [pdf.image(item.image, 20 * mm, 20 * mm, "CENTER") or ""] if pictures else []
        rows.append([
            Paragraph(str(item.no), st["center"]),
            *photo,
            _item_text(item, st),
            Paragraph(f"{quantity(item.quantity)} {text(item.unit)}", st["right"]),
            Paragraph(money(item.price) + (f"<br/><font size=7>скидка {quantity(item.discount)}%"
                                           "</font>" if item.discount else ""), st["right"]),
            Paragraph(money(item.amount), st["right"]),
        ])
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(pdf.table_style(family=family, commands=[
        ("BACKGROUND", (0, 0), (-1, 0), accent),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, tint(accent, 0.6)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, tint(accent, 0.93)]),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    story += [
        table,
        Spacer(1, 2 * mm),
        KeepTogether([_totals(p, st), Paragraph(f"<i>{text(p.total_words)}</i>", st["right"])]),
        Spacer(1, 4 * mm),
        *_terms(p, st, ahex),
        Spacer(1, 5 * mm),
        KeepTogether(_manager(p, st)),
    ]
    return pdf.build(story, footer=_footer(p, accent), title=p.title,
                     margins=(15 * mm, 15 * mm, 12 * mm, 20 * mm))


def modern(p: Proposal) -> bytes:
    family = p.design.font
    st = pdf.styles(9, family)
    number = ParagraphStyle("number", st["center"], fontSize=20, leading=24)
    accent = colors.HexColor(p.design.accent)
    ahex = _hex(accent)
    regular, bold = register_fonts(family)
    logo = pdf.image(p.logo, 40 * mm, BAND - 12 * mm)

    def band(canvas, doc):
        canvas.saveState()
        canvas.setFillColor(accent)
        canvas.rect(0, PAGE_H - BAND, PAGE_W, BAND, stroke=0, fill=1)
        x = 15 * mm
        if logo is not None:
            canvas.setFillColor(colors.white)
            canvas.roundRect(x - 2 * mm, PAGE_H - BAND + 4 * mm, logo.drawWidth + 4 * mm,
                             BAND - 8 * mm, 2 * mm, stroke=0, fill=1)
            logo.drawOn(canvas, x, PAGE_H - BAND / 2 - logo.drawHeight / 2)
            x += logo.drawWidth + 8 * mm
        canvas.setFillColor(colors.white)
        room = PAGE_W - 15 * mm - x
        fit_text(canvas, p.supplier.name, bold, 15, x, PAGE_H - 14 * mm, room)
        sup = p.supplier
        ids = ", ".join(t for t in (f"ИНН {sup.inn}" if sup.inn else "",
                                    f"КПП {sup.kpp}" if sup.kpp else "") if t)
        fit_text(canvas, " · ".join(t for t in (ids, p.supplier_contacts) if t), regular, 8,
                 x, PAGE_H - 20 * mm, room)
        fit_text(canvas, sup.address or "", regular, 8, x, PAGE_H - 24.5 * mm, room)
        canvas.restoreState()

    story = [
        Spacer(1, BAND - 6 * mm),
        Paragraph(f'<font color="{ahex}" size="17">{text(p.title)}</font>', st["title"]),
        Spacer(1, 2 * mm),
    ]
    badge = Table([[Paragraph(f"<b>{text(p.valid_until)}</b>", st["base"]),
                    Paragraph("<br/>".join(["Для: " + text(p.addressee[0]),
                                            *map(text, p.addressee[1:])]), st["right"])]],
                  colWidths=[95 * mm, WIDTH - 95 * mm])
    badge.setStyle(pdf.table_style([("BACKGROUND", (0, 0), (0, 0), tint(accent, 0.85)),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 4),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    intro = Table([[Paragraph(text(p.design.intro), st["base"])]], colWidths=[WIDTH])
    intro.setStyle(pdf.table_style([("LINEBEFORE", (0, 0), (0, 0), 3, accent),
                               ("LEFTPADDING", (0, 0), (-1, -1), 8)]))
    story += [badge, Spacer(1, 4 * mm), intro, Spacer(1, 4 * mm)]
    for item in p.items:
        pic = pdf.image(item.image, 30 * mm, 22 * mm, "CENTER")
        card = Table(
            [[pic or Paragraph(f'<font color="{ahex}"><b>{item.no}</b></font>', number),
              [*_item_text(item, st, ahex), Spacer(1, 1.5 * mm),
               Paragraph(_qty_price(item), st["base"])],
              Paragraph(f"<b>{money(item.amount)}</b>", st["right"])]],
            colWidths=[36 * mm, 112 * mm, 32 * mm],
        )
        card.setStyle(pdf.table_style([
            ("BACKGROUND", (0, 0), (-1, -1), tint(accent, 0.94)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LINEBEFORE", (0, 0), (0, 0), 3, accent),
        ]))
        story += [card, Spacer(1, 2 * mm)]
    story += [
        Spacer(1, 1 * mm),
        KeepTogether([_totals(p, st, accent, "#FFFFFF"), Spacer(1, 1 * mm),
                      Paragraph(f"<i>{text(p.total_words)}</i>", st["right"])]),
        Spacer(1, 4 * mm),
        *_terms(p, st, ahex),
        Spacer(1, 5 * mm),
    ]
    manager = _manager(p, st)
    if manager:
        card = Table([[manager]], colWidths=[110 * mm], hAlign="LEFT")
        card.setStyle(pdf.table_style([("LINEBEFORE", (0, 0), (0, 0), 3, accent),
                                  ("BACKGROUND", (0, 0), (-1, -1), tint(accent, 0.94)),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 8),
                                  ("TOPPADDING", (0, 0), (-1, -1), 5),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
        story.append(card)
    return pdf.build(story, footer=_footer(p, accent), first_page=band, title=p.title,
                     margins=(15 * mm, 15 * mm, 12 * mm, 20 * mm))


RENDERERS = {"classic": classic, "modern": modern}


def render(p: Proposal) -> bytes:
    return RENDERERS.get(p.design.design, classic)(p)
