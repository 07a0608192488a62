"""Fixtures of the robustness suite: a client with a product, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmdesk.models import Product
from crmdesk.services.clients import create_client


@pytest.fixture
def client_id(uow):
    with uow() as ctx:
        ctx.session.add(
            Product(
                article="P-1",
                name="Насос",
                unit="шт",
                price=Decimal("1000"),
                cost_price=Decimal("600"),
                vat_rate=Decimal("22"),
            )
        )
    with uow("ivanov") as ctx:
        return create_client(ctx, {"name": "ООО «Покупатель»"}).id
