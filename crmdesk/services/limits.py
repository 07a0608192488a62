"""The limits of stored data: ONE definition for SQLite and PostgreSQL, enforced in the rules.

Numbers: finite, within the range below and with no more decimal places than the column
keeps (a quantity of 0.0001 is refused, never rounded to 0.000). Text: no NUL character,
no longer than the column declares (``String(n)``) or ``TEXT_MAX`` for free text. Dates:
years ``YEAR_MIN``…``YEAR_MAX``. The rules (documents, records) check with these
functions and the field's own label; ``guard`` checks every object any flush writes, so a
path that forgot a check still cannot store what PostgreSQL cannot hold (or SQLite's
scaled integers would overflow in a report's sum). README «Limits» lists the values.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Integer, String, event, inspect
from sqlalchemy.orm import Session

from crmdesk.models.base import _ScaledDecimal
from crmdesk.services.errors import ValidationError

# money: every price, line amount, document total, payment (< 100 billion roubles, so even
# 900,000 documents of the maximum sum stay inside SQLite's 64-bit scaled integers and
# PostgreSQL's NUMERIC(18, 2))
MONEY_MAX = Decimal("99999999999.99")
MONEY_PLACES = 2
QUANTITY_MAX = Decimal("999999999.999")
QUANTITY_PLACES = 3  # the unit's precision: the Quantity column keeps thousandths
RATE_PLACES = 2  # discounts and VAT rates, percent
TEXT_MAX = 1_000_000  # characters of a free-text (Text) field
YEAR_MIN, YEAR_MAX = 1900, 2999
INT_MAX = 2**31 - 1  # PostgreSQL INTEGER

# column → the label a message names, for the guard (the rules name their own fields)
LABELS = {
    "name": "Наименование",
    "full_name": "Полное наименование",
    "description": "Описание",
    "comment": "Комментарий",
    "article": "Артикул",
    "unit": "Ед.",
    "quantity": "Количество",
    "price": "Цена",
    "amount": "Сумма",
    "total": "Сумма",
    "vat_rate": "Ставка НДС",
    "discount_pct": "Скидка",
    "cost_price": "Себестоимость",
    "title": "Задача",
    "gist": "Суть",
    "address": "Адрес",
    "text": "Адрес",
    "position": "Должность",
    "login": "Имя входа",
    "email": "Эл. почта",
    "search_name": "Наименование",
}
DERIVED = {"search_text"}  # computed from checked fields; not the user's to shorten


def nfkc(text: str) -> str:
    """Fullwidth, Arabic-Indic, superscript digits and the like as plain ASCII digits."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text
    )


def _places(value: Decimal) -> int:
    exp = value.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _shown(value) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def number(
    value,
    field: str,
    row: int | None = None,
    *,
    places: int = MONEY_PLACES,
    maximum: Decimal = MONEY_MAX,
    minimum: Decimal | None = Decimal(0),
    positive: bool = False,
    required: bool = True,
) -> Decimal | None:
    """``value`` as a Decimal within the limits, else ValidationError naming field and row.

    Floats are taken by their shortest repr (0.1 is 0.1); NaN, Infinity, booleans and text
    that is not a number are refused, so is a number with more decimal places than kept.
    """
    from crmdesk.services.money import D

    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, "не заполнено", row)
        return None
    if isinstance(value, bool):
        raise ValidationError(field, f"«{value}» — не число", row)
    try:
        d = D(nfkc(value) if isinstance(value, str) else value)
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError(field, f"«{_shown(value)}» — не число", row) from None
    if not d.is_finite():
        raise ValidationError(field, f"«{_shown(value)}» — не число", row)
    if abs(d) > maximum:
        raise ValidationError(field, f"число больше допустимого ({maximum:,})", row)
    if positive and d <= 0:
        raise ValidationError(field, "должно быть больше нуля", row)
    if minimum is not None and d < minimum:
        what = "отрицательным" if minimum == 0 else f"меньше {minimum}"
        raise ValidationError(field, f"не может быть {what}", row)
    if _places(d) > places:
        d2 = d.normalize()
        if _places(d2) > places:
            raise ValidationError(
                field, f"не более {places} знаков после запятой («{_shown(value)}»)", row
            )
        d = d2
    return d


def quantity(
    value, row: int | None = None, field: str = "Количество", positive: bool = True
) -> Decimal:
    """A quantity in the unit's precision; a draft may be written with 0 (``positive``
    False), posting wants more than zero."""
    return number(
        value, field, row, places=QUANTITY_PLACES, maximum=QUANTITY_MAX, positive=positive
    )


def money(value, field: str, row: int | None = None, *, positive=False, required=True):
    return number(value, field, row, positive=positive, required=required)


def vat_rate(value, row: int | None = None, allowed=None, field: str = "Ставка НДС") -> Decimal:
    """A VAT rate from the allowed list (22, 20, 10, 7, 5, 0 %)."""
    from crmdesk.services.money import VAT_RATES

    allowed = tuple(allowed or VAT_RATES)
    d = number(value, field, row, places=RATE_PLACES, maximum=Decimal(100))
    if d not in allowed:
        shown = ", ".join(f"{a.normalize():f}" for a in allowed)
        raise ValidationError(field, f"ставка {d.normalize():f} % не из списка ({shown} %)", row)
    return d


def percent(value, field: str = "Скидка", row: int | None = None) -> Decimal:
    d = number(value or 0, field, row, places=RATE_PLACES, maximum=Decimal(100))
    return d


def text(value, field: str, max_len: int = TEXT_MAX, row: int | None = None) -> str | None:
    """Text without NUL, at most ``max_len`` characters (None stays None)."""
    if value is None:
        return None
    value = str(value)
    if "\x00" in value:
        raise ValidationError(field, "содержит недопустимый символ (NUL)", row)
    if len(value) > max_len:
        raise ValidationError(
            field, f"длина {len(value):,} знаков больше допустимой ({max_len:,})".replace(
                ",", " "
            ), row
        )
    return value


def check_date(value, field: str = "Дата", row: int | None = None):
    """A date (or datetime) with a year the program can compute with."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = (datetime if "T" in value or " " in value.strip() else date).fromisoformat(
                value.strip()
            )
        except ValueError:
            raise ValidationError(field, f"«{_shown(value)}» — не дата", row) from None
    if not isinstance(value, date):
        raise ValidationError(field, f"«{_shown(value)}» — не дата", row)
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValidationError(field, f"год должен быть от {YEAR_MIN} до {YEAR_MAX}", row)
    return value


# -- the guard on every flush ------------------------------------------------------------
_PLANS: dict = {}


def _plan(mapper) -> tuple:
    """(key, kind, limit, label) of every column of a mapped class the guard checks."""
    plan = _PLANS.get(mapper)
    if plan is None:
        out = []
        for prop in mapper.column_attrs:
            col, key = prop.columns[0], prop.key
            if key in DERIVED:
                continue
            if isinstance(col.type, String):
                out.append((key, "text", col.type.length or TEXT_MAX))
            elif isinstance(col.type, _ScaledDecimal):
                limit = Decimal(10) ** (col.type.precision - col.type.scale) - 1
                out.append((key, "number", limit))
            elif type(col.type) is Integer:
                out.append((key, "integer", INT_MAX))
        plan = _PLANS[mapper] = tuple((k, kind, lim, LABELS.get(k, k)) for k, kind, lim in out)
    return plan


def _column_errors(obj) -> list[ValidationError]:
    state = inspect(obj)
    values = state.dict
    row = values.get("line_no")
    errors = []
    for key, kind, limit, label in _plan(state.mapper):
        value = values.get(key)
        if value is None:
            continue
        if state.persistent and not state.attrs[key].history.has_changes():
            continue
        try:
            if kind == "text":
                if not isinstance(value, str):
                    raise ValidationError(label, f"ожидается текст, а не «{_shown(value)}»", row)
                if len(value) > limit or "\x00" in value:
                    text(value, label, limit, row)
            elif kind == "number":
                number(value, label, row, places=12, maximum=limit, minimum=None)
            elif not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(label, f"«{_shown(value)}» — не целое число", row)
            elif abs(value) > limit:
                raise ValidationError(label, "число больше допустимого", row)
        except ValidationError as exc:
            errors.append(exc)
    return errors


def guard(session: Session, _ctx=None, _instances=None) -> None:
    """Refuse a flush that would store text or numbers outside the limits (before SQL)."""
    from crmdesk.services.errors import InvalidData

    errors = []
    for obj in list(session.new) + list(session.dirty):
        errors.extend(_column_errors(obj))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidData(errors)


if not event.contains(Session, "before_flush", guard):
    event.listen(Session, "before_flush", guard)
