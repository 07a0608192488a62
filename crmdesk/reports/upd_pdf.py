"""УПД as a landscape A4 PDF: the status column beside the invoice's header rows, the goods
table (А, Б, 1 … 11), the seller's signatures, then the transfer part [8]…[19]."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, LongTable, Paragraph, Spacer, Table

from crmdesk.reports import pdf
from crmdesk.reports.pdf import money, quantity, text
from crmdesk.reports.upd import HEADS, NO_VAT, STATUS_TEXT, Upd, total_vat

WIDTHS_MM = [8, 14, 58, 12, 11, 14, 14, 17, 21, 14, 12, 19, 21, 12, 14, 16]  # 277 mm
NOTE = ("Приложение № 1 к письму ФНС России от 21.10.2013 № ММВ-20-3/96@\n"
        "(счет-фактура — по форме приложения № 1 к постановлению Правительства РФ "
        "от 26.12.2011 № 1137)")
LINE = "_" * 18


def _header(u: Upd, st) -> list:
    small, base, bold = pdf.styles(7.5)["small"], pdf.styles(7)["base"], st["bold"]
    status = Table(
        [[Paragraph("<b>Универсальный передаточный документ</b>", st["base"])],
         [Table([[Paragraph("Статус:", small), Paragraph(f"<b>{u.status}</b>", st["center"])]],
                colWidths=[14 * mm, 10 * mm],
                style=pdf.table_style([("BOX", (1, 0), (1, 0), 1.2, colors.black),
                                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))],
         [Paragraph(text(STATUS_TEXT), pdf.styles(6)["base"])]],
        colWidths=[36 * mm])
    status.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    title = Paragraph(f"<b>Счет-фактура № {text(u.number)} от {text(u.date_words)}</b>", bold)
    rows = [[title, "", "(1)"]]
    for label, value, no in u.header:
        rows.append([Paragraph(text(label), small), Paragraph(text(value), base), no])
    right = Table(rows, colWidths=[62 * mm, 163 * mm, 10 * mm])
    right.setStyle(pdf.table_style([
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("SPAN", (0, 0), (1, 0)),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        *[("LINEBELOW", (1, r), (1, r), 0.5, colors.black) for r in range(1, len(rows))],
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.3),
    ]))
    both = Table([[status, right]], colWidths=[42 * mm, 235 * mm])
    both.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEAFTER", (0, 0), (0, 0), 1.2, colors.black)]))
    note = Paragraph(text(NOTE), pdf.styles(6)["right"])
    return [note, Spacer(1, 1 * mm), both, Spacer(1, 2 * mm)]


def _goods(u: Upd, st) -> LongTable:
    tiny = pdf.styles(6.5)["head"]  # the form's long column titles, small as on the blank
    head = [Paragraph(text(h), tiny) for h, _ in HEADS]
    numbers = [n for _, n in HEADS]
    body = []
    excise, plain = pdf.styles(5.5)["center"], pdf.styles(7)["base"]
    for x in u.lines:
        name = Paragraph(text(x.name), plain)
        body.append([str(x.no), x.code, name, "--", x.okei, x.unit, quantity(x.quantity),
                     money(x.price), money(x.net), Paragraph("без акциза", excise), x.rate,
                     money(x.vat) if x.vat is not None else NO_VAT, money(x.total),
                     "--", "--", "--"])
    vat = total_vat(u)
    total = ["", Paragraph("<b>Всего к оплате (9)</b>", st["base"]), "", "", "", "", "", "",
             money(u.totals["net"]), "X", "", money(vat) if vat != NO_VAT else NO_VAT,
             money(u.totals["total"]), "", "", ""]
    data = [head, numbers, *body, total]
    n = len(body)
    table = LongTable(data, colWidths=[c * mm for c in WIDTHS_MM], repeatRows=2)
    table.setStyle(pdf.table_style([
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("GRID", (0, 0), (-1, n + 1), 0.5, colors.black),
        ("BOX", (0, 0), (-1, n + 1), 1.2, colors.black),
        ("SPAN", (1, n + 2), (7, n + 2)),
        ("GRID", (8, n + 2), (12, n + 2), 0.5, colors.black),
        ("SPAN", (9, n + 2), (10, n + 2)),
        ("ALIGN", (0, 0), (-1, 1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 2), (1, n + 1), "CENTER"),
        ("ALIGN", (3, 2), (5, n + 1), "CENTER"),
        ("ALIGN", (6, 2), (-1, -1), "RIGHT"),
        ("ALIGN", (9, 2), (10, -1), "CENTER"),
        ("ALIGN", (13, 2), (-1, -1), "CENTER"),
        ("FONTSIZE", (0, 1), (-1, 1), 6),
        ("LEFTPADDING", (9, 2), (9, n + 1), 0.5),
        ("RIGHTPADDING", (9, 2), (9, n + 1), 0.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _sign_row(role: str, name: str, image: bytes | None, st) -> list:
    pic = pdf.floating(image, 24 * mm, 10 * mm, dx=2 * mm, dy=-3 * mm)
    line = Paragraph(LINE, st["base"])
    return [Paragraph(text(role), st["small"]), [pic, line] if pic else line,
            Paragraph(text(name) or LINE, st["base"])]


def _signatures(u: Upd, st) -> Table:
    left = Table([
        _sign_row("Руководитель организации или иное уполномоченное лицо", u.director,
                  u.director_signature, st),
        _sign_row("Индивидуальный предприниматель или иное уполномоченное лицо", "", None, st),
    ], colWidths=[52 * mm, 34 * mm, 40 * mm])
    right = Table([
        _sign_row("Главный бухгалтер или иное уполномоченное лицо", u.accountant,
                  u.accountant_signature, st),
        [Paragraph("реквизиты свидетельства о государственной регистрации индивидуального "
                   "предпринимателя", st["small"]), "", Paragraph(LINE, st["base"])],
    ], colWidths=[52 * mm, 34 * mm, 45 * mm])
    for t in (left, right):
        t.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                    ("TOPPADDING", (0, 0), (-1, -1), 2)]))
    sheets = Paragraph(f"Документ составлен на {u.sheets} листе", st["small"])
    both = Table([[sheets, left, right]], colWidths=[18 * mm, 128 * mm, 131 * mm])
    both.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEAFTER", (0, 0), (0, 0), 1.2, colors.black)]))
    return both


def _transfer(u: Upd, st) -> list:
    small, base = st["small"], st["base"]

    def field(no: str, label: str, value: str = "") -> list:
        return [Paragraph(f"{text(label)} [{no}]", small),
                Paragraph(text(value), base)]

    top = Table([
        field("8", "Основание передачи (сдачи) / получения (приемки)", u.basis),
        field("9", "Данные о транспортировке и грузе"),
    ], colWidths=[80 * mm, 197 * mm])
    top.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                  ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.black)]))

    def side(nos: tuple[str, ...], who: str, entity: str, day: str, other: str) -> Table:
        rows = [
            [Paragraph(f"{text(who)} [{nos[0]}]", small)],
            [Paragraph(f"(должность) {LINE} (подпись) {LINE} (ф.и.о.) {LINE}", small)],
            [Paragraph(f"Дата {text(day)} «___» ____________ 20__ г. [{nos[1]}]", small)],
            [Paragraph(f"Иные сведения {text(other)} [{nos[2]}] {LINE * 2}", small)],
            [Paragraph(f"Ответственный за правильность оформления факта хозяйственной жизни "
                       f"[{nos[3]}]", small)],
            [Paragraph(f"(должность) {LINE} (подпись) {LINE} (ф.и.о.) {LINE}", small)],
            [Paragraph("Наименование экономического субъекта – составителя документа (в т.ч. "
                       f"комиссионера / агента) [{nos[4]}]", small)],
            [Paragraph(text(entity), base)],
            [Paragraph("М.П.", small)],
        ]
        t = Table(rows, colWidths=[136 * mm])
        t.setStyle(pdf.table_style([("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5)]))
        return t

    seller = side(("10", "11", "12", "13", "14"),
                  "Товар (груз) передал / услуги, результаты работ, права сдал", u.seller_entity,
                  "отгрузки, передачи (сдачи)", "об отгрузке, передаче")
    buyer = side(("15", "16", "17", "18", "19"),
                 "Товар (груз) получил / услуги, результаты работ, права принял",
                 u.buyer_entity, "получения (приемки)", "о получении, приемке")
    both = Table([[seller, buyer]], colWidths=[139 * mm, 138 * mm])
    both.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEAFTER", (0, 0), (0, 0), 0.5, colors.black)]))
    stamp = pdf.floating(u.stamp, 34 * mm, 34 * mm, dx=20 * mm, dy=-34 * mm)
    return [top, Spacer(1, 1.5 * mm), both, *([stamp] if stamp else [])]


def render(u: Upd) -> bytes:
    st = pdf.styles(8)
    story = [*_header(u, st), _goods(u, st), Spacer(1, 2 * mm),
             KeepTogether([_signatures(u, st), Spacer(1, 2 * mm), *_transfer(u, st)])]
    title = f"УПД № {u.number} от {u.date}"
    return pdf.build(story, pagesize=landscape(A4),
                     margins=(10 * mm, 10 * mm, 8 * mm, 10 * mm),
                     footer=pdf.page_number_footer(title), title=title)
