"""Bank statements, second half: decisions by hand, and loading the chosen payments.

``choose`` changes a line's match, ``create_client_from_payer`` makes a client of an unknown
payer from the statement's requisites, ``load_statement`` posts «Поступление оплаты»
documents. All of it runs in the caller's unit of work: a line that cannot be loaded stops
the load with a message naming it, and nothing of the statement is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from crmdesk.models import BankAccount, BankPayment, Client, Document, utcnow
from crmdesk.services import documents, rights
from crmdesk.services.bank import (
    LOADABLE,
    Line,
    OpenInvoice,
    Review,
    _loaded_keys,
    _open_invoices,
    dedup_key,
)
from crmdesk.services.clients import create_client
from crmdesk.services.context import Context
from crmdesk.services.errors import CrmError, NotFound, ValidationError
from crmdesk.services.money import format_money


def choose(ctx: Context, review: Review, no: int, client_id: int | None = None,
           invoice_ids: list[int] | None = None, skip: bool = False) -> Line:
    """The user's decision for line ``no``: a client (and its invoices), or skip it."""
    line = review.line(no)
    if line.status in ("outgoing", "duplicate", "foreign"):
        raise ValidationError("Строка", f"{line.title}: {line.reason.lower()}", no)
    if skip:
        line.load = False
        return line
    if client_id is None:
        raise ValidationError("Клиент", "не заполнено", no)
    client = ctx.session.get(Client, client_id)
    if client is None or client.deletion_mark:
        raise NotFound(f"Строка {no}: клиент с кодом {client_id} не найден или помечен на "
                       "удаление.")
    chosen: list[OpenInvoice] = []
    if invoice_ids:
        open_ = {i.id: i for i in _open_invoices(ctx.session, [client_id]).get(client_id, [])}
        for inv_id in invoice_ids:
            if inv_id not in open_:
                doc = ctx.session.get(Document, inv_id)
                what = doc.number if doc is not None else f"с кодом {inv_id}"
                raise ValidationError("Счёт", f"счёт {what} не открытый счёт клиента "
                                              f"«{client.name}»", no)
            chosen.append(open_[inv_id])
    line.client_id, line.client_name, line.invoices = client.id, client.name, chosen
    line.status = "invoice" if chosen else "client"
    line.reason = "Выбрано вручную" + (
        f": счёт {', '.join(i.number for i in chosen)}" if chosen
        else ": разносится по открытым счетам клиента начиная со старого, остаток — аванс")
    line.load = True
    return line


def create_client_from_payer(ctx: Context, review: Review, no: int) -> Client:
    """A new client from the payer's requisites in the statement; the line then pays it."""
    line = review.line(no)
    payer = line.doc.payer
    if line.status != "unknown":
        raise ValidationError("Плательщик", f"{line.title}: плательщик уже известен", no)
    from crmdesk.services.clients import kind_of

    kind = kind_of(payer.name, payer.inn)  # «ИП …» with a 12-digit INN: an ИП
    data = {
        "kind": kind,
        "name": payer.name or f"Плательщик ИНН {payer.inn}",
        "inn": payer.inn,
        "kpp": payer.kpp if kind == "company" else None,  # a person, an ИП: no KPP
        "source": "Банковская выписка",
    }
    bank = _bank_values(line)
    try:
        client = create_client(ctx, {**data, "bank_accounts": [bank]} if bank else data)
    except ValidationError:
        if not bank:
            raise
        client = create_client(ctx, data)  # the requisites as given are wrong: keep the rest
    line.client_id, line.client_name, line.invoices = client.id, client.name, []
    line.status, line.load = "client", True
    line.reason = "Новый клиент создан из реквизитов выписки; открытых счетов нет: аванс"
    return client


def _bank_values(line: Line) -> dict | None:
    p = line.doc.payer
    if not p.account:
        return None
    return {"bank_name": " ".join(x for x in (p.bank, p.bank_city) if x) or None,
            "bik": p.bik, "corr_account": p.corr_account, "account": p.account}


@dataclass
class LoadResult:
    payments: list[str] = field(default_factory=list)  # numbers of the documents made
    loaded: int = 0
    skipped: int = 0
    duplicates: int = 0
    total: object = None
    requisites_filled: int = 0

    def to_json(self) -> dict:
        return {"loaded": self.loaded, "skipped": self.skipped, "duplicates": self.duplicates,
                "total": str(self.total), "payments": self.payments,
                "requisites_filled": self.requisites_filled}


def load_statement(ctx: Context, review: Review) -> LoadResult:
    """Post every line chosen for loading; each bank payment is loaded at most once."""
    rights.require(ctx.user, rights.DOCUMENTS)
    result = LoadResult()
    chosen = [ln for ln in review.lines if ln.load and ln.status in LOADABLE]
    already = _loaded_keys(ctx.session, [ln.doc for ln in chosen])
    total = 0
    for line in review.lines:
        if line not in chosen:
            result.skipped += line.status != "duplicate"
            result.duplicates += line.status == "duplicate"
            continue
        if dedup_key(line.doc) in already:
            result.duplicates += 1
            continue
        try:
            made = _load_line(ctx, review, line)
            result.requisites_filled += _fill_requisites(ctx, line)
        except CrmError as exc:
            raise CrmError(f"Строка {line.no} ({line.title}, {line.doc.payer.name}, "
                           f"{format_money(line.doc.amount)}): {exc}") from exc
        already.add(dedup_key(line.doc))
        result.payments += [d.number for d in made]
        result.loaded += 1
        total += line.doc.amount
    result.total = format_money(total)
    return result


def _comment(line: Line, part: str = "") -> str:
    d = line.doc
    return (f"Банк: {d.kind.lower()} № {d.number} от {d.date:%d.%m.%Y}{part}, "
            f"{d.payer.name}. {d.purpose}").strip()


def _load_line(ctx: Context, review: Review, line: Line) -> list[Document]:
    doc = line.doc
    base = {"date": doc.booked, "payment_method": "bank"}
    parts: list[tuple[int | None, object]] = []
    if line.status == "invoice" and line.invoices:
        left = doc.amount
        for k, inv in enumerate(line.invoices):
            last = k == len(line.invoices) - 1
            owed = documents.invoice_remaining(ctx.session, inv.id)
            part = left if last else min(owed, left)
            if part > 0:
                parts.append((inv.id, part))
                left -= part
    else:
        parts.append((None, doc.amount))
    made = []
    for k, (inv_id, amount) in enumerate(parts, 1):
        suffix = f", часть {k} из {len(parts)}" if len(parts) > 1 else ""
        data = {**base, "total": amount, "comment": _comment(line, suffix)}
        pay = documents.create_document(ctx, "payment", line.client_id, data, basis_id=inv_id)
        documents.post(ctx, pay.id)
        made.append(pay)
    number, when, amount, account = dedup_key(doc)
    ctx.session.add(BankPayment(
        bank_number=number, bank_date=when, amount=amount, payer_account=account,
        payer_inn=doc.payer.inn, payer_name=doc.payer.name[:300],
        account=doc.payee.account, booked=doc.booked, purpose=doc.purpose,
        outcome=line.status, client_id=line.client_id, file_name=review.file_name,
        loaded_at=utcnow(), loaded_by_id=ctx.user.id, documents=made,
    ))
    ctx.session.flush()
    return made


def _fill_requisites(ctx: Context, line: Line) -> int:
    """The payer's KPP and bank account from the statement fill empty ones on the card."""
    client = ctx.session.get(Client, line.client_id)
    payer, changed = line.doc.payer, 0
    if not client.kpp and payer.kpp and client.kind == "company":
        client.kpp, changed = payer.kpp, 1
    values = _bank_values(line)
    if values:
        same = next((b for b in client.bank_accounts if b.account == payer.account), None)
        if same is None and not client.bank_accounts:
            client.bank_accounts.append(BankAccount(**values))
            changed = 1
        elif same is not None:
            for key, value in values.items():
                if value and not getattr(same, key):
                    setattr(same, key, value)
                    changed = 1
    if changed:
        ctx.session.flush()
    return changed


def loaded_payments(ctx: Context, limit: int = 50, offset: int = 0) -> list[BankPayment]:
    """The journal of loaded bank payments, newest first, a page at a time."""
    rights.require(ctx.user, rights.VIEW_ALL)
    return list(ctx.session.scalars(
        select(BankPayment).order_by(BankPayment.loaded_at.desc(), BankPayment.id.desc())
        .limit(limit).offset(offset)))


__all__ = ["LoadResult", "choose", "create_client_from_payer", "load_statement",
           "loaded_payments"]
