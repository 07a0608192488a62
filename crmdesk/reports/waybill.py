"""Расходная накладная in the unified form ТОРГ-12 (Госкомстат, 25.12.98 № 132): landscape,
the form's header with the codes column, the goods table of 15 numbered columns (prices and
sums without VAT, the VAT rate and sum, the sum with VAT), totals, the amount in words and
the signatures of both sides. Printed on the basis of an order or an invoice; the XLSX of
the same data is drawn by ``waybill_xlsx``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, LongTable, Paragraph, Spacer, Table

from crmdesk.reports import pdf
from crmdesk.reports.act import basis_text, client_with_bank, load_basis, org_with_bank
from crmdesk.reports.pdf import money, quantity, text
from crmdesk.reports.printform import organization
from crmdesk.reports.words import (
    MONTHS_GENITIVE,
    amount_in_words,
    initials,
    local_date,
    number_in_words,
    rate_text,
    short_date,
)
from crmdesk.services.context import Context
from crmdesk.services.contracts import contract_of
from crmdesk.services.money import ZERO

FORM_NOTE = ("Унифицированная форма № ТОРГ-12\nУтверждена постановлением Госкомстата России "
             "от 25.12.98 № 132")
OKUD = "0330212"
OKEI = {"шт": "796", "шт.": "796", "кг": "166", "т": "168", "г": "163", "л": "112",
        "м": "006", "м2": "055", "м²": "055", "м3": "113", "м³": "113", "компл": "839",
        "компл.": "839", "упак": "778", "упак.": "778", "уп": "778", "пар": "715",
        "ч": "356", "час": "356", "усл. ед": "876", "усл. ед.": "876", "услуга": "876"}
HEADS = [
    "Номер по по-рядку", "Товар: наименование, характеристика, сорт, артикул товара", "код",
    "Ед. изм.: наиме-нование", "код по ОКЕИ", "Вид упа-ковки", "Кол-во в одном месте",
    "мест, штук", "Масса брутто", "Коли-чество (масса нетто)", "Цена, руб. коп.",
    "Сумма без учета НДС, руб. коп.", "НДС, ставка, %", "НДС, сумма, руб. коп.",
    "Сумма с учетом НДС, руб. коп.",
]
WIDTHS_MM = [10, 62, 14, 12, 12, 13, 13, 13, 14, 17, 19, 24, 13, 20, 21]  # 277 mm


@dataclass
class WaybillLine:
    no: int
    name: str
    code: str
    unit: str
    okei: str
    quantity: Decimal
    price: Decimal  # without VAT
    net: Decimal
    rate: str  # «22», «без НДС»
    vat: Decimal | None
    total: Decimal


@dataclass
class Waybill:
    number: str
    date: str
    consignor: str
    consignee: str
    supplier: str
    payer: str
    basis: str
    basis_number: str
    basis_date: str
    lines: list[WaybillLine]
    director: str
    accountant: str
    director_signature: bytes | None = None
    accountant_signature: bytes | None = None
    stamp: bytes | None = None
    totals: dict = field(default_factory=dict)
    date_words: str = ""  # «15» июля 2026 года

    @property
    def words(self) -> str:
        return amount_in_words(self.totals["total"])

    @property
    def count_words(self) -> str:
        return number_in_words(len(self.lines))


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def waybill_data(ctx: Context, doc_id: int) -> Waybill:
    doc = load_basis(ctx, doc_id, "ТОРГ-12")
    org = organization(ctx.session)
    lines = []
    for ln in doc.lines:
        vat = ln.vat_amount if ln.vat_rate is not None and doc.vat_mode != "none" else None
        if doc.vat_mode == "on_top":
            net, total = ln.amount, ln.amount + (vat or ZERO)
        else:
            net, total = ln.amount - (vat or ZERO), ln.amount
        qty = ln.quantity
        lines.append(WaybillLine(
            no=ln.line_no, name=ln.description,
            code=(ln.product.article if ln.product is not None and ln.product.article else ""),
            unit=ln.unit, okei=OKEI.get((ln.unit or "").strip().lower(), ""), quantity=qty,
            price=_round(net / qty) if qty else net, net=net,
            rate=rate_text(ln.vat_rate) if vat is not None else "без НДС", vat=vat, total=total,
        ))
    day = local_date(doc.date)
    contract = contract_of(doc)
    basis_number = contract.number if contract is not None else doc.number
    basis_date = short_date(contract.date if contract is not None else doc.date)
    totals = {
        "quantity": sum((x.quantity for x in lines), Decimal(0)),
        "net": sum((x.net for x in lines), ZERO),
        "vat": sum((x.vat for x in lines if x.vat is not None), ZERO),
        "total": sum((x.total for x in lines), ZERO),
    }
    return Waybill(
        number=doc.number, date=short_date(doc.date), consignor=org_with_bank(org),
        consignee=client_with_bank(doc), supplier=org_with_bank(org),
        payer=client_with_bank(doc), basis=basis_text(doc), basis_number=basis_number,
        basis_date=basis_date, lines=lines, director=initials(org.director),
        accountant=initials(org.chief_accountant), director_signature=org.director_signature,
        accountant_signature=org.accountant_signature, stamp=org.stamp, totals=totals,
        date_words=f"«{day.day:02d}» {MONTHS_GENITIVE[day.month - 1]} {day.year} года",
    )


WIDTH = 277 * mm


def _header(w: Waybill, st) -> list:
    small, base = st["small"], pdf.styles(7)["base"]
    note = Paragraph(text(FORM_NOTE), pdf.styles(6)["right"])
    rows = [
        ["", "", "", Paragraph("Коды", st["center"])],
        ["", "", Paragraph("Форма по ОКУД", st["right"]), OKUD],
        [Paragraph("Грузоотправитель", small), Paragraph(text(w.consignor), base),
         Paragraph("по ОКПО", st["right"]), ""],
        ["", Paragraph("организация, адрес, телефон, банковские реквизиты", small),
         Paragraph("Вид деятельности по ОКДП", st["right"]), ""],
        [Paragraph("Грузополучатель", small), Paragraph(text(w.consignee), base),
         Paragraph("по ОКПО", st["right"]), ""],
        [Paragraph("Поставщик", small), Paragraph(text(w.supplier), base),
         Paragraph("по ОКПО", st["right"]), ""],
        [Paragraph("Плательщик", small), Paragraph(text(w.payer), base),
         Paragraph("по ОКПО", st["right"]), ""],
        [Paragraph("Основание", small), Paragraph(text(w.basis), base),
         Paragraph("номер", st["right"]), w.basis_number],
        ["", Paragraph("договор, заказ-наряд", small), Paragraph("дата", st["right"]),
         w.basis_date],
        ["", "", Paragraph("Транспортная накладная: номер", st["right"]), ""],
        ["", "", Paragraph("дата", st["right"]), ""],
        ["", "", Paragraph("Вид операции", st["right"]), ""],
    ]
    t = Table(rows, colWidths=[27 * mm, 193 * mm, 34 * mm, 23 * mm])
    t.setStyle(pdf.table_style([
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("BOX", (3, 1), (3, -1), 1.2, colors.black),
        ("INNERGRID", (3, 1), (3, -1), 0.5, colors.black),
        ("ALIGN", (3, 0), (3, -1), "CENTER"),
        *[("LINEBELOW", (1, r), (1, r), 0.5, colors.black) for r in (2, 4, 5, 6, 7)],
        ("TOPPADDING", (0, 0), (-1, -1), 0.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
    ]))
    title = Table(
        [["", "Номер документа", "Дата составления"],
         [Paragraph("<b>ТОВАРНАЯ НАКЛАДНАЯ</b>", st["right"]), w.number, w.date]],
        colWidths=[70 * mm, 35 * mm, 35 * mm], hAlign="CENTER")
    title.setStyle(pdf.table_style([
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (1, 0), (-1, -1), 0.5, colors.black),
        ("BOX", (1, 1), (-1, 1), 1.2, colors.black),
        ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return [note, t, Spacer(1, 1 * mm), title, Spacer(1, 1.5 * mm)]


def _goods(w: Waybill, st) -> LongTable:
    head = [Paragraph(text(h), st["head"]) for h in HEADS]
    numbers = [str(i) for i in range(1, 16)]
    body = []
    for x in w.lines:
        name = Paragraph(text(x.name), st["base"]) if len(x.name) > 40 else x.name
        body.append([str(x.no), name, x.code, x.unit, x.okei, "", "", "", "",
                     quantity(x.quantity), money(x.price), money(x.net), x.rate,
                     money(x.vat) if x.vat is not None else "-", money(x.total)])
    t = w.totals
    vat = money(t["vat"]) if any(x.vat is not None for x in w.lines) else "-"
    itogo = ["", "", "", "", "", "", "", "Итого", "", quantity(t["quantity"]), "X",
             money(t["net"]), "X", vat, money(t["total"])]
    vsego = ["", "", "", "", "", "Всего по накладной", "", "", "", quantity(t["quantity"]), "X",
             money(t["net"]), "X", vat, money(t["total"])]
    data = [head, numbers, *body, itogo, vsego]
    n = len(body)
    table = LongTable(data, colWidths=[c * mm for c in WIDTHS_MM], repeatRows=2)
    table.setStyle(pdf.table_style([
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, n + 1), 0.5, colors.black),
        ("BOX", (0, 0), (-1, n + 1), 1.2, colors.black),
        ("GRID", (9, n + 2), (-1, n + 3), 0.5, colors.black),
        ("SPAN", (7, n + 2), (8, n + 2)),
        ("SPAN", (5, n + 3), (8, n + 3)),
        ("ALIGN", (5, n + 2), (8, n + 3), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 2), (0, n + 1), "CENTER"),
        ("ALIGN", (2, 2), (8, n + 1), "CENTER"),
        ("ALIGN", (9, 2), (-1, -1), "RIGHT"),
        ("ALIGN", (12, 2), (12, -1), "CENTER"),
        ("FONTSIZE", (0, 1), (-1, 1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _footer(w: Waybill, st) -> list:
    small, base = st["small"], st["base"]
    line = "_" * 22
    info = [
        Paragraph(f"Товарная накладная имеет приложение на {'_' * 6} листах и содержит "
                  f"<u>{text(w.count_words)}</u> порядковых номеров записей", base),
        Paragraph(f"Всего мест {'_' * 12}   Масса груза (нетто) {'_' * 16}   "
                  f"Масса груза (брутто) {'_' * 16}", base),
        Spacer(1, 1 * mm),
        Paragraph(f"Всего отпущено на сумму <b>{text(w.words)}</b>", base),
        Spacer(1, 3 * mm),
    ]

    def sign(role: str, position: str, name: str, image: bytes | None) -> list:
        pic = pdf.floating(image, 26 * mm, 11 * mm, dx=2 * mm, dy=-3 * mm)
        return [Paragraph(role, small), Paragraph(position, small),
                [pic, Paragraph(line, base)] if pic else Paragraph(line, base),
                Paragraph(text(name) or line, base)]

    left = Table([
        sign("Отпуск груза разрешил", "Руководитель", w.director, w.director_signature),
        sign("Главный (старший) бухгалтер", "", w.accountant, w.accountant_signature),
        sign("Отпуск груза произвел", "", "", None),
        [Paragraph("М.П.", small), "", Paragraph(w.date_words, small), ""],
    ], colWidths=[30 * mm, 24 * mm, 40 * mm, 40 * mm])
    right = Table([
        [Paragraph(f"По доверенности № {'_' * 12} от {'_' * 14}", base)],
        [Paragraph(f"выданной {'_' * 48}", base)],
        [Paragraph(f"Груз принял {'_' * 18} {'_' * 18}", base)],
        [Paragraph(f"Груз получил грузополучатель {'_' * 14} {'_' * 14}", base)],
        [Paragraph("М.П.                       «____» ______________ 20___ года", small)],
    ], colWidths=[135 * mm])
    for t in (left, right):
        t.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                                    ("TOPPADDING", (0, 0), (-1, -1), 2)]))
    both = Table([[left, right]], colWidths=[140 * mm, 137 * mm])
    both.setStyle(pdf.table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEAFTER", (0, 0), (0, 0), 0.5, colors.black)]))
    stamp = pdf.floating(w.stamp, 36 * mm, 36 * mm, dx=8 * mm, dy=-30 * mm)
    return [KeepTogether([*info, both, *([stamp] if stamp else [])])]


def waybill_pdf(ctx: Context, doc_id: int) -> bytes:
    w = waybill_data(ctx, doc_id)
    st = pdf.styles(8)
    story = [*_header(w, st), _goods(w, st), Spacer(1, 2 * mm), *_footer(w, st)]
    title = f"Товарная накладная № {w.number} от {w.date}"
    return pdf.build(story, pagesize=landscape(A4),
                     margins=(10 * mm, 10 * mm, 8 * mm, 10 * mm),
                     footer=pdf.page_number_footer(title), title=title)


def waybill_xlsx(ctx: Context, doc_id: int) -> bytes:
    from crmdesk.reports.waybill_xlsx import render

    return render(waybill_data(ctx, doc_id))


__all__ = ["Waybill", "WaybillLine", "local_date", "waybill_data", "waybill_pdf",
           "waybill_xlsx"]
