"""A base for bank tests: the organization's account, clients with INNs and their invoices."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crmdesk.models import Client, NumberSequence, Organization
from crmdesk.services import documents
from crmdesk.services.clients import create_client
from tests.bank.statement import OUR_ACCOUNT, OUR_INN


def invoice(ctx, client_id, amount, when=date(2026, 11, 24), vat_mode="included", rate=22):
    doc = documents.create_document(ctx, "invoice", client_id, {
        "date": when, "vat_mode": vat_mode,
        "lines": [{"description": "Радиатор биметаллический", "quantity": 1, "price": amount,
                   "vat_rate": rate if vat_mode != "none" else None}],
    })
    documents.post(ctx, doc.id)
    return doc


@pytest.fixture
def bank_base(uow):
    """Clients: СтройМаркет (СЧ-…41, 118 400 with VAT), ИП Смирнов (…42, 47 830,50 without),
    Ромашка (…43 10 000 and …44 5 000), Вектор (…45, 7 777). Ids by name in the result."""
    with uow() as ctx:
        org = ctx.session.scalar(select(Organization))
        org.account, org.inn, org.bik = OUR_ACCOUNT, OUR_INN, "044525225"
        ctx.session.add(NumberSequence(doc_type="invoice", year=2026, last_number=40))
        # an INN with a wrong check digit, as old data may hold (the sample's payer)
        stroy = Client(name='ООО "СтройМаркет"', inn="7701234567", kpp="770101001",
                       owner=ctx.user)
        ctx.session.add(stroy)
        ctx.session.flush()
        smirnov = create_client(ctx, {"kind": "person", "name": "ИП Смирнов Олег Петрович",
                                      "inn": "500100732259"})
        romashka = create_client(ctx, {"name": 'ООО "Ромашка"', "inn": "7710140679"})
        vector = create_client(ctx, {"name": 'ООО "Вектор"', "inn": "7736207543",
                                     "kpp": "773601001"})
        ids = {"stroy": stroy.id, "smirnov": smirnov.id, "romashka": romashka.id,
               "vector": vector.id}
        ids["inv41"] = invoice(ctx, stroy.id, "118400").id
        ids["inv42"] = invoice(ctx, smirnov.id, "47830.50", date(2026, 11, 25), "none").id
        ids["inv43"] = invoice(ctx, romashka.id, "10000", date(2026, 11, 20)).id
        ids["inv44"] = invoice(ctx, romashka.id, "5000", date(2026, 11, 21)).id
        ids["inv45"] = invoice(ctx, vector.id, "7777", date(2026, 11, 22)).id
    return ids
