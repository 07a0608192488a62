"""A client of ivanov's with a deal, and helpers to make the deal's documents."""

from __future__ import annotations

import pytest

from crmdesk.services import documents
from crmdesk.services.clients import create_client
from crmdesk.services.deals import create_deal


def doc(ctx, doc_type, client_id, deal_id, amount, post=True, basis_id=None):
    data = {"deal_id": deal_id}
    if doc_type == "payment":
        data["total"] = amount
    else:
        data["lines"] = [{"description": "Насос циркуляционный", "quantity": 1,
                          "price": amount, "vat_rate": None}]
        data["vat_mode"] = "none"
    d = documents.create_document(ctx, doc_type, client_id, data, basis_id=basis_id)
    if post:
        documents.post(ctx, d.id)
    return d


@pytest.fixture
def deal_base(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": 'ООО "Насосы"'}).id
        deal = create_deal(ctx, cid, "Поставка насосов")
        return {"client": cid, "deal": deal.id}
