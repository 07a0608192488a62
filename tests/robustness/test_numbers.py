"""Invalid numbers, text and dates never reach a stored document: one 1C message naming
the line and the field, on SQLite and PostgreSQL alike, and nothing half-written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crmdesk.models import Client, Document
from crmdesk.services import records
from crmdesk.services.clients import create_client
from crmdesk.services.documents import create_document, post, update_document, warnings
from crmdesk.services.errors import CrmError, InvalidData, ValidationError
from crmdesk.services.limits import MONEY_MAX


def line(**kw):
    return {"description": "Работа", "quantity": 1, "price": "100", **kw}


BAD_LINES = [
    (line(quantity="NaN"), "Количество", "не число"),
    (line(quantity=float("nan")), "Количество", "не число"),
    (line(quantity=float("inf")), "Количество", "не число"),
    (line(quantity="-Infinity"), "Количество", "не число"),
    (line(quantity="0.0001"), "Количество", "не более 3 знаков"),
    (line(quantity="-1"), "Количество", "отрицательным"),
    (line(quantity="1e12"), "Количество", "больше допустимого"),
    (line(quantity="двa"), "Количество", "не число"),
    (line(quantity=True), "Количество", "не число"),
    (line(price="NaN"), "Цена", "не число"),
    (line(price="Infinity"), "Цена", "не число"),
    (line(price="-5"), "Цена", "отрицательным"),
    (line(price="0.001"), "Цена", "не более 2 знаков"),
    (line(price="92233720368547758.07"), "Цена", "больше допустимого"),
    (line(vat_rate="NaN"), "Ставка НДС", "не число"),
    (line(vat_rate="-22"), "Ставка НДС", "отрицательным"),
    (line(vat_rate="18"), "Ставка НДС", "не из списка"),
    (line(vat_rate="1e400"), "Ставка НДС", "больше допустимого"),
    (line(discount_pct="101"), "Скидка", "больше допустимого"),
    (line(discount_pct="NaN"), "Скидка", "не число"),
    (line(description="Работа\x00"), "Товары (работы, услуги)", "NUL"),
    (line(description="х" * 501), "Товары (работы, услуги)", "длина 501"),
    (line(quantity="999999999", price="99999999999"), "Сумма", "сумма строки больше"),
]


@pytest.mark.parametrize(("item", "field", "text"), BAD_LINES)
def test_every_invalid_number_is_a_message_naming_line_and_field(
    uow, client_id, item, field, text
):
    with uow("ivanov") as ctx:
        lines = [line(), item]
        with pytest.raises(ValidationError) as caught:
            create_document(ctx, "invoice", client_id, {"lines": lines})
        message = str(caught.value)
        assert message.startswith(f"Строка 2: Поле «{field}» заполнено неверно")
        assert text in message
    with uow() as ctx:  # nothing half-written
        assert ctx.session.scalar(select(func.count()).select_from(Document)) == 0


def test_several_bad_lines_are_reported_together(uow, client_id):
    with uow("ivanov") as ctx:
        with pytest.raises(InvalidData) as caught:
            create_document(
                ctx,
                "invoice",
                client_id,
                {"lines": [line(quantity="NaN"), line(), line(price="-1")]},
            )
        assert [(e.row, e.field) for e in caught.value.errors] == [(1, "Количество"), (3, "Цена")]


def test_limits_hold_on_the_edge_and_totals_fit_both_databases(uow, client_id):
    with uow("ivanov") as ctx:
        doc = create_document(
            ctx,
            "invoice",
            client_id,
            {"vat_mode": "included", "lines": [line(quantity="0.001", price=str(MONEY_MAX))]},
        )
        post(ctx, doc.id)
        assert doc.lines[0].quantity == Decimal("0.001")
        assert doc.total == Decimal("100000000.00")
        big = create_document(
            ctx,
            "invoice",
            client_id,
            {"vat_mode": "none", "lines": [line(price=str(MONEY_MAX))]},
        )
        post(ctx, big.id)
        doc_id = big.id
    with uow() as ctx:
        assert ctx.session.get(Document, doc_id).total == MONEY_MAX


def test_a_document_over_the_limit_is_refused_as_a_whole(uow, client_id):
    with uow("ivanov") as ctx:
        lines = [line(price=str(MONEY_MAX)), line(price="1")]
        with pytest.raises(ValidationError, match="Поле «Сумма».*сумма документа больше"):
            create_document(ctx, "invoice", client_id, {"vat_mode": "none", "lines": lines})


def test_payments_take_positive_finite_kopecks(uow, client_id):
    with uow("ivanov") as ctx:
        for total, text in (
            ("NaN", "не число"),
            ("-10", "больше нуля"),
            ("0", "больше нуля"),
            ("1.005", "не более 2 знаков"),
            ("1e20", "больше допустимого"),
        ):
            with pytest.raises(ValidationError, match=f"Поле «Сумма».*{text}"):
                create_document(ctx, "payment", client_id, {"total": total})


def test_dates_out_of_range_are_refused_and_an_early_due_date_is_a_warning(uow, client_id):
    with uow("ivanov") as ctx:
        with pytest.raises(ValidationError, match="Поле «Дата».*год должен быть от 1900 до 2999"):
            create_document(ctx, "invoice", client_id, {"date": date(9999, 12, 31)})
        with pytest.raises(ValidationError, match="Поле «Оплатить до».*год"):
            create_document(ctx, "invoice", client_id, {"due_date": "9999-12-31"})
        with pytest.raises(ValidationError, match="Поле «Дата».*не дата"):
            create_document(ctx, "invoice", client_id, {"date": "31.02.2026"})
        doc = create_document(
            ctx,
            "invoice",
            client_id,
            {"date": date(2026, 11, 20), "due_date": date(2026, 11, 1), "lines": [line()]},
        )
        assert doc.due_date == date(2026, 11, 1)  # allowed, but said
        assert warnings(doc) == [
            "Срок 01.11.2026 раньше даты документа 20.11.2026: проверьте дату оплаты."
        ]
        doc.due_date = date(2026, 11, 25)
        assert warnings(doc) == []


def test_products_and_the_organization_take_only_allowed_numbers(uow):
    with uow() as ctx:
        with pytest.raises(InvalidData) as caught:
            records.save(ctx, "product", None, {"name": "Т", "price": "NaN", "vat_rate": "-5"})
        assert [e.field for e in caught.value.errors] == ["Цена", "Ставка НДС"]
        with pytest.raises(ValidationError, match="Поле «Наименование».*NUL"):
            records.save(ctx, "product", None, {"name": "Т\x00", "price": "1"})
        with pytest.raises(ValidationError, match="Поле «Наименование».*длина 301"):
            records.save(ctx, "product", None, {"name": "Т" * 301, "price": "1"})
        with pytest.raises(ValidationError, match="Поле «Ставка НДС».*не из списка"):
            records.save(ctx, "organization", 1, {"vat_rate": "18"})


def test_every_write_path_is_guarded_even_without_a_rule(uow):
    """Clients have rules of their own (services.clients); the flush guard still refuses
    what PostgreSQL could not store or SQLite would keep silently."""
    with pytest.raises(ValidationError, match="Поле «Наименование».*длина 10 000 000"):
        with uow("ivanov") as ctx:
            create_client(ctx, {"name": "Я" * 10_000_000})
    with pytest.raises(ValidationError, match="NUL"):
        with uow("ivanov") as ctx:
            create_client(ctx, {"name": "ООО\x00Ноль"})
    with uow() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Client)) == 0


def test_a_posted_document_changed_to_bad_numbers_keeps_its_movements(uow, client_id):
    with uow("ivanov") as ctx:
        doc = create_document(ctx, "invoice", client_id, {"lines": [line()]})
        post(ctx, doc.id)
        doc_id, version = doc.id, doc.version
    with uow("ivanov") as ctx, pytest.raises(CrmError):
        update_document(ctx, doc_id, {"lines": [line(price="NaN")]}, expected_version=version)
    with uow("ivanov") as ctx:
        doc = ctx.session.get(Document, doc_id)
        assert doc.posted and doc.total == Decimal("100.00")
        assert [ln.price for ln in doc.lines] == [Decimal("100.00")]
