"""What a payer wrote in «Назначение платежа»: the invoices named, the VAT, a refund.

People write an invoice many ways: «Оплата по счету № СЧ-2026-000123 от 01.12.2026»,
«сч. 123», «счет 2026-123», «по счетам №№ 41, 42 и 43 от 25.11.26», «сч.42 от 25.11.26».
``invoice_refs`` finds each number (with its year when written) and the date that follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

# «счет», «счёт», «счета», «счету», «счетам», «сч.», «сч», «инвойс»; not «расчетный счет»
_KEYWORD = re.compile(
    r"(?<![а-яa-z])(?:сч(?:е|ё)т(?:а|у|ом|е|ам|ов|ах)?(?![а-я])|сч\.?(?![а-я])|инвойс\w*)"
    r"(?:\s+на\s+оплату)?\s*(?:(?:№|n|no|#)+\s*\.?\s*)?",
    re.IGNORECASE,
)
# one invoice number: «СЧ-2026-000123», «2026-123», «000123», «123», «СЧ-123»
_NUMBER = re.compile(
    r"(?:[а-яa-z]{1,3}\s*-\s*)?(?:(20\d{2})\s*[-/]\s*)?0*(\d{1,6})(?![\d/.,-]\d)(?!\d)",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"\s*(?:,|;|\bи\b)\s*(?:(?:№|n|no|#)+\s*)?", re.IGNORECASE)
_DATE = re.compile(r"\s*(?:от\s*)?(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?!\d)", re.IGNORECASE)
_ACCOUNT_WORDS = re.compile(r"(?:р/с|расч[её]тн\w*|лицев\w*|банковск\w*)\s*$", re.IGNORECASE)

_VAT_FREE = re.compile(
    r"(?:ндс\s+не\s+облага\w*|без\s+ндс|без\s+налога|ндс\s+не\s+предусм\w*|"
    r"ндс\s+нет|не\s+облага\w*\s+ндс)",
    re.IGNORECASE,
)
_VAT = re.compile(
    r"ндс\s*(?:\(?\s*(\d{1,2}(?:[.,]\d+)?)\s*%\s*\)?)?\s*(?:[-–—:=]|составляет|руб\.?)?\s*"
    r"(\d{1,3}(?:[ \u00a0]?\d{3})*|\d+)(?:[.,-](\d{2}))(?!\d)",
    re.IGNORECASE,
)
_REFUND = re.compile(r"(?<![а-я])возвр\w*", re.IGNORECASE)


@dataclass(frozen=True)
class InvoiceRef:
    """«сч. 42 от 25.11.26» → InvoiceRef(42, year=None, dated=date(2026, 11, 25))."""

    n: int
    year: int | None = None
    dated: date | None = None

    def years(self, paid: date) -> list[int]:
        """The years the invoice may be of, most likely first."""
        if self.year:
            return [self.year]
        first = self.dated.year if self.dated else paid.year
        return list(dict.fromkeys([first, paid.year, paid.year - 1]))


def _date(m: re.Match) -> date | None:
    d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y + 2000 if y < 100 else y, mo, d)
    except ValueError:
        return None


def invoice_refs(purpose: str) -> list[InvoiceRef]:
    """Every invoice the purpose names, in the order written."""
    text = (purpose or "").replace("ё", "е").replace("Ё", "Е")
    refs: list[InvoiceRef] = []
    for kw in _KEYWORD.finditer(text):
        if _ACCOUNT_WORDS.search(text[: kw.start()]):
            continue  # «расчетный счет 40702…» is an account, not an invoice
        pos = kw.end()
        found: list[tuple[int, int | None]] = []
        while True:
            m = _NUMBER.match(text, pos)
            if m is None:
                break
            n = int(m.group(2))
            if n == 0:
                break
            found.append((n, int(m.group(1)) if m.group(1) else None))
            pos = m.end()
            sep = _SEPARATOR.match(text, pos)
            if sep is None or _NUMBER.match(text, sep.end()) is None:
                break
            if _DATE.match(text, sep.end()):
                break
            pos = sep.end()
        if not found:
            continue
        dm = _DATE.match(text, pos)
        dated = _date(dm) if dm else None
        for n, year in found:
            ref = InvoiceRef(n, year, dated)
            if ref not in refs:
                refs.append(ref)
    return refs


@dataclass(frozen=True)
class VatNote:
    """The VAT the payer stated: a rate and an amount, or «без НДС» (free)."""

    free: bool = False
    rate: Decimal | None = None
    amount: Decimal | None = None


def vat_note(purpose: str) -> VatNote | None:
    text = purpose or ""
    if _VAT_FREE.search(text):
        return VatNote(free=True)
    m = _VAT.search(text)
    if m is None:
        return None
    rate = Decimal(m.group(1).replace(",", ".")) if m.group(1) else None
    whole = m.group(2).replace(" ", "").replace("\u00a0", "")
    return VatNote(rate=rate, amount=Decimal(f"{whole}.{m.group(3)}"))


def vat_of(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT included in ``amount`` at ``rate`` per cent, to the kopeck."""
    return (amount * rate / (Decimal(100) + rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def is_refund(purpose: str) -> bool:
    return bool(_REFUND.search(purpose or ""))


__all__ = ["InvoiceRef", "VatNote", "invoice_refs", "is_refund", "vat_note", "vat_of"]
