"""Money arithmetic: Decimal, kopecks rounded half up per line, VAT included or on top."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
VAT_RATES = (Decimal("22"), Decimal("20"), Decimal("10"), Decimal("7"), Decimal("5"), Decimal("0"))
VAT_MODE_NAMES = {"none": "Без НДС", "included": "НДС в сумме", "on_top": "НДС сверху"}


def D(value) -> Decimal:
    """Any number people or files give (str with comma, int, Decimal) as Decimal; never float."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        value = value.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return Decimal(value)


def round2(value) -> Decimal:
    return D(value).quantize(KOPECK, ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    amount: Decimal  # the table's «Сумма»: quantity × price less discount
    vat_amount: Decimal
    to_pay: Decimal  # what the client pays for the line
    net: Decimal  # revenue without VAT
    cost_amount: Decimal


def line_amounts(
    quantity, price, discount_pct=0, vat_rate=None, vat_mode="included", cost_price=0
) -> LineAmounts:
    quantity, price, discount = D(quantity), D(price), D(discount_pct or 0)
    amount = round2(quantity * price * (Decimal(100) - discount) / Decimal(100))
    rate = D(vat_rate) if vat_rate is not None and vat_mode != "none" else Decimal(0)
    if vat_mode == "included":
        vat = round2(amount * rate / (Decimal(100) + rate))
        to_pay, net = amount, amount - vat
    elif vat_mode == "on_top":
        vat = round2(amount * rate / Decimal(100))
        to_pay, net = amount + vat, amount
    else:
        vat, to_pay, net = ZERO, amount, amount
    return LineAmounts(amount, vat, to_pay, net, round2(quantity * D(cost_price or 0)))


def format_money(value, currency: str = "") -> str:
    """12345.6 → '12 345,60' (non-breaking space for thousands, comma for kopecks)."""
    text = f"{round2(value):,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{text} {currency}".rstrip()
