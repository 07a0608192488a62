"""One row of a file → the client it describes, with the problems found in it.

The policy: a row naming nobody (no name, phone or e-mail) is rejected; a wrong value
(INN, KPP, OGRN, e-mail, phone, date) is left out, kept in the client's comment and
reported as a warning; everything else is taken as it is, cleaned of stray spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from crmdesk.services.errors import ValidationError
from crmdesk.services.imports import report as R
from crmdesk.services.imports.columns import FIELDS, label_columns, match_header
from crmdesk.services.phones import format_phone, normalize_phone, split_phones
from crmdesk.services.search import normalize
from crmdesk.services.validation import validate_email, validate_inn, validate_kpp, validate_ogrn

_LEGAL = re.compile(
    r"^\s*(ООО|ОАО|ЗАО|ПАО|АО|НАО|ИП|ТОО|ГУП|МУП|ФГУП|НКО|АНО|ОО|ТСЖ|СНТ|КФХ|LLC|Ltd|Inc|GmbH)"
    r"(?=[\s«\"'.,]|$)",
    re.IGNORECASE,
)
_IP = re.compile(r"^\s*(ИП|индивидуальный предприниматель)(?=[\s«\"'.,]|$)", re.IGNORECASE)
_PERSON = re.compile(r"^[А-ЯЁA-Z][а-яёa-z\-]+(?: [А-ЯЁA-Z][а-яёa-z\-]+){1,2}$")
_MULTI = re.compile(r"\s*:::\s*")
_GROUP_SPLIT = re.compile(r"\s*(?::::|[;,\n])\s*")
_EMAIL_SPLIT = re.compile(r"\s*(?::::|[,;\s])\s*")
_CONTACT_SPLIT = re.compile(r"\s*(?::::|[;\n])\s*")
_CONTACT = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
EMAIL_MAX = 200  # client_emails.email
SINGLE = (
    "name",
    "full_name",
    "last_name",
    "first_name",
    "middle_name",
    "company",
    "kind",
    "position",
    "manager",
    "source",
    "status",
)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_SIMPLE_EMAIL = re.compile(rf"^({_ATOM}(?:\.{_ATOM})*)@([A-Za-z0-9.-]+)$")
try:  # mailbox names validate_email gives in lower case (postmaster, sales…)
    from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES as _NAMES

    _CASE_FOLDED = frozenset(n.lower() for n in _NAMES)
except ImportError:  # another version: only all-lower-case local parts take the short way
    _CASE_FOLDED = type("Every", (), {"__contains__": lambda self, x: True})()
SYSTEM_LABELS = {"mycontacts", "starred", "friends", "family", "coworkers"}
DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y.%m.%d", "%Y%m%d")
_EXCEL_EPOCH = datetime(1899, 12, 30)
# consent columns: what a yes and a no look like in a file
YES = frozenset("да|yes|y|д|1|+|true|истина|согласен|согласна|есть|v|x|✓|✔".split("|"))
NO = frozenset("нет|no|n|н|0|-|—|false|ложь|не согласен|не согласна|отказ".split("|"))
BAD_FLAG = "not a yes/no value"


def text_of(value) -> str:
    """A cell as text: numbers without '.0', dates as dd.mm.yyyy, spaces folded."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return (
            value.strftime("%d.%m.%Y")
            if not (value.hour or value.minute)
            else (value.strftime("%d.%m.%Y %H:%M"))
        )
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value).strip()


def one_line(value) -> str:
    return " ".join(text_of(value).split())


def parse_date(value) -> date | None:
    """A date typed or stored any usual way; None when empty, ValueError when unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 100000:  # an Excel serial day
            return (_EXCEL_EPOCH + timedelta(days=float(value))).date()
        raise ValueError(value)
    text = str(value).strip()
    if not text or text.startswith("--"):  # vCard birthday without a year
        return None
    text = re.split(r"[ T]", text, maxsplit=1)[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def guess_kind(name: str, inn: str | None, given: str | None = None) -> str:
    """company | ip | person: a stated kind, a legal form, the INN length, the look of a FIO.

    An ИП: stated as «ИП», «ип», «Индивидуальный предприниматель», or a name beginning with
    «ИП» and an INN of 12 digits (or none)."""
    if given:
        g = given.casefold()
        if re.search(r"(?<![а-яё])ип(?![а-яё])|предприним|entrepreneur|sole", g):
            return "ip"
        if any(w in g for w in ("физ", "частн", "person", "individual")):
            return "person"
        if any(w in g for w in ("юр", "орг", "компан", "company", "ип")):
            return "company"
    if _IP.match(name or "") and (not inn or len(inn) == 12):
        return "ip"
    if _LEGAL.match(name or ""):
        return "company"
    if inn and len(inn) == 10:
        return "company"
    if inn and len(inn) == 12:
        return "person"
    name = name or ""
    if _PERSON.match(name) or (name.isupper() and _PERSON.match(name.title())):
        return "person"
    return "company"


@dataclass
class ClientRow:
    """What one row says about a client, cleaned and checked."""

    row: int
    name: str = ""
    kind: str = "company"
    full_name: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    source: str | None = None
    status: str | None = None
    comment: list[str] = field(default_factory=list)  # lines of the comment columns
    lost: list[str] = field(default_factory=list)  # values left out, kept in the comment
    phones: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    emails: list[tuple[str, str | None]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    manager: str | None = None
    manager_field: str = ""
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    contacts: list[dict] = field(default_factory=list)
    created: date | None = None
    last_contact: tuple[date, str] | None = None  # (date, the column's name)
    consent_email: bool | None = None  # None: the file does not say
    consent_sms: bool | None = None
    issues: list[R.ReportRow] = field(default_factory=list)
    # raw values under which the row may match a stored client: key → (column, raw)
    key_sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    rejected: bool = False

    def keys(self) -> list[str]:
        """Duplicate keys in the order they are trusted: INN, phones, e-mails; a row with
        none of them is known by its name (so importing it again adds no duplicate)."""
        out = [f"i:{self.inn}"] if self.inn else []
        out += [phone_key(e, x) for e, x, _ in self.phones]
        out += [f"e:{e.lower()}" for e, _ in self.emails]
        if not out and self.name:
            out.append(f"n:{normalize(self.name)[:300]}")
        return out

    @property
    def comment_text(self) -> str | None:
        text = "\n".join(line for line in self.comment + self.lost if line)
        return text or None


def phone_key(e164: str, ext: str | None) -> str:
    return f"p:{e164};{ext}" if ext else f"p:{e164}"


def key_reason(key: str) -> tuple[str, str]:
    return {
        "i": (R.SAME_INN, "совпадает ИНН"),
        "p": (R.SAME_PHONE, "совпадает телефон"),
        "e": (R.SAME_EMAIL, "совпадает e-mail"),
        "n": (R.SAME_NAME, "нет ни телефона, ни ИНН, ни e-mail, совпадает наименование"),
    }[key[0]]


class RowParser:
    """Turns rows of one sheet into ``ClientRow`` under a column mapping."""

    def __init__(self, headers: list[str], mapping: dict[int, str], region: str = "RU"):
        self.headers = headers
        self.region = region
        self.cols: dict[str, list[int]] = {}
        for i, code in sorted(mapping.items()):
            if code in FIELDS:
                self.cols.setdefault(code, []).append(i)
        self.labels = label_columns(headers)
        self.custom = self.cols.get("custom", [])
        self.email_domains: dict[str, str] = {}  # domain → its normalized form, once checked

    def header(self, i: int) -> str:
        return self.headers[i] if i < len(self.headers) and self.headers[i] else f"#{i + 1}"

    def _first(self, cells: list, code: str) -> tuple[str, str]:
        """(value, column) of the first non-empty column holding ``code``."""
        for column, raw, _label in self._values(cells, code):
            value = one_line(raw)
            if value:
                return value, column
        return "", ""

    def _values(self, cells: list, code: str):
        """(column name, raw cell, label) of every non-empty column mapped to ``code``."""
        if code not in self.cols and not self.custom:
            return
        for i in self.cols.get(code, ()):
            raw = cells[i] if i < len(cells) else None
            if raw is not None and text_of(raw):
                label = None
                if i in self.labels and self.labels[i] < len(cells):
                    label = one_line(cells[self.labels[i]]).lstrip("* ").strip()[:50] or None
                yield self.header(i), raw, label
        for i in self.custom:  # Google's "Custom Field N - Value" by label
            label_i = self.labels.get(i)
            if label_i is None or label_i >= len(cells):
                continue
            if match_header(cells[label_i]) == code and text_of(
                cells[i] if i < len(cells) else None
            ):
                yield one_line(cells[label_i]), cells[i], None

    def _email(self, text: str, column: str) -> str | None:
        """``validate_email``, skipping the domain check for a domain already found good.

        A plain ASCII local part (letters, digits, ``.!#$%&'*+/=?^_`{|}~-`` without leading,
        trailing or double dots) at a domain ``validate_email`` accepted before is accepted
        the same way (the domain normalized as it was then): tens of thousands of
        addresses at a few dozen domains are checked once per domain.
        """
        m = _SIMPLE_EMAIL.match(text)
        if m and len(text) <= 254 and len(m.group(1)) <= 64:
            domain = self.email_domains.get(m.group(2).lower())
            if domain is not None:
                local = m.group(1)
                if local == local.lower() or local.lower() not in _CASE_FOLDED:
                    return f"{local}@{domain}"
        email = validate_email(text, field=column)
        if m and email:
            self.email_domains[m.group(2).lower()] = email.rsplit("@", 1)[1]
        return email

    def _warn(self, out: ClientRow, column: str, raw: str, reason: str, exc_message: str) -> None:
        out.issues.append(
            R.ReportRow(
                out.row,
                R.WARNING,
                column,
                raw,
                reason,
                str(ValidationError(column, exc_message, row=out.row)),
            )
        )
        out.lost.append(f"{column}: «{raw}» не загружено — {exc_message}")

    def _checked(self, out: ClientRow, cells: list, code: str, validator, reason: str):
        for column, raw, _label in self._values(cells, code):
            try:
                return validator(raw, field=column)
            except ValidationError as exc:
                self._warn(out, column, one_line(raw), reason, exc.message)
        return None

    def _date(self, out: ClientRow, cells: list, code: str) -> tuple[date, str] | None:
        for column, raw, _label in self._values(cells, code):
            try:
                value = parse_date(raw)
            except ValueError:
                self._warn(out, column, one_line(raw), R.BAD_DATE, "неверная дата")
                continue
            if value is not None:
                return value, column
        return None

    def _flag(self, out: ClientRow, cells: list, code: str) -> bool | None:
        """A yes/no column: да/yes/1/+ → True, нет/no/0/- → False, empty → None; anything
        else is a warning and counts as not said."""
        for column, raw, _label in self._values(cells, code):
            if isinstance(raw, bool):
                return raw
            text = one_line(raw).casefold().replace("ё", "е")
            if not text:
                continue
            if text in YES:
                return True
            if text in NO:
                return False
            self._warn(out, column, one_line(raw), BAD_FLAG, "ожидается «да» или «нет»")
        return None

    def parse(self, n: int, cells: list) -> ClientRow:
        out = ClientRow(row=n)
        single = {
            code: self._first(cells, code) if code in self.cols or self.custom else ("", "")
            for code in SINGLE
        }
        # phones: several per cell, each with its extension
        for column, raw, label in self._values(cells, "phone"):
            for part in split_phones(raw):
                try:
                    phone = normalize_phone(part, region=self.region, field=column)
                except ValidationError as exc:
                    self._warn(out, column, part, R.BAD_PHONE, exc.message)
                    continue
                if phone and all((phone.e164, phone.ext) != (e, x) for e, x, _ in out.phones):
                    out.phones.append((phone.e164, phone.ext, label))
                    out.key_sources.setdefault(phone_key(phone.e164, phone.ext), (column, part))
        for column, raw, label in self._values(cells, "email"):
            for part in _EMAIL_SPLIT.split(text_of(raw)):
                if not part:
                    continue
                try:
                    if len(part) > EMAIL_MAX:
                        raise ValidationError(column, f"адрес длиннее {EMAIL_MAX} знаков")
                    email = self._email(part, column)
                except ValidationError as exc:
                    self._warn(out, column, part, R.BAD_EMAIL, exc.message)
                    continue
                if email and all(email.lower() != e.lower() for e, _ in out.emails):
                    out.emails.append((email, label))
                    out.key_sources.setdefault(f"e:{email.lower()}", (column, part))
        out.inn = self._checked(
            out, cells, "inn", _numeric_zeros(validate_inn, (10, 12)), R.BAD_INN
        )
        if out.inn:
            column = next(c for c, _r, _l in self._values(cells, "inn"))
            out.key_sources[f"i:{out.inn}"] = (column, out.inn)
        out.kpp = self._checked(out, cells, "kpp", _numeric_zeros(validate_kpp, (9,)), R.BAD_KPP)
        out.ogrn = self._checked(out, cells, "ogrn", validate_ogrn, R.BAD_OGRN)
        for _column, raw, _label in self._values(cells, "group"):
            for g in _GROUP_SPLIT.split(text_of(raw)):
                g = " ".join(g.split())
                if g and not g.startswith("*") and g.casefold() not in SYSTEM_LABELS:
                    if g not in out.groups:
                        out.groups.append(g)
        for column, raw, label in self._values(cells, "address"):
            kind = _address_kind(f"{column} {label or ''}")
            for a in _MULTI.split(text_of(raw)):
                a = ", ".join(p.strip(" ,") for p in a.splitlines() if p.strip(" ,"))
                if a and (kind, a) not in out.addresses:
                    out.addresses.append((kind, a))
        for _column, raw, _label in self._values(cells, "contact"):
            for c in _CONTACT_SPLIT.split(text_of(raw)):
                c = " ".join(c.split())
                if not c:
                    continue
                m = _CONTACT.match(c)
                person = (
                    {"name": m.group(1)[:200], "position": m.group(2)[:200] or None}
                    if m
                    else {"name": c[:200], "position": None}
                )
                if person["name"]:
                    out.contacts.append(person)
        for _column, raw, _label in self._values(cells, "comment"):
            text = text_of(raw).replace("\r\n", "\n").strip()
            if text and text not in out.comment:
                out.comment.append(text)
        created = self._date(out, cells, "created")
        out.created = created[0] if created else None
        out.last_contact = self._date(out, cells, "last_contact")
        birthday = self._date(out, cells, "birthday")
        both = self._flag(out, cells, "consent")
        out.consent_email = _first_said(self._flag(out, cells, "consent_email"), both)
        out.consent_sms = _first_said(self._flag(out, cells, "consent_sms"), both)
        self._compose(out, single, birthday)
        # the columns' lengths: a longer value is cut, never a reason for the import to fail
        out.source = single["source"][0][:100] or None
        out.status = single["status"][0][:50] or None
        out.full_name = single["full_name"][0][:500] or None
        out.manager, out.manager_field = single["manager"][0] or None, single["manager"][1]
        if not out.name:
            self._reject(out, cells)
        elif not (out.inn or out.phones or out.emails):
            named = [c for c in ("name", "company", "last_name", "first_name") if c in self.cols]
            column = self.header(self.cols[named[0]][0]) if named else ""
            out.key_sources[f"n:{normalize(out.name)[:300]}"] = (column, out.name)
        return out

    def _compose(self, out: ClientRow, single: dict, birthday) -> None:
        """Client name and kind, contact person: a company with its contact, or a person."""
        name = single["name"][0]
        company = single["company"][0]
        person = " ".join(
            x
            for x in (single["last_name"][0], single["first_name"][0], single["middle_name"][0])
            if x
        )
        if company:
            out.name, contact = company, (name or person)
        else:
            out.name = name or person
            contact = person if name and person and person != name else ""
        if contact and contact != out.name and all(c["name"] != contact for c in out.contacts):
            out.contacts.insert(0, {"name": contact, "position": None})
        position = single["position"][0]
        if position and out.contacts and not out.contacts[0].get("position"):
            out.contacts[0]["position"] = position[:200]
        if birthday:
            if out.contacts:
                out.contacts[0]["birthday"] = birthday[0]
            else:
                out.comment.append(f"Дата рождения: {birthday[0]:%d.%m.%Y}")
        if not out.name and (out.phones or out.emails):
            out.name = (
                out.contacts[0]["name"]
                if out.contacts
                else out.emails[0][0]
                if out.emails
                else format_phone(out.phones[0][0], out.phones[0][1])
            )
        out.name = out.name[:300]
        given = single["kind"][0] or None
        out.kind = "company" if company and not given else guess_kind(out.name, out.inn, given)

    def _reject(self, out: ClientRow, cells: list) -> None:
        column = ""
        for code in ("name", "company", "last_name", "first_name"):
            if self.cols.get(code):
                column = self.header(self.cols[code][0])
                break
        shown = "; ".join(one_line(c) for c in cells if one_line(c))
        out.rejected = True
        out.issues = [
            R.ReportRow(
                out.row,
                R.REJECTED,
                column or "Наименование",
                shown[:500],
                R.NO_IDENTITY,
                f"Строка {out.row}: нет ни наименования, ни телефона, ни e-mail — строка "
                "не загружена",
            )
        ]


def _first_said(*values: bool | None) -> bool | None:
    return next((v for v in values if v is not None), None)


def _numeric_zeros(validator, lengths: tuple[int, ...]):
    """A validator that first gives back the leading zero Excel drops from a code kept as a
    number (ИНН 0274062111 → 274062111): a numeric cell one digit short is padded, and
    taken when the check digits then agree."""

    def check(raw, field: str):
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            digits = text_of(raw)
            for n in lengths:
                if digits.isdigit() and len(digits) == n - 1:
                    try:
                        return validator(digits.zfill(n), field=field)
                    except ValidationError:
                        break
        return validator(raw, field=field)

    return check


def _address_kind(column: str) -> str:
    c = column.casefold()
    if "юрид" in c or "legal" in c:
        return "legal"
    if "доставк" in c or "delivery" in c:
        return "delivery"
    return "actual"
