from decimal import Decimal

import pytest

from crmdesk.services.money import D, format_money, line_amounts, round2


def test_rounding_is_half_up_not_bankers():
    assert round2("0.125") == Decimal("0.13") and round2("0.135") == Decimal("0.14")
    assert round2("2.675") == Decimal("2.68")


def test_decimal_from_what_people_and_files_give():
    assert D("1 234,50") == Decimal("1234.50")
    assert D(0.1) == Decimal("0.1")  # a float from a spreadsheet cell, by its shortest repr
    with pytest.raises(ArithmeticError):
        D("abc")


@pytest.mark.parametrize(
    "mode,vat,to_pay,net",
    [
        ("included", "18.03", "100.00", "81.97"),
        ("on_top", "22.00", "122.00", "100.00"),
        ("none", "0.00", "100.00", "100.00"),
    ],
)
def test_vat_modes(mode, vat, to_pay, net):
    a = line_amounts(1, 100, 0, 22, mode)
    assert (a.vat_amount, a.to_pay, a.net) == (Decimal(vat), Decimal(to_pay), Decimal(net))


def test_discount_and_cost():
    a = line_amounts("3", "99.99", "5", 22, "included", cost_price="50.005")
    assert a.amount == Decimal("284.97")  # 299.97 × 0.95 = 284.9715
    assert a.cost_amount == Decimal("150.02")


def test_money_is_shown_the_russian_way():
    assert format_money(Decimal("1234567.5")) == "1\u00a0234\u00a0567,50"
    assert format_money(-5) == "-5,00"
