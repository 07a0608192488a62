"""Checks of Russian requisites (INN, KPP, OGRN, BIK, accounts) and e-mail, with 1C messages.

Each validator returns the normalized value, None for an empty one, or raises
ValidationError naming the field.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError
from email_validator import validate_email as _check_email

from crmdesk.services.errors import ValidationError
from crmdesk.services.limits import nfkc

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8


def _clean(value) -> str:
    """The code as typed, NFKC-normalized (fullwidth, Arabic-Indic, superscript digits become
    ASCII ones, so a search by the ASCII code finds it), spaces and dashes removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[\s\u00a0\u2010-\u2015-]", "", nfkc(str(value)))


def _digits(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+", text))


def _check_digit(digits: str, weights) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def validate_inn(value, field: str = "ИНН") -> str | None:
    inn = _clean(value)
    if not inn:
        return None
    if not _digits(inn) or len(inn) not in (10, 12):
        raise ValidationError(field, "должен содержать 10 или 12 цифр")
    if len(inn) == 10:
        ok = _check_digit(inn, _INN10) == int(inn[9])
    else:
        ok = _check_digit(inn, _INN12_1) == int(inn[10]) and _check_digit(inn, _INN12_2) == int(
            inn[11]
        )
    if not ok:
        raise ValidationError(field, "неверное контрольное число")
    return inn


def validate_kpp(value, field: str = "КПП") -> str | None:
    kpp = _clean(value).upper()
    if not kpp:
        return None
    if not re.fullmatch(r"\d{4}[\dA-Z]{2}\d{3}", kpp):
        raise ValidationError(
            field, "должен содержать 9 знаков (4 цифры, 2 цифры или буквы, 3 цифры)"
        )
    return kpp


def validate_ogrn(value, field: str = "ОГРН") -> str | None:
    ogrn = _clean(value)
    if not ogrn:
        return None
    if not _digits(ogrn) or len(ogrn) not in (13, 15):
        raise ValidationError(field, "должен содержать 13 цифр (ОГРН) или 15 (ОГРНИП)")
    base, mod = (ogrn[:12], 11) if len(ogrn) == 13 else (ogrn[:14], 13)
    if int(base) % mod % 10 != int(ogrn[-1]):
        raise ValidationError(field, "неверное контрольное число")
    return ogrn


def validate_ogrnip(value, field: str = "ОГРНИП") -> str | None:
    """An individual entrepreneur's ОГРНИП: 15 digits, the last one the remainder of the
    first 14 by 13 (its last digit)."""
    ogrnip = _clean(value)
    if not ogrnip:
        return None
    if not _digits(ogrnip) or len(ogrnip) != 15:
        raise ValidationError(field, "должен содержать 15 цифр")
    if int(ogrnip[:14]) % 13 % 10 != int(ogrnip[-1]):
        raise ValidationError(field, "неверное контрольное число")
    return ogrnip


# what each kind of client may carry: INN length, KPP, ОГРН (13) or ОГРНИП (15)
KIND_REQUISITES = {
    "company": {"inn": 10, "kpp": True, "ogrn": 13, "who": "у организации"},
    "ip": {"inn": 12, "kpp": False, "ogrn": 15, "who": "у индивидуального предпринимателя"},
    "person": {"inn": 12, "kpp": False, "ogrn": None, "who": "у частного лица"},
}


def validate_requisites(kind: str, inn, kpp, ogrn, check) -> tuple:
    """INN, KPP and ОГРН/ОГРНИП as the kind of client wants them, each error under its own
    field through ``check`` (a Collector's check: the value, or None after noting the error).
    """
    rules = KIND_REQUISITES.get(kind, KIND_REQUISITES["company"])
    who = rules["who"]

    def inn_for_kind(value):
        inn_ = validate_inn(value)
        if inn_ and len(inn_) != rules["inn"]:
            raise ValidationError("ИНН", f"{who} должен содержать {rules['inn']} цифр")
        return inn_

    def kpp_for_kind(value):
        if not rules["kpp"] and _clean(value):
            raise ValidationError("КПП", f"{who} не заполняется")
        return validate_kpp(value) if rules["kpp"] else None

    def ogrn_for_kind(value):
        if rules["ogrn"] is None:
            if _clean(value):
                raise ValidationError("ОГРН", f"{who} не заполняется")
            return None
        if rules["ogrn"] == 15:
            return validate_ogrnip(value)
        ogrn_ = _clean(value)
        if ogrn_ and len(ogrn_) != 13:
            raise ValidationError("ОГРН", "должен содержать 13 цифр")
        return validate_ogrn(value)

    return check(inn_for_kind, inn), check(kpp_for_kind, kpp), check(ogrn_for_kind, ogrn)


def validate_bik(value, field: str = "БИК") -> str | None:
    bik = _clean(value)
    if not bik:
        return None
    if not re.fullmatch(r"04\d{7}", bik):
        raise ValidationError(field, "должен содержать 9 цифр и начинаться с 04")
    return bik


def _account_key_ok(prefix3: str, account: str) -> bool:
    digits = prefix3 + account
    return sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=False)) % 10 == 0


def _account(value, field: str) -> str | None:
    acc = _clean(value)
    if not acc:
        return None
    if not _digits(acc) or len(acc) != 20:
        raise ValidationError(field, "должен содержать 20 цифр")
    return acc


def validate_account(account, bik, field: str = "Расчётный счёт") -> str | None:
    """A settlement account, its key checked over the last 3 digits of the BIK."""
    acc = _account(account, field)
    if acc is None:
        return None
    bik = validate_bik(bik)
    if bik and not _account_key_ok(bik[-3:], acc):
        raise ValidationError(field, f"неверный контрольный ключ для БИК {bik}")
    return acc


def validate_corr_account(account, bik, field: str = "Корр. счёт") -> str | None:
    """A correspondent account, its key checked over "0" and digits 5-6 of the BIK."""
    acc = _account(account, field)
    if acc is None:
        return None
    bik = validate_bik(bik)
    if bik and not _account_key_ok("0" + bik[4:6], acc):
        raise ValidationError(field, f"неверный контрольный ключ для БИК {bik}")
    return acc


def validate_email(value, field: str = "Эл. почта") -> str | None:
    text = (value or "").strip() if not isinstance(value, (int, float)) else str(value)
    if not text:
        return None
    try:
        return _check_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError(field, f"неверный адрес электронной почты «{text}»") from exc


def is_valid(validator, *args) -> bool:
    try:
        validator(*args)
        return True
    except ValidationError:
        return False
