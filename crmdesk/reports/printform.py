"""What a print form of a sales document shows, gathered once for both PDF and XLSX.

A ``PrintForm`` is plain data (strings, Decimals, image bytes): the invoice and the order
build one from a document, and ``form_pdf`` / ``form_xlsx`` draw it, so the two files
always carry the same content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from crmdesk.models import Client, Document, Organization
from crmdesk.reports.words import initials, rate_text
from crmdesk.services import documents
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.money import ZERO, format_money
from crmdesk.services.phones import format_phone, show_phone


@dataclass
class Party:
    """A supplier or a buyer as printed: «ООО «Альфа», ИНН …, КПП …, адрес, тел.: …»."""

    name: str
    inn: str | None = None
    kpp: str | None = None
    address: str | None = None
    phone: str | None = None

    def text(self) -> str:
        parts = [self.name]
        if self.inn:
            parts.append(f"ИНН {self.inn}")
        if self.kpp:
            parts.append(f"КПП {self.kpp}")
        if self.address:
            parts.append(self.address)
        if self.phone:
            parts.append(f"тел.: {self.phone}")
        return ", ".join(parts)


@dataclass
class BankBlock:
    bank: str
    bik: str
    corr_account: str
    account: str
    inn: str
    kpp: str
    recipient: str


@dataclass
class Column:
    key: str
    title: str
    kind: str  # text | int | qty | money | pct
    weight: float  # share of the table's width


@dataclass
class Signature:
    role: str  # «Руководитель»
    name: str  # «А.С. Кузнецов», printed as /А.С. Кузнецов/
    image: bytes | None = None  # facsimile


@dataclass
class PrintForm:
    title: str
    file_stem: str  # a file name without extension the UI may propose: «Счёт СЧ-2026-000123»
    columns: list[Column]
    lines: list[dict]
    totals: list[tuple[str, Decimal | None]]  # None prints «-»
    summary: str
    words: str
    parties: list[tuple[str, str]] = field(default_factory=list)
    notice: str | None = None
    bank: BankBlock | None = None
    terms: list[str] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    stamp: bytes | None = None
    seal: bool = True  # print «М.П.» (the place of the stamp)
    logo: bytes | None = None
    qr: bytes | None = None  # the payment QR code (ГОСТ Р 56042), printed top right


def organization(session) -> Organization:
    org = session.scalar(select(Organization).order_by(Organization.id).limit(1))
    if org is None:
        raise NotFound("Не заполнены сведения об организации.")
    return org


def phone_text(value: str | None) -> str | None:
    if not value:
        return None
    return show_phone(value)  # any stored form, shown like a client's phone


def org_party(org: Organization) -> Party:
    return Party(org.name, org.inn, org.kpp, org.address, phone_text(org.phone))


def client_party(client: Client) -> Party:
    addresses = sorted(client.addresses, key=lambda a: (a.kind != "legal", a.id or 0))
    phone = client.phones[0] if client.phones else None
    from crmdesk.services.clients import print_name

    return Party(
        print_name(client),  # an ИП: «ИП Иванов Иван Иванович»
        client.inn,
        client.kpp if client.kind not in ("ip", "person") else None,  # an ИП has no KPP
        addresses[0].text if addresses else None,
        format_phone(phone.e164, phone.ext) if phone else None,
    )


def load_document(ctx: Context, doc_id: int, doc_type: str) -> Document:
    """The document, if this user may read it and it is of the type the form prints."""
    doc = documents.get_document(ctx, doc_id)
    if doc.doc_type != doc_type:
        from crmdesk.models import DOC_TYPES

        raise ValidationError(
            "Вид документа",
            f"{doc.title}: это не «{DOC_TYPES[doc_type][1]}», такая печатная форма не подходит",
        )
    return doc


def line_columns(doc: Document) -> list[Column]:
    cols = [
        Column("no", "№", "int", 0.045),
        Column("name", "Товары (работы, услуги)", "text", 0.43),
        Column("quantity", "Кол-во", "qty", 0.085),
        Column("unit", "Ед.", "text", 0.065),
    ]
    if any(ln.discount_pct for ln in doc.lines):
        cols.append(Column("discount", "Скидка, %", "pct", 0.085))
    cols += [Column("price", "Цена", "money", 0.13), Column("amount", "Сумма", "money", 0.15)]
    return cols


def line_rows(doc: Document) -> list[dict]:
    return [
        {
            "no": ln.line_no,
            "name": ln.description,
            "quantity": ln.quantity,
            "unit": ln.unit,
            "discount": ln.discount_pct,
            "price": ln.price,
            "amount": ln.amount,
        }
        for ln in doc.lines
    ]


def vat_totals(doc: Document, first: str) -> list[tuple[str, Decimal | None]]:
    """«Итого», the VAT line(s) for the document's mode and rates, and «Всего к оплате»."""
    subtotal = sum((ln.amount for ln in doc.lines), ZERO)
    rows: list[tuple[str, Decimal | None]] = [("Итого:", subtotal)]
    by_rate: dict[Decimal, Decimal] = {}
    for ln in doc.lines:
        if ln.vat_rate is not None and doc.vat_mode != "none":
            by_rate[ln.vat_rate] = by_rate.get(ln.vat_rate, ZERO) + ln.vat_amount
    if not by_rate:
        rows.append(("Без налога (НДС)", None))
    else:
        label = "В том числе НДС" if doc.vat_mode == "included" else "НДС"
        for rate in sorted(by_rate, reverse=True):
            rows.append((f"{label} ({rate_text(rate)}%):", by_rate[rate]))
    rows.append((first, doc.total))
    return rows


def summary_line(doc: Document) -> str:
    return f"Всего наименований {len(doc.lines)}, на сумму {format_money(doc.total)} руб."


def signatures(org: Organization) -> list[Signature]:
    return [
        Signature("Руководитель", initials(org.director), org.director_signature),
        Signature("Бухгалтер", initials(org.chief_accountant), org.accountant_signature),
    ]
