"""Bank statements: match each incoming payment to an invoice or a client, then load them.

``review_statement(ctx, statement)`` proposes, for every payment document of the statement,
what to do with it and why, writing nothing; the proposals can be changed by hand
(``choose``, ``create_client_from_payer``); ``load_statement(ctx, review)`` posts the
chosen ones as «Поступление оплаты» documents, fills empty bank requisites of the clients
and remembers each loaded payment so that no file loads it twice.

Matching, in order: the invoice numbers written in the purpose (``bank_purpose``), then the
payer's INN (and KPP) against the clients, then the sum against the client's open invoices.
Lookups are made in batches (a query per 500 lines), so a statement of thousands of lines
costs a few dozen queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from crmdesk.integrations.bank_1c import BankDocument, Statement
from crmdesk.models import BankPayment, Client, Document, Organization, Settlement
from crmdesk.services import bank_purpose, rights
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.money import ZERO, format_money
from crmdesk.services.numbering import format_number
from crmdesk.services.settings import get_setting

CHUNK = 500
OWN_ACCOUNTS_KEY = "bank_own_accounts"  # a setting: accounts besides the organization's one

STATUSES = {
    "invoice": "Оплата счёта",
    "client": "Оплата от клиента",
    "unknown": "Неизвестный плательщик",
    "other": "Возврат / прочее",
    "outgoing": "Списание",
    "duplicate": "Уже загружено",
    "foreign": "Не наш счёт",
}
LOADABLE = ("invoice", "client")


@dataclass
class OpenInvoice:
    id: int
    number: str
    client_id: int
    due: date | None
    total: Decimal
    vat: Decimal
    remaining: Decimal


@dataclass
class Line:
    """One payment document of the statement and what is proposed for it."""

    no: int
    doc: BankDocument
    status: str
    reason: str
    client_id: int | None = None
    client_name: str | None = None
    invoices: list[OpenInvoice] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    load: bool = False

    @property
    def title(self) -> str:
        return f"п/п № {self.doc.number} от {self.doc.date:%d.%m.%Y}"

    def to_json(self) -> dict:
        d = self.doc
        return {
            "no": self.no,
            "number": d.number,
            "date": d.date.isoformat(),
            "amount": str(d.amount),
            "payer": d.payer.name,
            "payer_inn": d.payer.inn,
            "purpose": d.purpose,
            "status": self.status,
            "status_text": STATUSES[self.status],
            "client_id": self.client_id,
            "client": self.client_name,
            "invoices": [i.number for i in self.invoices],
            "reason": self.reason,
            "warnings": self.warnings,
            "load": self.load,
        }


@dataclass
class Review:
    statement: Statement
    file_name: str | None
    lines: list[Line]

    def line(self, no: int) -> Line:
        for ln in self.lines:
            if ln.no == no:
                return ln
        raise ValidationError("Строка", f"нет строки {no} в выписке")

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for ln in self.lines:
            out[ln.status] += 1
        return dict(out)


def own_accounts(session) -> set[str]:
    org = session.scalar(select(Organization).order_by(Organization.id).limit(1))
    accounts = {org.account} if org is not None and org.account else set()
    accounts |= {str(a) for a in (get_setting(session, OWN_ACCOUNTS_KEY) or [])}
    return accounts


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def dedup_key(doc: BankDocument) -> tuple[str, date, Decimal, str]:
    return (doc.number.strip(), doc.date, doc.amount, doc.payer.account or "")


def _loaded_keys(session, docs: list[BankDocument]) -> set[tuple]:
    keys = set()
    numbers = sorted({d.number.strip() for d in docs})
    for part in _chunks(numbers):
        rows = session.execute(
            select(BankPayment.bank_number, BankPayment.bank_date, BankPayment.amount,
                   BankPayment.payer_account).where(BankPayment.bank_number.in_(part))
        )
        keys |= {tuple(r) for r in rows}
    return keys


def _clients_by_inn(session, inns: list[str]) -> dict[str, list[tuple[int, str | None, str]]]:
    out: dict[str, list] = defaultdict(list)
    for part in _chunks(sorted(set(inns))):
        rows = session.execute(
            select(Client.inn, Client.id, Client.kpp, Client.name)
            .where(Client.inn.in_(part), Client.deletion_mark.is_(False))
            .order_by(Client.id)
        )
        for inn, cid, kpp, name in rows:
            out[inn].append((cid, kpp, name))
    return out


def _remaining_query():
    return (
        select(Document.id, Document.number, Document.client_id, Document.due_date,
               Document.total, Document.vat_total, func.sum(Settlement.amount))
        .join(Settlement, Settlement.invoice_id == Document.id)
        .where(Document.doc_type == "invoice", Document.posted.is_(True),
               Document.deletion_mark.is_(False))
        .group_by(Document.id, Document.number, Document.client_id, Document.due_date,
                  Document.total, Document.vat_total)
    )


def _open_invoices(session, client_ids: list[int]) -> dict[int, list[OpenInvoice]]:
    """The client's posted invoices still owed, oldest (by due date) first."""
    out: dict[int, list[OpenInvoice]] = defaultdict(list)
    for part in _chunks(sorted(set(client_ids))):
        stmt = _remaining_query().where(Document.client_id.in_(part)).having(
            func.sum(Settlement.amount) > 0
        )
        for row in session.execute(stmt):
            out[row[2]].append(OpenInvoice(*row[:6], remaining=row[6]))
    for items in out.values():
        items.sort(key=lambda i: (i.due or date.max, i.id))
    return out


def _invoices_by_number(session, numbers: list[tuple[int, str]]) -> dict[str, OpenInvoice]:
    """Invoices (posted or not, paid or not) by number; remaining None when not posted."""
    out: dict[str, OpenInvoice] = {}
    for part in _chunks(sorted(set(numbers))):
        years = {y for y, _ in part}
        nums = {n for _, n in part}
        rows = session.execute(
            select(Document.id, Document.number, Document.client_id, Document.due_date,
                   Document.total, Document.vat_total, Document.posted)
            .where(Document.doc_type == "invoice", Document.year.in_(years),
                   Document.number.in_(nums), Document.deletion_mark.is_(False))
        )
        found = {r[0]: r for r in rows}
        owed = dict(
            session.execute(
                select(Settlement.invoice_id, func.sum(Settlement.amount))
                .where(Settlement.invoice_id.in_(list(found)))
                .group_by(Settlement.invoice_id)
            ).all()
        ) if found else {}
        for r in found.values():
            remaining = owed.get(r[0], ZERO) if r[6] else None
            out[r[1]] = OpenInvoice(*r[:6], remaining=remaining)
    return out


def _direction(doc: BankDocument, own: set[str]) -> str:
    to_us = (doc.payee.account or "") in own
    from_us = (doc.payer.account or "") in own
    if to_us and from_us:
        return "own"
    if to_us:
        return "in"
    return "out" if from_us else "foreign"


def review_statement(ctx: Context, statement: Statement, file_name: str | None = None) -> Review:
    """Propose a match for every payment document of the statement; writes nothing."""
    rights.require(ctx.user, rights.DOCUMENTS)
    rights.require(ctx.user, rights.VIEW_ALL)
    session = ctx.session
    own = own_accounts(session)
    if not own:
        raise ValidationError("Расчётный счёт", "в сведениях об организации не заполнен: "
                                                "выписку не с чем сверить")
    org = session.scalar(select(Organization).order_by(Organization.id).limit(1))
    docs = statement.documents
    incoming = [d for d in docs if _direction(d, own) == "in"]
    loaded = _loaded_keys(session, incoming)
    refs = {id(d): bank_purpose.invoice_refs(d.purpose) for d in incoming}
    wanted = [(y, format_number("invoice", y, r.n))
              for d in incoming for r in refs[id(d)] for y in r.years(d.date)]
    by_number = _invoices_by_number(session, wanted)
    by_inn = _clients_by_inn(session, [d.payer.inn for d in incoming if d.payer.inn])
    client_ids = [c[0] for cs in by_inn.values() for c in cs]
    client_ids += [i.client_id for i in by_number.values()]
    open_by_client = _open_invoices(session, client_ids)
    names = dict(session.execute(
        select(Client.id, Client.name).where(Client.id.in_(
            [i.client_id for i in by_number.values()]))).all()) if by_number else {}
    for cs in by_inn.values():
        names.update({cid: name for cid, _, name in cs})

    lines: list[Line] = []
    seen: set[tuple] = set()
    for no, doc in enumerate(docs, 1):
        where = _direction(doc, own)
        if where == "out":
            lines.append(Line(no, doc, "outgoing", "Списание с нашего счёта: в CRM не "
                                                   "отражается, пропускается"))
            continue
        if where == "own":
            lines.append(Line(no, doc, "other", "Перевод между своими счетами: пропускается"))
            continue
        if where == "foreign":
            lines.append(Line(no, doc, "foreign", f"Счёт {doc.payee.account or '—'} — не счёт "
                                                  "организации: пропускается"))
            continue
        key = dedup_key(doc)
        if key in loaded or key in seen:
            lines.append(Line(no, doc, "duplicate", "Этот платёж уже загружен раньше: "
                                                    "второй раз не загружается"))
            continue
        seen.add(key)
        line = _match(doc, no, refs[id(doc)], by_number, by_inn, open_by_client, names, org)
        lines.append(line)
    return Review(statement, file_name, lines)


def _pick_client(doc: BankDocument, by_inn) -> tuple[int, str] | None:
    found = by_inn.get(doc.payer.inn or "", [])
    if not found:
        return None
    same_kpp = [c for c in found if doc.payer.kpp and c[1] == doc.payer.kpp]
    cid, _, name = (same_kpp or found)[0]
    return cid, name


def _match(doc, no, refs, by_number, by_inn, open_by_client, names, org) -> Line:
    amount = doc.amount
    payer = _pick_client(doc, by_inn)
    warnings: list[str] = []
    if org is not None and org.inn and doc.payer.inn == org.inn:
        return Line(no, doc, "other", "Плательщик — сама организация: пропускается")
    named: list[OpenInvoice] = []
    for ref in refs:
        inv = next((by_number[n] for y in ref.years(doc.date)
                    if (n := format_number("invoice", y, ref.n)) in by_number), None)
        if inv is None:
            warnings.append(f"Счёт № {ref.n} из назначения платежа не найден")
        elif payer is not None and inv.client_id != payer[0]:
            warnings.append(f"Счёт {inv.number} выставлен другому клиенту — номер в "
                            "назначении, вероятно, указан с ошибкой")
        elif inv.remaining is None:
            warnings.append(f"Счёт {inv.number} не проведён")
        elif inv.remaining <= 0:
            warnings.append(f"Счёт {inv.number} уже оплачен")
        elif inv not in named:
            named.append(inv)
    if payer is None and named:
        # an unknown payer naming an invoice: trust the number only if the sum agrees
        owed = sum((i.remaining for i in named), ZERO)
        if owed == amount and len({i.client_id for i in named}) == 1:
            cid = named[0].client_id
            warnings.append(f"Плательщик с ИНН {doc.payer.inn or '—'} не найден: клиент "
                            "определён по счёту (оплата за другое лицо?)")
            return _invoice_line(no, doc, cid, names.get(cid), named, "по номеру счёта и сумме",
                                 warnings)
        warnings.append("Счёт из назначения не подтверждён суммой")
        named = []
    if payer is None:
        if bank_purpose.is_refund(doc.purpose):
            return Line(no, doc, "other", "Возврат средств от неизвестного плательщика: "
                                          "в CRM не отражается", warnings=warnings)
        return Line(no, doc, "unknown", f"Плательщик «{doc.payer.name}» (ИНН "
                                        f"{doc.payer.inn or '—'}) не найден среди клиентов",
                    warnings=warnings)
    cid, name = payer
    if named:
        return _invoice_line(no, doc, cid, name, named, "по номеру счёта в назначении платежа",
                             warnings)
    if bank_purpose.is_refund(doc.purpose):
        return Line(no, doc, "other", "Возврат средств: в CRM не отражается", cid, name,
                    warnings=warnings)
    open_ = open_by_client.get(cid, [])
    exact = [i for i in open_ if i.remaining == amount]
    if exact:
        return _invoice_line(no, doc, cid, name, exact[:1], "по ИНН плательщика и сумме счёта",
                             warnings)
    line = Line(no, doc, "client", "", cid, name, warnings=warnings, load=True)
    if not open_:
        line.reason = "Клиент найден по ИНН; открытых счетов нет: аванс"
        return line
    left, covered = amount, []
    for inv in open_:
        if left <= 0:
            break
        covered.append(inv)
        left -= min(inv.remaining, left)
    line.invoices = covered
    numbers = ", ".join(i.number for i in covered)
    line.reason = (f"Клиент найден по ИНН; счёт по сумме не найден: разносится по открытым "
                   f"счетам начиная со старого ({numbers})")
    if left > 0:
        line.reason += f", остаток {format_money(left)} — аванс"
    _check_vat(line)
    return line


def _invoice_line(no, doc, cid, name, invoices, why, warnings) -> Line:
    owed = sum((i.remaining for i in invoices), ZERO)
    numbers = ", ".join(i.number for i in invoices)
    reason = f"Счёт {numbers} — {why}"
    if doc.amount < owed:
        reason += f"; частичная оплата, остаётся {format_money(owed - doc.amount)}"
    elif doc.amount > owed:
        reason += f"; переплата {format_money(doc.amount - owed)} — аванс"
    line = Line(no, doc, "invoice", reason, cid, name, list(invoices), warnings, load=True)
    _check_vat(line)
    return line


def _check_vat(line: Line) -> None:
    """The VAT the payer wrote against the invoices' VAT (a warning, never a refusal)."""
    note = bank_purpose.vat_note(line.doc.purpose)
    if note is None or not line.invoices:
        return
    total = sum((i.total for i in line.invoices), ZERO)
    vat = sum((i.vat for i in line.invoices), ZERO)
    if note.free:
        if vat > 0:
            line.warnings.append(f"В назначении «без НДС», а в счёте НДС {format_money(vat)}")
        return
    if vat == 0:
        line.warnings.append(f"В назначении НДС {format_money(note.amount)}, а счёт без НДС")
        return
    expected = vat if line.doc.amount == total else (
        (vat * line.doc.amount / total).quantize(Decimal("0.01")) if total else ZERO)
    if note.rate is not None and bank_purpose.vat_of(line.doc.amount, note.rate) != note.amount:
        line.warnings.append(f"НДС {format_money(note.amount)} не равен {note.rate}% от суммы "
                             "платежа")
    if abs(note.amount - expected) > Decimal("0.05"):
        line.warnings.append(f"НДС в назначении {format_money(note.amount)} не совпадает с НДС "
                             f"по счёту {format_money(expected)}")


__all__ = ["LOADABLE", "STATUSES", "Line", "OpenInvoice", "Review", "own_accounts",
           "review_statement"]
