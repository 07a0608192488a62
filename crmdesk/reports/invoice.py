"""Счёт на оплату: the invoice's print form, as PDF and as XLSX of the same content."""

from __future__ import annotations

from crmdesk.reports.form_pdf import form_pdf
from crmdesk.reports.form_xlsx import form_xlsx
from crmdesk.reports.printform import (
    BankBlock,
    PrintForm,
    client_party,
    line_columns,
    line_rows,
    load_document,
    org_party,
    organization,
    signatures,
    summary_line,
    vat_totals,
)
from crmdesk.reports.qr import invoice_qr
from crmdesk.reports.words import amount_in_words, date_in_words, short_date
from crmdesk.services.context import Context
from crmdesk.services.contracts import contract_of
from crmdesk.services.settings import get_setting

NOTICE_KEY = "invoice_notice"  # a setting: the optional line above the bank block


def invoice_form(ctx: Context, doc_id: int) -> PrintForm:
    """The invoice's print form as data (the preview and both files are drawn from it)."""
    doc = load_document(ctx, doc_id, "invoice")
    org = organization(ctx.session)
    bank = BankBlock(
        bank=", ".join(p for p in (org.bank_name, org.bank_city) if p),
        bik=org.bik or "",
        corr_account=org.corr_account or "",
        account=org.account or "",
        inn=org.inn or "",
        kpp=org.kpp or "",
        recipient=org.full_name or org.name,
    )
    parties = [
        ("Поставщик (Исполнитель):", org_party(org).text()),
        ("Покупатель (Заказчик):", client_party(doc.client).text()),
    ]
    basis = []
    contract = contract_of(doc)
    if contract is not None:
        basis.append(f"Договор № {contract.number} от {short_date(contract.date)}")
    if doc.basis is not None and doc.basis.doc_type == "order":
        basis.append(f"Заказ клиента № {doc.basis.number} от {short_date(doc.basis.date)}")
    if basis:
        parties.append(("Основание:", "; ".join(basis)))
    terms = []
    if doc.due_date:
        terms.append(f"Оплатить не позднее {short_date(doc.due_date)}")
    if org.payment_terms:
        terms.append(org.payment_terms)
    return PrintForm(
        title=f"Счёт на оплату № {doc.number} от {date_in_words(doc.date)}",
        file_stem=f"Счёт {doc.number}",
        notice=get_setting(ctx.session, NOTICE_KEY),
        bank=bank,
        parties=parties,
        columns=line_columns(doc),
        lines=line_rows(doc),
        totals=vat_totals(doc, "Всего к оплате:"),
        summary=summary_line(doc),
        words=amount_in_words(doc.total),
        terms=terms,
        signatures=signatures(org),
        stamp=org.stamp,
        logo=org.logo,
        qr=invoice_qr(ctx.session, org, doc),
    )


def invoice_pdf(ctx: Context, doc_id: int) -> bytes:
    return form_pdf(invoice_form(ctx, doc_id))


def invoice_xlsx(ctx: Context, doc_id: int) -> bytes:
    return form_xlsx(invoice_form(ctx, doc_id))
