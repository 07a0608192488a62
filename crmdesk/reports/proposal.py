"""Коммерческое предложение: the proposal's lines and product cards as a designed PDF.

``proposal_data`` gathers what is printed; ``proposal_pdf`` draws it in the design stored
in the database (see ``crmdesk.reports.design``), or in the one passed for a preview.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from crmdesk.reports.design import ProposalDesign, get_design
from crmdesk.reports.printform import (
    Party,
    load_document,
    org_party,
    organization,
    phone_text,
    vat_totals,
)
from crmdesk.reports.words import amount_in_words, date_in_words, local_date, short_date
from crmdesk.services.context import Context
from crmdesk.services.money import ZERO


@dataclass
class ProposalItem:
    no: int
    name: str
    description: str | None
    image: bytes | None
    quantity: Decimal
    unit: str
    price: Decimal
    discount: Decimal
    amount: Decimal


@dataclass
class Manager:
    name: str
    position: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass
class Proposal:
    title: str
    file_stem: str
    supplier: Party
    supplier_contacts: str
    addressee: list[str]
    valid_until: str  # «Предложение действительно до 08.12.2026»
    items: list[ProposalItem]
    totals: list[tuple[str, Decimal | None]]
    total_words: str
    design: ProposalDesign
    logo: bytes | None = None
    manager: Manager | None = None
    footer: str = ""
    terms: list[str] = field(default_factory=list)


def proposal_data(ctx: Context, doc_id: int, design: ProposalDesign | None = None) -> Proposal:
    doc = load_document(ctx, doc_id, "proposal")
    org = organization(ctx.session)
    design = design or get_design(ctx.session)
    until = doc.due_date or local_date(doc.date) + timedelta(days=design.validity_days)
    from crmdesk.services.clients import print_name

    addressee = [print_name(doc.client)]  # an ИП: «ИП Иванов Иван Иванович»
    if doc.contact is not None:
        who = doc.contact.name
        addressee.append(f"{doc.contact.position}: {who}" if doc.contact.position else who)
    contacts = ", ".join(
        p for p in (phone_text(org.phone), org.email) if p
    )
    items = [
        ProposalItem(
            no=ln.line_no,
            name=ln.description,
            description=ln.product.description if ln.product else None,
            image=ln.product.image if ln.product and design.show_images else None,
            quantity=ln.quantity,
            unit=ln.unit,
            price=ln.price,
            discount=ln.discount_pct,
            amount=ln.amount,
        )
        for ln in doc.lines
    ]
    manager = None
    if doc.manager is not None:
        m = doc.manager
        manager = Manager(
            m.full_name,
            m.position,
            phone_text(m.phone),
            m.email,
        )
    footer = design.footer or " · ".join(p for p in (org.name, contacts) if p)
    return Proposal(
        title=f"Коммерческое предложение № {doc.number} от {date_in_words(doc.date)}",
        file_stem=f"КП {doc.number}",
        supplier=org_party(org),
        supplier_contacts=contacts,
        addressee=addressee,
        valid_until=f"Предложение действительно до {short_date(until)}",
        items=items,
        totals=vat_totals(doc, "Всего:"),
        total_words=amount_in_words(doc.total),
        design=design,
        logo=(design.logo or org.logo) if design.show_logo else None,
        manager=manager,
        footer=footer,
        terms=[t for t in (design.terms or "").split("\n") if t.strip()],
    )


def proposal_pdf(ctx: Context, doc_id: int, design: ProposalDesign | None = None) -> bytes:
    """The proposal as PDF in the stored design (or ``design``, e.g. for a preview)."""
    from crmdesk.reports.proposal_pdf import render

    return render(proposal_data(ctx, doc_id, design))


def sample_proposal(ctx: Context, design: ProposalDesign) -> Proposal:
    """A proposal that exists nowhere: the organization's requisites, the current user as
    the manager and three sample lines — for previewing a design before saving it."""
    from crmdesk.reports.period import today as today_local
    from crmdesk.services.money import line_amounts, round2

    org = organization(ctx.session)
    contacts = ", ".join(p for p in (phone_text(org.phone), org.email) if p)
    today = today_local()
    samples = [
        ("Насос циркуляционный", "Для систем отопления частного дома, гарантия 2 года",
         Decimal("2"), "шт", Decimal("12500.00")),
        ("Монтаж и пусконаладка", "Выезд специалиста, монтаж, проверка системы",
         Decimal("1"), "усл", Decimal("6000.00")),
        ("Кран шаровой латунный DN20", None, Decimal("10"), "шт", Decimal("450.00")),
    ]
    items, vat = [], ZERO
    for no, (name, descr, qty, unit, price) in enumerate(samples, 1):
        a = line_amounts(qty, price, 0, Decimal("22"), "included")
        vat += a.vat_amount
        items.append(ProposalItem(no, name, descr, None, qty, unit, price, ZERO, a.amount))
    total = round2(sum((i.amount for i in items), ZERO))
    user = ctx.user
    return Proposal(
        title=f"Коммерческое предложение № КП-{today.year}-000000 от {date_in_words(today)}",
        file_stem="КП образец",
        supplier=org_party(org),
        supplier_contacts=contacts,
        addressee=["ООО «Образец»", "Директор: Сидоров Сергей Сергеевич"],
        valid_until="Предложение действительно до "
                    f"{short_date(today + timedelta(days=design.validity_days))}",
        items=items,
        totals=[("Итого:", total), ("В том числе НДС (22%):", vat), ("Всего:", total)],
        total_words=amount_in_words(total),
        design=design,
        logo=(design.logo or org.logo) if design.show_logo else None,
        manager=Manager(user.full_name, user.position, phone_text(user.phone), user.email),
        footer=design.footer or " · ".join(p for p in (org.name, contacts) if p),
        terms=[t for t in (design.terms or "").split("\n") if t.strip()],
    )
