"""«Акт выполненных работ» printed from a request itself (a free one has no order to print
it from): the works and materials of the completed request — its lines, or what was done
when it has none — in the act's Russian layout, drawn by the same PDF/XLSX pieces as the
order's act (form_pdf, form_xlsx)."""

from __future__ import annotations

from decimal import Decimal

from crmdesk.models.service import ServiceRequest
from crmdesk.reports.act import ACCEPTANCE, org_with_bank
from crmdesk.reports.form_pdf import form_pdf
from crmdesk.reports.form_xlsx import form_xlsx
from crmdesk.reports.printform import (
    Column,
    PrintForm,
    Signature,
    client_party,
    organization,
    phone_text,
)
from crmdesk.reports.words import amount_in_words, date_in_words, initials, short_date
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.money import ZERO, format_money

COLUMNS = [
    Column("no", "№", "int", 0.045),
    Column("name", "Наименование работ (услуг), материалов", "text", 0.495),
    Column("quantity", "Кол-во", "qty", 0.085),
    Column("unit", "Ед.", "text", 0.065),
    Column("price", "Цена", "money", 0.13),
    Column("amount", "Сумма", "money", 0.15),
]


def customer(req: ServiceRequest) -> str:
    """The client as on an act, else the applicant: name, phone, the object's address."""
    if req.client is not None:
        return client_party(req.client).text()
    parts = [req.applicant_name or "", f"тел.: {phone_text(req.applicant_phone)}"
             if req.applicant_phone else ""]
    return ", ".join(p for p in parts if p)


def rows(req: ServiceRequest) -> list[dict]:
    if req.lines:
        return [{"no": ln.line_no, "name": ln.description, "quantity": ln.quantity,
                 "unit": ln.unit, "price": ln.price, "amount": ln.amount} for ln in req.lines]
    return [{"no": 1, "name": req.result, "quantity": Decimal(1), "unit": "усл.",
             "price": ZERO, "amount": ZERO}]


def request_act_form(ctx: Context, request_id: int) -> PrintForm:
    from crmdesk.services.requests import STATUSES, get_request

    req = get_request(ctx, request_id)
    if req.status not in ("done", "closed"):
        raise ValidationError("Статус", f"заявка № {req.number} «{STATUSES[req.status]}»: акт "
                                        "печатается по выполненной заявке")
    if not req.lines and not (req.result or "").strip():
        raise ValidationError("Что сделано", "не заполнено")
    org = organization(ctx.session)
    lines = rows(req)
    total = sum((ln["amount"] for ln in lines), ZERO)
    when = req.done_at or req.registered_at
    parties = [("Исполнитель:", org_with_bank(org)), ("Заказчик:", customer(req)),
               ("Основание:", f"Заявка № {req.number} от {short_date(req.registered_at)}")]
    if req.address:
        parties.append(("Объект:", req.address))
    person = (req.client.name if req.client is not None and req.client.kind == "person"
              else None if req.client is not None else req.applicant_name)
    executor = req.executor.full_name if req.executor else (
        req.contractor.name if req.contractor else "")
    return PrintForm(
        title=f"Акт № {req.number} от {date_in_words(when)}",
        file_stem=f"Акт {req.number}",
        parties=parties,
        columns=COLUMNS,
        lines=lines,
        totals=[("Итого:", total), ("Без налога (НДС)", None), ("Всего:", total)],
        summary=f"Всего оказано услуг {len(lines)}, на сумму {format_money(total)} руб.",
        words=amount_in_words(total),
        terms=[ACCEPTANCE] + ([f"Работы выполнил: {executor}."] if executor else []),
        signatures=[
            Signature("Исполнитель", initials(org.director), org.director_signature),
            Signature("Заказчик", initials(person) if person else ""),
        ],
        stamp=org.stamp,
        logo=org.logo,
    )


def request_act_pdf(ctx: Context, request_id: int) -> bytes:
    return form_pdf(request_act_form(ctx, request_id))


def request_act_xlsx(ctx: Context, request_id: int) -> bytes:
    return form_xlsx(request_act_form(ctx, request_id))
