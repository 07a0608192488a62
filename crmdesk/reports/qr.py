"""The payment QR code of an invoice (ГОСТ Р 56042-2014), which banking apps scan to pay.

The text is ``ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|PayeeINN=…|KPP=…|
Sum=<kopecks>|Purpose=…``: «ST», version «0001», «2» = UTF-8, then «|»-separated fields
(the five first are mandatory). A value may not contain «|»; the standard limits lengths
(Name 160, BankName 45, Purpose 210). The picture is drawn by ``segno``.
"""

from __future__ import annotations

import io
from decimal import Decimal

from crmdesk.models import Document, Organization
from crmdesk.reports.words import rate_text, short_date
from crmdesk.services.money import format_money
from crmdesk.services.settings import get_setting

SETTING = "invoice_qr"  # a setting: False turns the code off on every invoice
HEADER = "ST00012"
LIMITS = {"Name": 160, "BankName": 45, "Purpose": 210}
REQUIRED = ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc")


def _clean(value: str) -> str:
    return " ".join(str(value).replace("|", "/").split())


def purpose(doc: Document) -> str:
    """«Оплата по счёту № СЧ-2026-000123 от 01.12.2026, в т.ч. НДС (22%) 21 350,82»."""
    text = f"Оплата по счёту № {doc.number} от {short_date(doc.date)}"
    rates = {ln.vat_rate for ln in doc.lines if ln.vat_rate is not None}
    if doc.vat_mode == "none" or not doc.vat_total:
        return text + ", НДС не облагается"
    rate = f" ({rate_text(next(iter(rates)))}%)" if len(rates) == 1 else ""
    return text + f", в т.ч. НДС{rate} {format_money(doc.vat_total).replace(chr(160), ' ')}"


def payload(org: Organization, doc: Document) -> str | None:
    """The code's text; None when the organization's bank requisites are not filled."""
    fields = {
        "Name": org.full_name or org.name,
        "PersonalAcc": org.account,
        "BankName": org.bank_name,
        "BIC": org.bik,
        "CorrespAcc": org.corr_account,
        "PayeeINN": org.inn,
        "KPP": org.kpp,
        "Sum": str(int((Decimal(doc.total) * 100).to_integral_value())),
        "Purpose": purpose(doc),
    }
    if any(not fields[k] for k in REQUIRED):
        return None
    parts = [HEADER]
    for key, value in fields.items():
        if value:
            value = _clean(value)[: LIMITS.get(key, 300)]
            parts.append(f"{key}={value}")
    return "|".join(parts)


def parse_payload(text: str) -> dict[str, str]:
    """The fields of a code's text (what a banking app reads)."""
    head, *items = text.split("|")
    if head != HEADER:
        raise ValueError(f"not a ГОСТ Р 56042 payment code: {head!r}")
    return dict(item.split("=", 1) for item in items)


def qr_png(text: str, scale: int = 8) -> bytes:
    """The code as a PNG picture, error correction M, with the quiet zone."""
    import segno

    code = segno.make_qr(text, error="m", encoding="utf-8")
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def invoice_qr(session, org: Organization, doc: Document) -> bytes | None:
    """The invoice's QR picture, or None when turned off or the requisites are missing."""
    if get_setting(session, SETTING) is False:
        return None
    text = payload(org, doc)
    return qr_png(text) if text else None


__all__ = ["SETTING", "invoice_qr", "parse_payload", "payload", "purpose", "qr_png"]
