"""Заказ клиента: the order's print form, laid out like the invoice without the bank block."""

from __future__ import annotations

from crmdesk.reports.form_pdf import form_pdf
from crmdesk.reports.form_xlsx import form_xlsx
from crmdesk.reports.printform import (
    PrintForm,
    Signature,
    client_party,
    line_columns,
    line_rows,
    load_document,
    org_party,
    organization,
    summary_line,
    vat_totals,
)
from crmdesk.reports.words import amount_in_words, date_in_words, initials, short_date
from crmdesk.services.context import Context


def order_form(ctx: Context, doc_id: int) -> PrintForm:
    doc = load_document(ctx, doc_id, "order")
    org = organization(ctx.session)
    terms = []
    if doc.due_date:
        terms.append(f"Плановая дата оплаты: {short_date(doc.due_date)}")
    if doc.comment:
        terms.append(doc.comment)
    manager = doc.manager
    return PrintForm(
        title=f"Заказ клиента № {doc.number} от {date_in_words(doc.date)}",
        file_stem=f"Заказ {doc.number}",
        parties=[
            ("Исполнитель:", org_party(org).text()),
            ("Заказчик:", client_party(doc.client).text()),
        ],
        columns=line_columns(doc),
        lines=line_rows(doc),
        totals=vat_totals(doc, "Всего:"),
        summary=summary_line(doc),
        words=amount_in_words(doc.total),
        terms=terms,
        signatures=[
            Signature("Менеджер", initials(manager.full_name) if manager else ""),
            Signature("Заказчик", ""),
        ],
        seal=False,
        logo=org.logo,
    )


def order_pdf(ctx: Context, doc_id: int) -> bytes:
    return form_pdf(order_form(ctx, doc_id))


def order_xlsx(ctx: Context, doc_id: int) -> bytes:
    return form_xlsx(order_form(ctx, doc_id))
