"""Russian words for print forms: an amount in words, a date with the month in words, initials."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from crmdesk.services.money import round2

ONES_M = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
ONES_F = ["", "одна", "две", *ONES_M[3:]]
TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
TENS = [
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
]
HUNDREDS = [
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
]
# (one, few, many) and grammatical gender of each power of a thousand
SCALES = [
    (("", "", ""), "m"),
    (("тысяча", "тысячи", "тысяч"), "f"),
    (("миллион", "миллиона", "миллионов"), "m"),
    (("миллиард", "миллиарда", "миллиардов"), "m"),
    (("триллион", "триллиона", "триллионов"), "m"),
]
RUBLES = ("рубль", "рубля", "рублей")
KOPECKS = ("копейка", "копейки", "копеек")
MONTHS_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
MONTHS_NOMINATIVE = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]


def plural(n: int, forms: tuple[str, str, str]) -> str:
    """The form of a noun after the number n: 1 рубль, 2 рубля, 5 рублей, 11 рублей, 21 рубль."""
    n = abs(n)
    if 11 <= n % 100 <= 14:
        return forms[2]
    if n % 10 == 1:
        return forms[0]
    if 2 <= n % 10 <= 4:
        return forms[1]
    return forms[2]


def _triad(n: int, gender: str) -> list[str]:
    words = [HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(TEENS[rest - 10])
    else:
        words.append(TENS[rest // 10])
        words.append((ONES_F if gender == "f" else ONES_M)[rest % 10])
    return [w for w in words if w]


def number_in_words(n: int, gender: str = "m") -> str:
    """A whole number in words: 21501 → «двадцать одна тысяча пятьсот один»."""
    if not isinstance(n, int):
        raise TypeError(f"number_in_words takes an int, not {type(n).__name__}")
    if n == 0:
        return "ноль"
    if n < 0:
        return "минус " + number_in_words(-n, gender)
    if n >= 1000 ** len(SCALES):
        raise ValueError(f"{n} is too large to write in words")
    parts: list[str] = []
    for power in range(len(SCALES) - 1, -1, -1):
        triad = n // 1000**power % 1000
        if not triad:
            continue
        forms, scale_gender = SCALES[power]
        parts += _triad(triad, gender if power == 0 else scale_gender)
        if power:
            parts.append(plural(triad, forms))
    return " ".join(parts)


def amount_in_words(amount) -> str:
    """12345.67 → «Двенадцать тысяч триста сорок пять рублей 67 копеек» (kopecks in digits).

    Takes Decimal, int or str; an int means whole rubles (5 → «Пять рублей 00 копеек»).
    """
    if isinstance(amount, float):
        raise TypeError("money is Decimal, not float")
    value = round2(amount)
    sign = "минус " if value < 0 else ""
    value = abs(value)
    rubles = int(value)
    kopecks = int((value - rubles) * 100)
    text = (
        f"{sign}{number_in_words(rubles)} {plural(rubles, RUBLES)} "
        f"{kopecks:02d} {plural(kopecks, KOPECKS)}"
    )
    return text[0].upper() + text[1:]


def date_in_words(value: date | datetime) -> str:
    """24 ноября 2026 г. — as in the title of a Russian invoice."""
    value = local_date(value)
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


def month_name(year: int, month: int) -> str:
    """«Ноябрь 2026» — a month as a report's period heading."""
    return f"{MONTHS_NOMINATIVE[month - 1].capitalize()} {year}"


def local_date(value: date | datetime) -> date:
    """A stored (UTC, aware) time as the date on this computer's calendar."""
    if isinstance(value, datetime):
        return (value.astimezone() if value.tzinfo else value).date()
    return value


def short_date(value: date | datetime | None) -> str:
    return f"{local_date(value):%d.%m.%Y}" if value else ""


def initials(full_name: str | None) -> str:
    """«Кузнецов Андрей Сергеевич» → «А.С. Кузнецов», as under a signature line."""
    words = (full_name or "").split()
    if len(words) < 2:
        return " ".join(words)
    surname, *names = words
    return "".join(f"{n[0]}." for n in names[:2]) + " " + surname


def rate_text(rate: Decimal | None) -> str:
    """Decimal('22.00') → '22' and Decimal('7.50') → '7,5' for «НДС (22%)»."""
    if rate is None:
        return ""
    text = f"{Decimal(rate).normalize():f}"
    return text.replace(".", ",")
