"""Bank statements in the 1C client-bank exchange format (``1CClientBankExchange``, kl_to_1c.txt).

The file is text, one ``Key=Value`` per line: a header (ВерсияФормата, Кодировка, РасчСчет …),
then the sections «СекцияРасчСчет … КонецРасчСчет» (balances of each account) and
«СекцияДокумент=<kind> … КонецДокумента» (one payment document each: платёжное поручение,
банковский ордер, мемориальный ордер, инкассовое поручение …), then «КонецФайла».
Versions 1.01–1.03 are read alike; the encoding is the one the header's «Кодировка» names
(Windows = cp1251, DOS = cp866, UTF-8); line ends may be CRLF or LF; the fields of a section
come in any order and unknown ones are kept in ``fields`` but otherwise ignored.

Nothing here knows the database: ``parse_statement(bytes) -> Statement``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from crmdesk.services.errors import CrmError

SIGNATURE = "1CClientBankExchange"
ENCODINGS = {"windows": "cp1251", "dos": "cp866", "utf-8": "utf-8", "utf8": "utf-8"}


class StatementError(CrmError):
    """The file is not a statement in the 1C exchange format, or a line of it is broken."""


@dataclass
class Party:
    """The payer or the payee of a payment document, as the bank wrote them."""

    name: str = ""
    inn: str | None = None
    kpp: str | None = None
    account: str | None = None
    bank: str | None = None
    bank_city: str | None = None
    bik: str | None = None
    corr_account: str | None = None


@dataclass
class BankDocument:
    """One «СекцияДокумент»: a payment as the bank booked it."""

    kind: str  # «Платежное поручение», «Банковский ордер» …
    number: str
    date: date
    amount: Decimal
    payer: Party
    payee: Party
    purpose: str
    line: int  # the line of the file where the section starts
    debited: date | None = None  # ДатаСписано
    credited: date | None = None  # ДатаПоступило
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def booked(self) -> date:
        """The day the money moved: credited (incoming), else debited, else the document's."""
        return self.credited or self.debited or self.date


@dataclass
class AccountSection:
    account: str
    date_from: date | None = None
    date_to: date | None = None
    opening: Decimal | None = None
    received: Decimal | None = None
    paid: Decimal | None = None
    closing: Decimal | None = None


@dataclass
class Statement:
    version: str
    encoding: str
    sender: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    accounts: list[str] = field(default_factory=list)
    sections: list[AccountSection] = field(default_factory=list)
    documents: list[BankDocument] = field(default_factory=list)

    def own_accounts(self) -> set[str]:
        return set(self.accounts) | {s.account for s in self.sections}


def detect_encoding(data: bytes) -> str:
    """The Python codec of the file: from «Кодировка=…» in the header, else a guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    head = data[:4096]
    for codec in ("cp1251", "utf-8", "cp866"):
        key = "Кодировка=".encode(codec)
        pos = head.find(key)
        if pos >= 0:
            end = head.find(b"\n", pos)
            value = head[pos + len(key): end if end >= 0 else None].decode("ascii", "replace")
            name = value.strip().lower()
            if name in ENCODINGS:
                return ENCODINGS[name]
            raise StatementError(f"Кодировка «{value.strip()}» выписки не поддерживается: "
                                 "ожидается Windows, DOS или UTF-8.")
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1251"


def _date(value: str, line: int, key: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})", value)
    try:
        if m is None:
            raise ValueError(value)
        d, mo, y = (int(g) for g in m.groups())
        return date(y + 2000 if y < 100 else y, mo, d)
    except ValueError:
        raise StatementError(
            f"Строка {line}: поле «{key}» заполнено неверно: «{value}» — не дата ДД.ММ.ГГГГ."
        ) from None


def _amount(value: str, line: int, key: str) -> Decimal | None:
    value = value.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise StatementError(
            f"Строка {line}: поле «{key}» заполнено неверно: «{value}» — не сумма."
        ) from None
    if not amount.is_finite():
        raise StatementError(f"Строка {line}: поле «{key}» заполнено неверно: «{value}».")
    return amount.quantize(Decimal("0.01"))


def _party(f: dict[str, str], who: str) -> Party:
    """«Плательщик…» or «Получатель…» fields as a Party (the name without its «ИНН …»)."""
    name = f.get(f"{who}1") or f.get(who) or ""
    name = re.sub(r"^\s*ИНН\s*\d{10,12}\s*", "", name).strip()
    bank = " ".join(x for x in (f.get(f"{who}Банк1"),) if x) or None
    return Party(
        name=name,
        inn=f.get(f"{who}ИНН", "").strip() or None,
        kpp=(f.get(f"{who}КПП", "").strip() or None),
        account=(f.get(f"{who}РасчСчет") or f.get(f"{who}Счет") or "").strip() or None,
        bank=bank,
        bank_city=f.get(f"{who}Банк2") or None,
        bik=f.get(f"{who}БИК", "").strip() or None,
        corr_account=f.get(f"{who}Корсчет", "").strip() or None,
    )


def _purpose(f: dict[str, str]) -> str:
    """«НазначениеПлатежа», or its old split form НазначениеПлатежа1…6 joined."""
    parts = [f.get("НазначениеПлатежа", "")]
    parts += [f.get(f"НазначениеПлатежа{i}", "") for i in range(1, 7)]
    return " ".join(p.strip() for p in parts if p and p.strip())


def _document(kind: str, f: dict[str, str], line: int) -> BankDocument:
    missing = [k for k in ("Номер", "Дата", "Сумма") if not f.get(k, "").strip()]
    if missing:
        raise StatementError(
            f"Строка {line}: документ «{kind}»: поле «{missing[0]}» не заполнено."
        )
    amount = _amount(f["Сумма"], line, "Сумма")
    return BankDocument(
        kind=kind,
        number=f["Номер"].strip(),
        date=_date(f["Дата"], line, "Дата"),
        amount=amount,
        payer=_party(f, "Плательщик"),
        payee=_party(f, "Получатель"),
        purpose=_purpose(f),
        line=line,
        debited=_date(f.get("ДатаСписано", ""), line, "ДатаСписано"),
        credited=_date(f.get("ДатаПоступило", ""), line, "ДатаПоступило"),
        fields=dict(f),
    )


def parse_statement(data: bytes, name: str = "выписка") -> Statement:
    """Read a whole statement file; a broken one raises StatementError naming the line."""
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise StatementError(
            f"Файл «{name}» не читается в кодировке {encoding}: байт {exc.start}."
        ) from None
    lines = text.splitlines()
    if not lines or lines[0].strip().lstrip("\ufeff") != SIGNATURE:
        raise StatementError(
            f"Файл «{name}» — не выписка в формате обмена с клиент-банком "
            f"(первая строка должна быть «{SIGNATURE}»)."
        )
    st = Statement(version="", encoding=encoding)
    section: str | None = None  # None (header) | "account" | "document"
    kind, start, fields = "", 0, {}
    ended = False
    for no, raw in enumerate(lines[1:], 2):
        line = raw.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if key == "КонецФайла":
            ended = True
            break
        if key == "СекцияРасчСчет":
            section, start, fields = "account", no, {}
            continue
        if key == "СекцияДокумент":
            if section == "document":
                raise StatementError(f"Строка {start}: документ без «КонецДокумента».")
            section, kind, start, fields = "document", value.strip(), no, {}
            continue
        if key == "КонецРасчСчет" and section == "account":
            st.sections.append(
                AccountSection(
                    account=fields.get("РасчСчет", "").strip(),
                    date_from=_date(fields.get("ДатаНачала", ""), start, "ДатаНачала"),
                    date_to=_date(fields.get("ДатаКонца", ""), start, "ДатаКонца"),
                    opening=_amount(fields.get("НачальныйОстаток", ""), start,
                                    "НачальныйОстаток"),
                    received=_amount(fields.get("ВсегоПоступило", ""), start, "ВсегоПоступило"),
                    paid=_amount(fields.get("ВсегоСписано", ""), start, "ВсегоСписано"),
                    closing=_amount(fields.get("КонечныйОстаток", ""), start, "КонечныйОстаток"),
                )
            )
            section = None
            continue
        if key == "КонецДокумента" and section == "document":
            st.documents.append(_document(kind, fields, start))
            section = None
            continue
        if not sep:
            continue  # a line that is not Key=Value: ignored, as 1C does
        if section is not None:
            fields[key] = value
        elif key == "ВерсияФормата":
            st.version = value.strip()
        elif key == "Отправитель":
            st.sender = value.strip()
        elif key == "ДатаНачала":
            st.date_from = _date(value, no, key)
        elif key == "ДатаКонца":
            st.date_to = _date(value, no, key)
        elif key == "РасчСчет" and value.strip():
            st.accounts.append(value.strip())
    if section == "document":
        raise StatementError(f"Строка {start}: документ «{kind}» без «КонецДокумента» — "
                             "файл выписки обрезан.")
    if not ended and section is not None:
        raise StatementError(f"Файл «{name}» обрезан: нет «КонецФайла».")
    return st


__all__ = [
    "AccountSection",
    "BankDocument",
    "Party",
    "Statement",
    "StatementError",
    "detect_encoding",
    "parse_statement",
]
