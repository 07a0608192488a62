"""Property-based tests of the rules layer (Hypothesis), on SQLite and PostgreSQL.

Random documents, quantities, prices, VAT modes and posting/unposting orders: totals are the
sums of rounded lines, receivables are invoices minus payments, every invalid input is a
CrmError (a message for the user) and never another exception.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crmdesk.models import Document, Settlement
from crmdesk.services import limits, records
from crmdesk.services.documents import (
    client_balance,
    create_based_on,
    create_document,
    post,
    unpost,
)
from crmdesk.services.errors import CrmError, ValidationError
from crmdesk.services.money import VAT_RATES, line_amounts, round2

DB_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# anything a file, a form or a careless caller may hand over as a number
hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["NaN", "-inf", "1e999999", "0,5", "1 000,25", "²", "١٢", "0.0001", "--1"]),
    st.lists(st.integers(), max_size=2),
)

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(10**5), places=3)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal(10**6), places=2)
discounts = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
modes = st.sampled_from(["none", "included", "on_top"])
good_line = st.fixed_dictionaries(
    {
        "description": st.text(min_size=1, max_size=40).filter(
            lambda s: s.strip() and "\x00" not in s
        ),
        "quantity": quantities,
        "price": prices,
        "discount_pct": discounts,
        "vat_rate": st.sampled_from(VAT_RATES),
    }
)


@given(hostile)
def test_a_number_is_a_decimal_within_the_limits_or_a_validation_error(value):
    for check in (
        lambda v: limits.money(v, "Цена"),
        lambda v: limits.quantity(v, 1),
        lambda v: limits.vat_rate(v, 1),
        lambda v: limits.percent(v),
    ):
        try:
            d = check(value)
        except ValidationError as exc:
            assert str(exc).startswith(("Поле «", "Строка 1: Поле «"))
            continue
        assert isinstance(d, Decimal) and d.is_finite()
        assert abs(d) <= limits.MONEY_MAX


@given(quantities, prices, discounts, st.sampled_from(VAT_RATES), modes)
def test_line_amounts_round_half_up_per_line(qty, price, discount, rate, mode):
    a = line_amounts(qty, price, discount, rate, mode)
    assert a.amount == round2(qty * price * (100 - discount) / 100)
    assert a.amount.as_tuple().exponent == -2 and a.vat_amount.as_tuple().exponent == -2
    if mode == "on_top":
        assert a.to_pay == a.amount + a.vat_amount and a.net == a.amount
    else:
        assert a.to_pay == a.amount and a.net == a.amount - a.vat_amount
    if mode == "none":
        assert a.vat_amount == 0
    assert 0 <= a.vat_amount <= a.to_pay


@DB_SETTINGS
@given(lines=st.lists(good_line, min_size=1, max_size=6), mode=modes)
def test_totals_are_the_sums_of_rounded_lines(uow, client_id, lines, mode):
    with uow("ivanov") as ctx:
        doc = create_document(ctx, "invoice", client_id, {"vat_mode": mode, "lines": lines})
        post(ctx, doc.id)
        doc_id = doc.id
    with uow() as ctx:  # what was stored, read back
        doc = ctx.session.get(Document, doc_id)
        amounts = [
            line_amounts(
                ln.quantity, ln.price, ln.discount_pct, ln.vat_rate, mode, ln.cost_price
            )
            for ln in doc.lines
        ]
        assert [ln.amount for ln in doc.lines] == [a.amount for a in amounts]
        assert doc.vat_total == sum((a.vat_amount for a in amounts), Decimal(0))
        assert doc.total == sum((a.to_pay for a in amounts), Decimal(0))
        owed = ctx.session.scalar(
            select(func.sum(Settlement.amount)).where(Settlement.invoice_id == doc_id)
        )
        assert owed == doc.total


hostile_line = st.fixed_dictionaries(
    {},
    optional={
        "description": st.one_of(st.text(max_size=600), hostile),
        "quantity": hostile,
        "price": hostile,
        "discount_pct": hostile,
        "vat_rate": hostile,
        "cost_price": hostile,
        "unit": st.text(max_size=30),
        "product": st.one_of(st.just("P-1"), st.text(max_size=5)),
    },
)


@DB_SETTINGS
@given(
    lines=st.lists(st.one_of(hostile_line, good_line), min_size=1, max_size=4),
    mode=modes,
    date=st.one_of(st.none(), st.dates(), st.text(max_size=12)),
    due=st.one_of(st.none(), st.dates(), st.text(max_size=12)),
)
def test_invalid_input_is_a_message_never_an_exception(uow, client_id, lines, mode, date, due):
    data = {"vat_mode": mode, "lines": lines, "date": date, "due_date": due}
    try:
        with uow("ivanov") as ctx:
            doc = create_document(ctx, "invoice", client_id, data)
            post(ctx, doc.id)
            stored = [(ln.quantity, ln.price, ln.vat_rate) for ln in doc.lines]
    except CrmError as exc:
        assert str(exc).strip()
        return
    for qty, price, rate in stored:  # what got through is within the limits
        assert Decimal(0) < qty <= limits.QUANTITY_MAX and 0 <= price <= limits.MONEY_MAX
        assert rate is None or rate in VAT_RATES


# -- posting and unposting in any order ------------------------------------------------
operation = st.one_of(
    st.tuples(st.just("invoice"), st.integers(min_value=1, max_value=5000)),
    st.tuples(st.just("payment"), st.integers(min_value=1, max_value=5000)),
    st.tuples(st.just("pay_invoice"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("post"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("unpost"), st.integers(min_value=0, max_value=20)),
)


def _check_receivables(ctx, client_id) -> None:
    docs = ctx.session.scalars(select(Document).where(Document.client_id == client_id)).all()
    invoiced = sum((d.total for d in docs if d.posted and d.doc_type == "invoice"), Decimal(0))
    paid = sum((d.total for d in docs if d.posted and d.doc_type == "payment"), Decimal(0))
    assert client_balance(ctx, client_id) == invoiced - paid
    for d in docs:
        if d.doc_type != "invoice":
            continue
        owed = ctx.session.scalar(
            select(func.sum(Settlement.amount)).where(Settlement.invoice_id == d.id)
        ) or Decimal(0)
        assert (Decimal(0) <= owed <= d.total) if d.posted else owed == 0


@DB_SETTINGS
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_receivables_are_invoices_minus_payments_in_any_order(uow, client_id, ops):
    made: list[int] = []
    for kind, arg in ops:
        try:
            with uow("ivanov") as ctx:
                if kind == "invoice":
                    line = {"description": "Работа", "price": arg}
                    made.append(create_document(ctx, "invoice", client_id, {"lines": [line]}).id)
                elif kind == "payment":
                    made.append(create_document(ctx, "payment", client_id, {"total": arg}).id)
                elif made and kind == "pay_invoice":
                    made.append(create_based_on(ctx, made[arg % len(made)], "payment").id)
                elif made and kind == "post":
                    post(ctx, made[arg % len(made)])
                elif made and kind == "unpost":
                    unpost(ctx, made[arg % len(made)])
        except CrmError:
            pass  # refused (a paid invoice unposted, a basis of the wrong type): a message
        with uow() as ctx:
            _check_receivables(ctx, client_id)


@DB_SETTINGS
@given(
    name=st.one_of(st.text(max_size=400), hostile),
    price=hostile,
    cost=hostile,
    rate=hostile,
)
def test_a_product_takes_valid_values_or_says_which_field(uow, name, price, cost, rate):
    data = {"name": name, "price": price, "cost_price": cost, "vat_rate": rate}
    try:
        with uow() as ctx:
            product = records.save(ctx, "product", None, data)
            stored = (product.price, product.cost_price, product.vat_rate)
    except CrmError as exc:
        assert "Поле «" in str(exc)
        return
    assert all(v is None or (v.is_finite() and 0 <= v <= limits.MONEY_MAX) for v in stored)
    assert stored[2] in VAT_RATES


anything = st.one_of(hostile, st.dates(), st.datetimes(), st.text(max_size=20))


@DB_SETTINGS
@given(
    kind=st.sampled_from(["task", "contact", "interaction", "group"]),
    values=st.dictionaries(
        st.sampled_from(
            [
                "title", "name", "deadline", "remind_at", "priority", "birthday", "position",
                "comment", "gist", "kind", "occurred_at", "duration_min", "next_step",
                "description",
            ]
        ),
        anything,
        max_size=6,
    ),
)
def test_any_record_takes_valid_values_or_says_which_field(uow, client_id, kind, values):
    data = {**values, "client_id": client_id} if kind != "group" else dict(values)
    try:
        with uow("ivanov") as ctx:
            records.save(ctx, kind, None, data)
    except CrmError as exc:
        assert str(exc).strip()


@DB_SETTINGS
@given(
    doc_type=st.sampled_from(["proposal", "order", "invoice", "payment"]),
    header=st.dictionaries(
        st.sampled_from(["vat_mode", "comment", "payment_method", "total", "date", "due_date"]),
        anything,
        max_size=4,
    ),
)
def test_any_document_header_is_taken_or_refused_with_a_message(uow, client_id, doc_type, header):
    try:
        with uow("ivanov") as ctx:
            doc = create_document(ctx, doc_type, client_id, header)
            post(ctx, doc.id)
    except CrmError as exc:
        assert str(exc).strip()
