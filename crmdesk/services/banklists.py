"""Contracts and the loaded bank payments as dynamic lists (a page at a time, like every
list); added to ``lists.SPECS`` when this module is imported."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import aliased

from crmdesk.models import BankPayment, Client, Contract, User
from crmdesk.services import lists, rights
from crmdesk.services.context import Context
from crmdesk.services.lists import Col, ListSpec, text_search

ContractClient = aliased(Client)
ContractManager = aliased(User)
PayerClient = aliased(Client)
Loader = aliased(User)
ENDING_DAYS = 30
OUTCOMES = {"invoice": "Оплата счёта", "client": "Оплата от клиента"}


def _contracts_query(ctx: Context) -> Select:
    stmt = (select(Contract.id)
            .join(ContractClient, ContractClient.id == Contract.client_id)
            .outerjoin(ContractManager, ContractManager.id == Contract.manager_id))
    if ctx.can(rights.VIEW_ALL) or ctx.can(rights.EDIT_ALL):
        return stmt
    return stmt.where(ContractClient.owner_id == ctx.user.id)


def _ending_soon():
    """Red rows: contracts ending within a month (the manager's reminder)."""
    today = date.today()
    return and_(Contract.end_date >= today,
                Contract.end_date <= today + timedelta(days=ENDING_DAYS))


CONTRACTS = ListSpec(
    name="contracts",
    title="Договоры",
    model=Contract,
    columns=[
        Col("number", "Номер", Contract.number, width=90),
        Col("date", "Дата", Contract.date, kind="date", width=90),
        Col("client", "Клиент", ContractClient.name, width=220),
        Col("subject", "Предмет договора", Contract.subject, width=240),
        Col("start_date", "Начало", Contract.start_date, kind="date", width=90),
        Col("end_date", "Окончание", Contract.end_date, kind="date", width=90),
        Col("amount", "Сумма", Contract.amount, kind="money", width=110),
        Col("manager", "Менеджер", ContractManager.full_name, width=150),
        Col("file_name", "Файл", Contract.file_name, width=150, hidden=True),
    ],
    query=_contracts_query,
    search=text_search(Contract.number, ContractClient.name, Contract.subject),
    default_sort="date",
    default_descending=True,
    marked=Contract.deletion_mark,
    alert=_ending_soon,
    fixed={"client_id": Contract.client_id, "deal_id": Contract.deal_id},
    form="contract",
    display=lambda values: f"№ {values[0]} от {values[1]:%d.%m.%Y}" if values[1] else values[0],
)


def _payments_query(ctx: Context) -> Select:
    rights.require(ctx.user, rights.VIEW_ALL)
    return (select(BankPayment.id)
            .outerjoin(PayerClient, PayerClient.id == BankPayment.client_id)
            .outerjoin(Loader, Loader.id == BankPayment.loaded_by_id))


BANK_PAYMENTS = ListSpec(
    name="bank_payments",
    title="Загруженные платежи банка",
    model=BankPayment,
    columns=[
        Col("bank_date", "Дата п/п", BankPayment.bank_date, kind="date", width=90),
        Col("bank_number", "Номер п/п", BankPayment.bank_number, width=80),
        Col("amount", "Сумма", BankPayment.amount, kind="money", width=110),
        Col("payer_name", "Плательщик", BankPayment.payer_name, width=220),
        Col("payer_inn", "ИНН", BankPayment.payer_inn, width=100),
        Col("client", "Клиент", PayerClient.name, width=200),
        Col("outcome", "Разнесено", BankPayment.outcome, kind="enum", width=120,
            choices=OUTCOMES),
        Col("purpose", "Назначение платежа", BankPayment.purpose, width=300),
        Col("file_name", "Файл выписки", BankPayment.file_name, width=120, hidden=True),
        Col("loaded_at", "Загружен", BankPayment.loaded_at, kind="datetime", width=130),
        Col("loaded_by", "Загрузил", Loader.full_name, width=140, hidden=True),
    ],
    query=_payments_query,
    search=text_search(BankPayment.payer_name, BankPayment.bank_number, BankPayment.purpose),
    default_sort="loaded_at",
    default_descending=True,
    fixed={"client_id": BankPayment.client_id},
)

for _spec in (CONTRACTS, BANK_PAYMENTS):
    lists.SPECS.setdefault(_spec.name, _spec)
