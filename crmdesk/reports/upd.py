"""Универсальный передаточный документ (УПД) in the form recommended by the FNS letter of
21.10.2013 № ММВ-20-3/96@ (appendix 1, with the 2017 changes: the contract identifier (8),
the goods kind code (1а)): landscape; the status box (1 — счёт-фактура and transfer
document, 2 — transfer document only); the invoice's header rows (1)…(8); the goods table
with the columns А, Б, 1 … 11; the signatures of the seller's head and accountant; the
transfer part [8]…[19] with both sides' signatures.

Printed on the basis of an order or an invoice. Status 1 when the document carries VAT,
status 2 when it is «Без НДС» (a seller who issues no счёт-фактура). The lines, prices
without VAT and totals are those of ТОРГ-12 (``waybill.waybill_data``); the XLSX of the
same data is drawn by ``upd_xlsx``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from crmdesk.models import Document
from crmdesk.reports.act import basis_text, load_basis
from crmdesk.reports.printform import client_party, organization
from crmdesk.reports.waybill import waybill_data
from crmdesk.reports.words import date_in_words, initials, short_date
from crmdesk.services.context import Context

STATUS_TEXT = ("1 – счет-фактура и передаточный документ (акт)\n"
               "2 – передаточный документ (акт)")
CURRENCY = "Российский рубль, 643"
NONE = "--"  # what the form puts in a field that does not apply
NO_VAT = "без НДС"
HEADS = [
    ("№ п/п", "А"),
    ("Код товара/ работ, услуг", "Б"),
    ("Наименование товара (описание выполненных работ, оказанных услуг), имущественного "
     "права", "1"),
    ("Код вида товара", "1а"),
    ("Единица измерения: код", "2"),
    ("Единица измерения: условное обозначение (национальное)", "2а"),
    ("Количество (объем)", "3"),
    ("Цена (тариф) за единицу измерения", "4"),
    ("Стоимость товаров (работ, услуг), имущественных прав без налога — всего", "5"),
    ("В том числе сумма акциза", "6"),
    ("Налоговая ставка", "7"),
    ("Сумма налога, предъявляемая покупателю", "8"),
    ("Стоимость товаров (работ, услуг), имущественных прав с налогом — всего", "9"),
    ("Страна происхождения товара: цифровой код", "10"),
    ("Страна происхождения товара: краткое наименование", "10а"),
    ("Регистрационный номер таможенной декларации", "11"),
]


@dataclass
class UpdLine:
    no: int
    code: str
    name: str
    okei: str
    unit: str
    quantity: Decimal
    price: Decimal  # without VAT
    net: Decimal
    rate: str  # «22%», «без НДС»
    vat: Decimal | None  # None: без НДС
    total: Decimal


@dataclass
class Upd:
    status: int
    number: str
    date: str  # 01.12.2026
    date_words: str  # 1 декабря 2026 г.
    seller: str
    seller_address: str
    seller_inn_kpp: str
    shipper: str
    consignee: str
    payment_docs: str
    buyer: str
    buyer_address: str
    buyer_inn_kpp: str
    contract_id: str
    basis: str
    lines: list[UpdLine]
    totals: dict
    director: str
    accountant: str
    seller_entity: str
    buyer_entity: str
    director_signature: bytes | None = None
    accountant_signature: bytes | None = None
    stamp: bytes | None = None
    sheets: str = "1"
    header: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, no)

    @property
    def title(self) -> str:
        return f"Счет-фактура № {self.number} от {self.date_words}"


def _inn_kpp(inn: str | None, kpp: str | None) -> str:
    return "/".join(x for x in (inn, kpp) if x) or NONE


def _payments(ctx: Context, doc: Document) -> str:
    """(5) «К платежно-расчетному документу»: the posted payments made on its basis."""
    found = ctx.session.scalars(
        select(Document).where(Document.basis_id == doc.id, Document.doc_type == "payment",
                               Document.posted.is_(True), Document.deletion_mark.is_(False))
        .order_by(Document.date)
    ).all()
    return ", ".join(f"№ {p.number} от {short_date(p.date)}" for p in found) or NONE


def upd_data(ctx: Context, doc_id: int) -> Upd:
    doc = load_basis(ctx, doc_id, "УПД")
    w = waybill_data(ctx, doc_id)
    org = organization(ctx.session)
    buyer = client_party(doc.client)
    status = 2 if doc.vat_mode == "none" else 1
    goods = any(ln.product is None or ln.product.kind != "service" for ln in doc.lines)
    lines = [
        UpdLine(no=x.no, code=x.code or NONE, name=x.name, okei=x.okei or NONE,
                unit=x.unit or NONE, quantity=x.quantity, price=x.price, net=x.net,
                rate=f"{x.rate}%" if x.vat is not None else NO_VAT, vat=x.vat, total=x.total)
        for x in w.lines
    ]
    seller_address = org.address or NONE
    buyer_address = buyer.address or NONE
    upd = Upd(
        status=status, number=doc.number, date=short_date(doc.date),
        date_words=date_in_words(doc.date),
        seller=org.full_name or org.name, seller_address=seller_address,
        seller_inn_kpp=_inn_kpp(org.inn, org.kpp),
        shipper="он же" if goods else NONE,
        consignee=f"{buyer.name}, {buyer_address}" if goods else NONE,
        payment_docs=_payments(ctx, doc), buyer=buyer.name, buyer_address=buyer_address,
        buyer_inn_kpp=_inn_kpp(buyer.inn, buyer.kpp), contract_id=NONE,
        basis=basis_text(doc), lines=lines, totals=w.totals,
        director=initials(org.director), accountant=initials(org.chief_accountant),
        seller_entity=f"{org.name}, ИНН/КПП {_inn_kpp(org.inn, org.kpp)}",
        buyer_entity=f"{buyer.name}, ИНН/КПП {_inn_kpp(buyer.inn, buyer.kpp)}",
        director_signature=org.director_signature,
        accountant_signature=org.accountant_signature, stamp=org.stamp,
    )
    upd.header = [
        ("Исправление №", f"{NONE} от {NONE}", "(1а)"),
        ("Продавец:", upd.seller, "(2)"),
        ("Адрес:", upd.seller_address, "(2а)"),
        ("ИНН/КПП продавца:", upd.seller_inn_kpp, "(2б)"),
        ("Грузоотправитель и его адрес:", upd.shipper, "(3)"),
        ("Грузополучатель и его адрес:", upd.consignee, "(4)"),
        ("К платежно-расчетному документу", upd.payment_docs, "(5)"),
        ("Покупатель:", upd.buyer, "(6)"),
        ("Адрес:", upd.buyer_address, "(6а)"),
        ("ИНН/КПП покупателя:", upd.buyer_inn_kpp, "(6б)"),
        ("Валюта: наименование, код", CURRENCY, "(7)"),
        ("Идентификатор государственного контракта, договора (соглашения) (при наличии):",
         upd.contract_id, "(8)"),
    ]
    return upd


def total_vat(u: Upd) -> str | Decimal:
    return u.totals["vat"] if any(x.vat is not None for x in u.lines) else NO_VAT


def upd_pdf(ctx: Context, doc_id: int) -> bytes:
    from crmdesk.reports.upd_pdf import render

    return render(upd_data(ctx, doc_id))


def upd_xlsx(ctx: Context, doc_id: int) -> bytes:
    from crmdesk.reports.upd_xlsx import render

    return render(upd_data(ctx, doc_id))
