from datetime import date
from decimal import Decimal

import pytest

from crmdesk.models import Product
from crmdesk.services.clients import create_client, set_deletion_mark
from crmdesk.services.documents import (
    client_balance,
    create_based_on,
    create_document,
    invoice_remaining,
    post,
    unpost,
    update_document,
)
from crmdesk.services.documents import (
    set_deletion_mark as mark_document,
)
from crmdesk.services.errors import PostingError, ValidationError

LINES = [
    {"product": "T-1", "quantity": 3},  # 3 × 1 000,00 = 3 000,00
    {"description": "Доставка", "quantity": 1, "price": "499.99", "vat_rate": 22},
    {"description": "Монтаж", "quantity": "2.5", "price": "333.33", "discount_pct": 10},
]


@pytest.fixture
def client_id(uow):
    with uow() as ctx:
        ctx.session.add(
            Product(
                article="T-1",
                name="Насос",
                unit="шт",
                price=Decimal("1000"),
                cost_price=Decimal("600"),
                vat_rate=Decimal("22"),
            )
        )
    with uow("ivanov") as ctx:
        return create_client(ctx, {"name": "ООО «Покупатель»"}).id


def test_lines_vat_and_totals_are_sums_of_rounded_lines(uow, client_id):
    with uow("ivanov") as ctx:
        doc = create_document(ctx, "order", client_id, {"lines": LINES, "vat_mode": "included"})
        assert [ln.amount for ln in doc.lines] == [
            Decimal("3000.00"),
            Decimal("499.99"),
            Decimal("749.99"),
        ]
        # 22/122 of each line, rounded half up per line
        assert [ln.vat_amount for ln in doc.lines] == [
            Decimal("540.98"),
            Decimal("90.16"),
            Decimal("135.24"),
        ]
        assert doc.total == Decimal("4249.98") and doc.vat_total == Decimal("766.38")
        assert doc.lines[0].cost_price == Decimal("600.00")
        assert doc.cost_total == Decimal("1800.00")
        on_top = create_document(ctx, "order", client_id, {"lines": LINES, "vat_mode": "on_top"})
        assert on_top.total == Decimal("4249.98") + on_top.vat_total
        assert on_top.vat_total == Decimal("660.00") + Decimal("110.00") + Decimal("165.00")


def test_numbers_are_per_type_and_year_with_prefix(uow, client_id):
    with uow("ivanov") as ctx:
        a = create_document(ctx, "invoice", client_id, {"date": date(2026, 3, 1)})
        b = create_document(ctx, "invoice", client_id, {"date": date(2026, 3, 2)})
        c = create_document(ctx, "order", client_id, {"date": date(2026, 3, 2)})
        d = create_document(ctx, "invoice", client_id, {"date": date(2027, 1, 1)})
        assert (a.number, b.number, c.number, d.number) == (
            "СЧ-2026-000001",
            "СЧ-2026-000002",
            "ЗК-2026-000001",
            "СЧ-2027-000001",
        )


def test_chain_proposal_order_invoice_payment_settles_the_receivable(uow, client_id):
    with uow("ivanov") as ctx:
        kp = create_document(ctx, "proposal", client_id, {"lines": LINES})
        order = create_based_on(ctx, kp.id, "order")
        post(ctx, order.id)
        inv = create_based_on(ctx, order.id, "invoice", {"due_date": date(2026, 12, 1)})
        assert inv.basis_id == order.id and inv.total == kp.total == order.total
        assert [ln.description for ln in inv.lines] == ["Насос", "Доставка", "Монтаж"]
        post(ctx, inv.id)
        assert client_balance(ctx, client_id) == Decimal("4249.98")
        pay1 = create_based_on(ctx, inv.id, "payment", {"total": "1000.00"})
        post(ctx, pay1.id)
        assert invoice_remaining(ctx, inv.id) == Decimal("3249.98")
        pay2 = create_based_on(ctx, inv.id, "payment")  # proposes what is left
        assert pay2.total == Decimal("3249.98")
        post(ctx, pay2.id)
        assert client_balance(ctx, client_id) == Decimal("0.00")
        unpost(ctx, pay1.id)
        assert invoice_remaining(ctx, inv.id) == Decimal("1000.00")
        post(ctx, pay1.id)
        assert client_balance(ctx, client_id) == Decimal("0.00")


def test_unnamed_payment_settles_oldest_invoices_first_and_keeps_overpayment_as_advance(
    uow, client_id
):
    with uow("ivanov") as ctx:
        line = [{"description": "Товар", "quantity": 1, "price": 100}]
        old = create_document(
            ctx, "invoice", client_id, {"lines": line, "due_date": date(2026, 1, 10)}
        )
        new = create_document(
            ctx, "invoice", client_id, {"lines": line, "due_date": date(2026, 2, 10)}
        )
        post(ctx, new.id)
        post(ctx, old.id)
        pay = create_document(ctx, "payment", client_id, {"total": "250"})
        post(ctx, pay.id)
        assert invoice_remaining(ctx, old.id) == 0 and invoice_remaining(ctx, new.id) == 0
        assert client_balance(ctx, client_id) == Decimal("-50.00")  # advance
        unpost(ctx, pay.id)
        assert client_balance(ctx, client_id) == Decimal("200.00")


def test_paid_invoice_cannot_be_unposted_before_its_payment(uow, client_id):
    with uow("ivanov") as ctx:
        inv = create_document(ctx, "invoice", client_id, {"lines": LINES})
        post(ctx, inv.id)
        pay = create_based_on(ctx, inv.id, "payment")
        post(ctx, pay.id)
        with pytest.raises(PostingError, match=pay.number):
            unpost(ctx, inv.id)


def test_posting_refuses_empty_documents_bad_quantities_and_marked_clients(uow, client_id):
    with uow("ivanov") as ctx:
        empty = create_document(ctx, "invoice", client_id)
        with pytest.raises(PostingError, match="нет ни одной строки"):
            post(ctx, empty.id)
        bad = create_document(
            ctx,
            "invoice",
            client_id,
            {
                "lines": [
                    {"description": "А", "quantity": 1, "price": 1},
                    {"description": "Б", "quantity": 0, "price": 1},
                ]
            },
        )
        with pytest.raises(PostingError, match="Строка 2: Поле «Количество»"):
            post(ctx, bad.id)
        good = create_document(ctx, "invoice", client_id, {"lines": LINES})
        set_deletion_mark(ctx, client_id)
        with pytest.raises(PostingError, match="помечен на удаление"):
            post(ctx, good.id)
        assert not good.posted


def test_bad_line_input_names_the_line_and_field(uow, client_id):
    with uow("ivanov") as ctx:
        with pytest.raises(ValidationError, match="Строка 1: Поле «Номенклатура»"):
            create_document(ctx, "order", client_id, {"lines": [{"product": "NOPE"}]})
        with pytest.raises(ValidationError, match="Строка 1: Поле «Скидка»"):
            create_document(
                ctx,
                "order",
                client_id,
                {"lines": [{"description": "x", "price": 1, "discount_pct": 150}]},
            )


def test_editing_a_posted_invoice_reposts_it_and_marking_unposts(uow, client_id):
    with uow("ivanov") as ctx:
        inv = create_document(ctx, "invoice", client_id, {"lines": LINES})
        post(ctx, inv.id)
        update_document(ctx, inv.id, {"lines": [{"description": "x", "price": 10}]})
        assert inv.posted and client_balance(ctx, client_id) == Decimal("10.00")
        mark_document(ctx, inv.id)
        assert not inv.posted and client_balance(ctx, client_id) == 0
        with pytest.raises(PostingError, match="помечен на удаление"):
            post(ctx, inv.id)


def test_basis_must_follow_the_chain(uow, client_id):
    with uow("ivanov") as ctx:
        pay = create_document(ctx, "payment", client_id, {"total": 5})
        with pytest.raises(ValidationError, match="нельзя создать на основании"):
            create_based_on(ctx, pay.id, "order")


def test_a_document_on_a_basis_links_it_and_keeps_the_comment_empty(uow, client_id):
    with uow("ivanov") as ctx:
        order = create_document(ctx, "order", client_id, {"lines": LINES})
        invoice = create_based_on(ctx, order.id, "invoice")
        assert invoice.basis_id == order.id
        assert not invoice.comment  # 1C shows the basis as a link, never in the comment
