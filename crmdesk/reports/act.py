"""Акт выполненных работ (оказанных услуг): a print form made on the basis of an order or an
invoice, drawn by the same PDF/XLSX pieces as the invoice (form_pdf, form_xlsx).

The act carries the number and date of the document it is printed from, the parties with
their bank requisites, the basis (the contract, the invoice or the order), the lines, the
totals with VAT, the amount in words, the customer's acceptance, and the signatures of
both sides with the performer's facsimile and stamp as on the invoice.
"""

from __future__ import annotations

from crmdesk.models import Document, Organization
from crmdesk.reports.form_pdf import form_pdf
from crmdesk.reports.form_xlsx import form_xlsx
from crmdesk.reports.printform import (
    PrintForm,
    Signature,
    client_party,
    line_columns,
    line_rows,
    org_party,
    organization,
    vat_totals,
)
from crmdesk.reports.words import amount_in_words, date_in_words, initials, short_date
from crmdesk.services import documents
from crmdesk.services.context import Context
from crmdesk.services.contracts import contract_of
from crmdesk.services.errors import ValidationError
from crmdesk.services.money import format_money

BASES = ("order", "invoice")  # what an act or a waybill is printed from
ACCEPTANCE = ("Вышеперечисленные работы (услуги) выполнены полностью и в срок. Заказчик "
              "претензий по объему, качеству и срокам оказания услуг не имеет.")


def load_basis(ctx: Context, doc_id: int, what: str) -> Document:
    """The order or invoice the form is printed from, if the user may read it."""
    doc = documents.get_document(ctx, doc_id)
    if doc.doc_type not in BASES:
        raise ValidationError("Основание", f"{doc.title}: «{what}» печатается на основании "
                                           "заказа клиента или счёта на оплату")
    if not doc.lines:
        raise ValidationError("Товары (работы, услуги)", f"{doc.title}: в документе нет строк")
    return doc


def org_with_bank(org: Organization) -> str:
    text = org_party(org).text()
    bank = ", ".join(p for p in (
        f"р/с {org.account}" if org.account else "",
        f"в банке {org.bank_name}" if org.bank_name else "",
        f"БИК {org.bik}" if org.bik else "",
        f"к/с {org.corr_account}" if org.corr_account else "") if p)
    return f"{text}, {bank}" if bank else text


def client_with_bank(doc: Document) -> str:
    text = client_party(doc.client).text()
    acc = next((b for b in doc.client.bank_accounts if b.account), None)
    if acc is None:
        return text
    bank = ", ".join(p for p in (f"р/с {acc.account}", f"в банке {acc.bank_name}"
                                 if acc.bank_name else "", f"БИК {acc.bik}" if acc.bik else "",
                                 f"к/с {acc.corr_account}" if acc.corr_account else "") if p)
    return f"{text}, {bank}"


def basis_text(doc: Document) -> str:
    """«Договор № 17/26 от 01.10.2026», else the invoice or order it is printed from."""
    contract = contract_of(doc)
    if contract is not None:
        return f"Договор № {contract.number} от {short_date(contract.date)}"
    kind = "Счёт на оплату" if doc.doc_type == "invoice" else "Заказ клиента"
    return f"{kind} № {doc.number} от {short_date(doc.date)}"


def act_form(ctx: Context, doc_id: int) -> PrintForm:
    doc = load_basis(ctx, doc_id, "Акт")
    org = organization(ctx.session)
    return PrintForm(
        title=f"Акт № {doc.number} от {date_in_words(doc.date)}",
        file_stem=f"Акт {doc.number}",
        parties=[
            ("Исполнитель:", org_with_bank(org)),
            ("Заказчик:", client_with_bank(doc)),
            ("Основание:", basis_text(doc)),
        ],
        columns=line_columns(doc),
        lines=line_rows(doc),
        totals=vat_totals(doc, "Всего:"),
        summary=f"Всего оказано услуг {len(doc.lines)}, на сумму {format_money(doc.total)} руб.",
        words=amount_in_words(doc.total),
        terms=[ACCEPTANCE],
        signatures=[
            Signature("Исполнитель", initials(org.director), org.director_signature),
            Signature("Заказчик", ""),
        ],
        stamp=org.stamp,
        logo=org.logo,
    )


def act_pdf(ctx: Context, doc_id: int) -> bytes:
    return form_pdf(act_form(ctx, doc_id))


def act_xlsx(ctx: Context, doc_id: int) -> bytes:
    return form_xlsx(act_form(ctx, doc_id))
