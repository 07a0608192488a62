"""Phones: anything people type in, E.164 with the extension apart stored, Russian display."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from crmdesk.services.errors import ValidationError
from crmdesk.services.limits import nfkc

_EXT = re.compile(r"(?:доб\.?|добавочный|ext\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
# a separator followed by an extension word («…, доб. 105») does not start a new number
_SPLIT = re.compile(r"\s*(?::::|[,;/\n]|\s{3,})\s*(?!\s*(?:доб|ext|x\s*\d|#\s*\d))", re.IGNORECASE)


@dataclass(frozen=True)
class Phone:
    e164: str
    ext: str | None = None

    @property
    def display(self) -> str:
        return format_phone(self.e164, self.ext)


def _raw_text(value) -> str:
    """The number as typed, NFKC-normalized: fullwidth or Arabic-Indic digits as ASCII."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfkc(str(value)).strip()


def normalize_phone(value, region: str = "RU", field: str = "Телефон") -> Phone | None:
    """Parse a typed number; None when empty, ValidationError when it cannot be a phone."""
    if value is None:
        return None
    text = _raw_text(value)
    if not text:
        return None
    ext = None
    m = _EXT.search(text)
    if m:
        ext, text = m.group(1), text[: m.start()].strip(" ,")
    digits = re.sub(r"\D", "", text)
    if region == "RU" and not text.lstrip().startswith("+"):
        if len(digits) == 11 and digits[0] in "78":
            text = "+7" + digits[1:]
        elif len(digits) == 10:
            text = "+7" + digits
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException:
        raise ValidationError(field, f"номер невозможен: «{_raw_text(value)}»") from None
    if not phonenumbers.is_valid_number(num):
        raise ValidationError(field, f"номер невозможен: «{_raw_text(value)}»")
    if num.extension and not ext:
        ext = num.extension
    return Phone(phonenumbers.format_number(num, PhoneNumberFormat.E164), ext)


def split_phones(value) -> list[str]:
    """One cell with several numbers → the numbers, each with its own extension."""
    if value is None:
        return []
    return [part for part in _SPLIT.split(_raw_text(value)) if part.strip()]


def format_phone(e164: str, ext: str | None = None) -> str:
    """+79123456789 → '+7 (912) 345-67-89'; other countries in international format."""
    text = e164
    if e164.startswith("+7") and len(e164) == 12:
        d = e164[2:]
        text = f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"
    else:
        try:
            text = phonenumbers.format_number(
                phonenumbers.parse(e164, None), PhoneNumberFormat.INTERNATIONAL
            )
        except NumberParseException:
            pass
    return f"{text} доб. {ext}" if ext else text


def phone_digits_fragment(text: str) -> str:
    return re.sub(r"\D", "", text or "")


def phone_search_variants(e164: str) -> list[str]:
    """Digit strings under which a stored number is found by fragment: 7912… and 8912…."""
    digits = phone_digits_fragment(e164)
    if e164.startswith("+7"):
        return [digits, "8" + digits[1:]]
    return [digits]


_E164 = re.compile(r"^\+\d{8,15}$")


def show_phone(value, region: str = "RU") -> str:
    """A phone stored as text (a user's, the organization's, an applicant's: E.164, or as
    it was typed before numbers were kept canonical) shown like a client's:
    '+7 (495) 123-45-63 доб. 12'. Text that is no phone stays as it is; empty stays empty."""
    if value is None:
        return ""
    text = str(value).strip()
    if _E164.match(text):
        return format_phone(text)
    try:
        phone = normalize_phone(text, region)
    except ValidationError:
        return text
    return phone.display if phone else ""


def stored_phone(phone: Phone | None) -> str | None:
    """The one-text form of a phone kept in a single column: E.164, the extension after
    « доб. » (show_phone reads it back)."""
    if phone is None:
        return None
    return f"{phone.e164} доб. {phone.ext}" if phone.ext else phone.e164
