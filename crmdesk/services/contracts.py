"""Contracts with clients: write and read them, the signed file, the documents under them,
the reminder before one ends, and the deal it moves to «Работа по договору»."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from crmdesk.models import Client, Contract, Deal, Document, Task, utcnow
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import Collector, NotFound, ValidationError
from crmdesk.services.locking import check_version
from crmdesk.services.money import D

FIELDS = ("number", "date", "subject", "start_date", "end_date", "amount", "comment",
          "client_id", "manager_id", "deal_id")
CONTRACT_STAGE = "contract"  # the default process's «Работа по договору»
REMIND_DAYS = 30
MAX_FILE = 50 * 1024 * 1024


def _as_date(value, field: str, col: Collector) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    col.add(field, f"«{text}» — не дата ДД.ММ.ГГГГ")
    return None


def _apply(ctx: Context, contract: Contract, data: dict) -> None:
    """Validate everything first, then change the contract: all or nothing."""
    col = Collector()
    values = {k: getattr(contract, k) for k in FIELDS}
    values.update({k: v for k, v in data.items() if k in FIELDS})
    if isinstance(values["number"], str):
        values["number"] = values["number"].strip()
    if not values["number"]:
        col.add("Номер", "не заполнено")
    for key, title in (("date", "Дата"), ("start_date", "Начало действия"),
                       ("end_date", "Окончание действия")):
        values[key] = _as_date(values[key], title, col)
    if values["date"] is None and not any(e.field == "Дата" for e in col.errors):
        col.add("Дата", "не заполнено")
    if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
        col.add("Окончание действия", "раньше начала действия")
    if values["amount"] not in (None, ""):
        try:
            values["amount"] = D(values["amount"])
            if values["amount"] < 0:
                col.add("Сумма договора", "не может быть отрицательной")
        except (ArithmeticError, ValueError):
            col.add("Сумма договора", f"«{values['amount']}» — не число")
    else:
        values["amount"] = None
    client = ctx.session.get(Client, values["client_id"]) if values["client_id"] else None
    if client is None:
        col.add("Клиент", "не заполнено" if not values["client_id"] else "клиент не найден")
    deal = ctx.session.get(Deal, values["deal_id"]) if values["deal_id"] else None
    if values["deal_id"] and (deal is None or client is None or deal.client_id != client.id):
        col.add("Сделка", "не найдена среди сделок этого клиента")
    col.raise_if_any()
    rights.check_write_client(ctx.user, client)
    for key in FIELDS:
        value = values[key]
        if isinstance(value, str) and key != "number":
            value = value.strip() or None  # an empty field stays empty (NULL)
        setattr(contract, key, value)
    if contract.manager_id is None:
        contract.manager_id = client.owner_id or ctx.user.id


def create_contract(ctx: Context, data: dict) -> Contract:
    rights.require(ctx.user, rights.DOCUMENTS)
    contract = Contract(number="", date=None)
    _apply(ctx, contract, data)
    ctx.session.add(contract)
    ctx.session.flush()
    _follow_deal(ctx, contract)
    return contract


def update_contract(ctx: Context, contract_id: int, data: dict,
                    expected_version: int | None = None) -> Contract:
    contract = get_contract(ctx, contract_id, write=True)
    check_version(contract, expected_version, contract.title)
    _apply(ctx, contract, data)
    ctx.session.flush()
    _follow_deal(ctx, contract)
    return contract


def get_contract(ctx: Context, contract_id: int, write: bool = False) -> Contract:
    contract = ctx.session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(f"Договор с кодом {contract_id} не найден.")
    rights.check_read_client(ctx.user, contract.client)
    if write:
        rights.require(ctx.user, rights.DOCUMENTS)
        rights.check_write_client(ctx.user, contract.client)
    return contract


def find_contract(ctx: Context, number: str, client_id: int | None = None) -> Contract:
    stmt = select(Contract).join(Client).where(Contract.number == number.strip(),
                                               rights.client_filter(ctx.user))
    if client_id is not None:
        stmt = stmt.where(Contract.client_id == client_id)
    found = list(ctx.session.scalars(stmt.order_by(Contract.date.desc()).limit(2)))
    if not found:
        raise NotFound(f"Договор № {number} не найден.")
    if len(found) > 1 and client_id is None:
        raise ValidationError("Договор", f"№ {number} есть у нескольких клиентов: укажите "
                                         "клиента")
    return found[0]


def list_contracts(ctx: Context, client_id: int | None = None, limit: int = 50,
                   offset: int = 0, ending_within: int | None = None,
                   today: date | None = None) -> list[Contract]:
    """A page of contracts the user may see, the newest first (or the soonest ending)."""
    stmt = select(Contract).join(Client).where(rights.client_filter(ctx.user))
    if client_id is not None:
        stmt = stmt.where(Contract.client_id == client_id)
    if ending_within is not None:
        today = today or date.today()
        stmt = stmt.where(Contract.deletion_mark.is_(False), Contract.end_date >= today,
                          Contract.end_date <= today + timedelta(days=ending_within))
        stmt = stmt.order_by(Contract.end_date, Contract.id)
    else:
        stmt = stmt.order_by(Contract.date.desc(), Contract.id.desc())
    return list(ctx.session.scalars(stmt.limit(limit).offset(offset)))


def set_deletion_mark(ctx: Context, contract_id: int, mark: bool = True) -> Contract:
    contract = get_contract(ctx, contract_id, write=True)
    contract.deletion_mark = mark
    ctx.session.flush()
    return contract


def attach_file(ctx: Context, contract_id: int, name: str, data: bytes) -> Contract:
    """The signed contract's file (a scan, a PDF): kept in the database with the contract."""
    contract = get_contract(ctx, contract_id, write=True)
    if not (name or "").strip():
        raise ValidationError("Имя файла", "не заполнено")
    if len(data) > MAX_FILE:
        raise ValidationError("Файл", f"больше {MAX_FILE // 1024 // 1024} МБ")
    contract.file_name, contract.file_data = name.strip(), data
    ctx.session.flush()
    return contract


def contract_file(ctx: Context, contract_id: int) -> tuple[str, bytes]:
    contract = get_contract(ctx, contract_id)
    if not contract.file_data:
        raise NotFound(f"{contract.title}: файл договора не приложен.")
    return contract.file_name, contract.file_data


def set_document_contract(ctx: Context, doc_id: int, contract_id: int | None) -> Document:
    """Put a document (order, invoice, payment …) under a contract of its own client."""
    from crmdesk.services.documents import get_document

    doc = get_document(ctx, doc_id, write=True)
    if contract_id is not None:
        contract = get_contract(ctx, contract_id)
        if contract.client_id != doc.client_id:
            raise ValidationError("Договор", f"{contract.title} заключён с другим клиентом")
    doc.contract_id = contract_id
    ctx.session.flush()
    return doc


def contract_of(doc: Document) -> Contract | None:
    """The document's contract, else the one of the document it was made from."""
    seen = set()
    while doc is not None and doc.id not in seen:
        if doc.contract is not None:
            return doc.contract
        seen.add(doc.id)
        doc = doc.basis
    return None


def _follow_deal(ctx: Context, contract: Contract) -> None:
    """A contract under a deal: the deal takes its end date and moves to «Работа по
    договору» when its process allows that step from where it stands."""
    if contract.deal_id is None or contract.deletion_mark:
        return
    from crmdesk.services.deals import allowed_stages, move_deal

    deal = ctx.session.get(Deal, contract.deal_id)
    deal.contract_end = contract.end_date
    if deal.stage.code != CONTRACT_STAGE and any(
        s.code == CONTRACT_STAGE for s in allowed_stages(ctx, deal.stage_id)
    ):
        move_deal(ctx, deal.id, CONTRACT_STAGE, reason=contract.title)
    ctx.session.flush()


def remind_expiring(ctx: Context, days: int = REMIND_DAYS, today: date | None = None
                    ) -> list[Task]:
    """A task for the manager of every contract ending within ``days`` that has none yet.

    A contract of a deal is left to the pipeline's event rules («contract ends in N days»),
    which follow the deal's contract end date: one contract, one reminder."""
    rights.require(ctx.user, rights.ASSIGN)
    today = today or date.today()
    made = []
    for contract in list_contracts(ctx, ending_within=days, today=today, limit=10_000):
        if contract.deal_id is not None:
            continue
        title = f"Заканчивается договор № {contract.number} от {contract.date:%d.%m.%Y}"
        exists = ctx.session.scalar(select(Task.id).where(
            Task.client_id == contract.client_id, Task.title == title).limit(1))
        if exists:
            continue
        deadline = datetime.combine(contract.end_date, time(12), tzinfo=utcnow().tzinfo)
        task = Task(
            title=title,
            description=(f"Договор с «{contract.client.name}» действует до "
                         f"{contract.end_date:%d.%m.%Y}. Продлить или заключить новый."),
            executor_id=contract.manager_id or ctx.user.id,
            author_id=ctx.user.id,
            deadline=deadline,
            remind_at=datetime.combine(today, time(9), tzinfo=utcnow().tzinfo),
            client_id=contract.client_id,
            priority=1,
            status="open",
        )
        ctx.session.add(task)
        made.append(task)
    ctx.session.flush()
    return made


def close_expired_deals(ctx: Context, today: date | None = None) -> list[Deal]:
    """Deals at «Работа по договору» whose contract has ended go back to invoicing (the
    process's «contract → invoicing» step), the contract named as the reason."""
    from crmdesk.models import Stage
    from crmdesk.services.deals import allowed_stages, move_deal

    today = today or date.today()
    stmt = (select(Contract).join(Deal, Contract.deal_id == Deal.id).join(Stage,
            Deal.stage_id == Stage.id)
            .where(Stage.code == CONTRACT_STAGE, Contract.end_date < today,
                   Contract.deletion_mark.is_(False)))
    moved = []
    for contract in ctx.session.scalars(stmt):
        deal = contract.deal
        later = ctx.session.scalar(select(Contract.id).where(
            Contract.deal_id == deal.id, Contract.deletion_mark.is_(False),
            (Contract.end_date.is_(None)) | (Contract.end_date >= today)).limit(1))
        targets = [st.code for st in allowed_stages(ctx, deal.stage_id)]
        if later is None and "invoicing" in targets:
            move_deal(ctx, deal.id, "invoicing",
                      reason=f"{contract.title} закончился {contract.end_date:%d.%m.%Y}")
            moved.append(deal)
    return moved


def contract_row(c: Contract) -> dict:
    return {
        "id": c.id,
        "number": c.number,
        "date": c.date.isoformat() if c.date else None,
        "client": c.client.name,
        "subject": c.subject,
        "start": c.start_date.isoformat() if c.start_date else None,
        "end": c.end_date.isoformat() if c.end_date else None,
        "amount": str(c.amount) if c.amount is not None else None,
        "manager": c.manager.login if c.manager else None,
        "deal": c.deal.title if c.deal else None,
        "file": c.file_name,
        "deletion_mark": c.deletion_mark,
    }


__all__ = ["attach_file", "close_expired_deals", "contract_file", "contract_of",
           "contract_row", "create_contract", "find_contract", "get_contract",
           "list_contracts", "remind_expiring", "set_deletion_mark", "set_document_contract",
           "update_contract"]
