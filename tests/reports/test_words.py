from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crmdesk.reports.words import (
    amount_in_words,
    date_in_words,
    initials,
    number_in_words,
    plural,
    rate_text,
)


@pytest.mark.parametrize(
    "amount, words",
    [
        (0, "Ноль рублей 00 копеек"),
        (1, "Один рубль 00 копеек"),
        (2, "Два рубля 00 копеек"),
        (5, "Пять рублей 00 копеек"),
        (11, "Одиннадцать рублей 00 копеек"),
        (21, "Двадцать один рубль 00 копеек"),
        (101, "Сто один рубль 00 копеек"),
        (1000, "Одна тысяча рублей 00 копеек"),
        (2000, "Две тысячи рублей 00 копеек"),
        (5000, "Пять тысяч рублей 00 копеек"),
        (21501, "Двадцать одна тысяча пятьсот один рубль 00 копеек"),
        (1_000_000, "Один миллион рублей 00 копеек"),
        (Decimal("12345.67"), "Двенадцать тысяч триста сорок пять рублей 67 копеек"),
        (Decimal("112.11"), "Сто двенадцать рублей 11 копеек"),
        (Decimal("3.01"), "Три рубля 01 копейка"),
        (Decimal("4.02"), "Четыре рубля 02 копейки"),
        (Decimal("2002001.21"), "Два миллиона две тысячи один рубль 21 копейка"),
        ("1 000 000 000,00", "Один миллиард рублей 00 копеек"),
        (Decimal("0.005"), "Ноль рублей 01 копейка"),  # kopecks rounded half up
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_an_integer_means_whole_rubles_and_float_is_refused():
    assert amount_in_words(12) == amount_in_words(Decimal("12.00")) == "Двенадцать рублей 00 копеек"
    with pytest.raises(TypeError):
        amount_in_words(12.5)


def test_numbers_genders_and_plurals():
    assert number_in_words(1, "f") == "одна"
    assert number_in_words(2, "f") == "две"
    assert number_in_words(1_001_002) == "один миллион одна тысяча два"
    assert number_in_words(-15) == "минус пятнадцать"
    forms = ("рубль", "рубля", "рублей")
    assert [plural(n, forms) for n in (1, 2, 5, 11, 12, 14, 21, 22, 25, 111, 1001)] == [
        "рубль", "рубля", "рублей", "рублей", "рублей", "рублей", "рубль", "рубля", "рублей",
        "рублей", "рубль",
    ]


def test_dates_initials_and_rates():
    assert date_in_words(date(2026, 11, 24)) == "24 ноября 2026 г."
    assert date_in_words(date(2026, 3, 1)) == "1 марта 2026 г."
    assert date_in_words(datetime(2026, 5, 9, 12, tzinfo=UTC)) == "9 мая 2026 г."
    assert initials("Кузнецов Андрей Сергеевич") == "А.С. Кузнецов"
    assert initials("Попова Елена") == "Е. Попова"
    assert initials(None) == ""
    assert rate_text(Decimal("22.00")) == "22"
    assert rate_text(Decimal("7.50")) == "7,5"


RUBLES = {
    1: "Один рубль",
    2: "Два рубля",
    5: "Пять рублей",
    11: "Одиннадцать рублей",
    21: "Двадцать один рубль",
    101: "Сто один рубль",
    1_000_000: "Один миллион рублей",
}
KOPECKS = {0: "00 копеек", 1: "01 копейка", 2: "02 копейки", 5: "05 копеек"}


@pytest.mark.parametrize("rubles", list(RUBLES))
@pytest.mark.parametrize("kopecks", list(KOPECKS))
def test_rubles_and_kopecks_take_their_cases_independently(rubles, kopecks):
    amount = Decimal(rubles) + Decimal(kopecks) / 100
    assert amount_in_words(amount) == f"{RUBLES[rubles]} {KOPECKS[kopecks]}"
    assert amount_in_words(f"{rubles},{kopecks:02d}") == f"{RUBLES[rubles]} {KOPECKS[kopecks]}"


@pytest.mark.parametrize(
    "kopecks, words",
    [(11, "11 копеек"), (12, "12 копеек"), (14, "14 копеек"), (21, "21 копейка"),
     (22, "22 копейки"), (25, "25 копеек"), (99, "99 копеек")],
)
def test_kopecks_in_the_teens_and_twenties(kopecks, words):
    assert amount_in_words(Decimal(f"7.{kopecks:02d}")) == f"Семь рублей {words}"


def test_negative_and_thousands_genders():
    assert amount_in_words(Decimal("-1.01")) == "Минус один рубль 01 копейка"
    assert amount_in_words(1001) == "Одна тысяча один рубль 00 копеек"
    assert amount_in_words(2_000_002) == "Два миллиона два рубля 00 копеек"
    assert amount_in_words(Decimal("0.01")) == "Ноль рублей 01 копейка"
    # half up, not to even: 2.675 → 2,68 and 0.125 → 0,13
    assert amount_in_words(Decimal("2.675")) == "Два рубля 68 копеек"
    assert amount_in_words(Decimal("0.125")) == "Ноль рублей 13 копеек"
