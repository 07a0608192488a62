"""Contracts: validation, the invoice's «Основание», the reminder, the deal that follows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crmdesk.models import Contract, Deal, Task
from crmdesk.reports import print_document
from crmdesk.services import contracts, deals, documents
from crmdesk.services.errors import InvalidData, ValidationError
from tests.reports.pdfcheck import has, pages


def test_a_contract_is_written_with_empty_fields_left_empty(uow, bank_base):
    with uow() as ctx:
        c = contracts.create_contract(ctx, {"client_id": bank_base["romashka"],
                                            "number": " 17/26 ", "date": "01.10.2026",
                                            "subject": "Монтаж отопления", "amount": "250000,50",
                                            "end_date": ""})
        contracts.attach_file(ctx, c.id, "Договор 17-26.pdf", b"%PDF-1.4 signed")
        cid = c.id
    with uow() as ctx:
        c = ctx.session.get(Contract, cid)
        assert (c.number, c.date, c.amount) == ("17/26", date(2026, 10, 1), Decimal("250000.50"))
        assert c.end_date is None and c.start_date is None and c.comment is None
        assert c.manager_id is not None
        assert contracts.contract_file(ctx, cid) == ("Договор 17-26.pdf", b"%PDF-1.4 signed")


def test_bad_input_names_the_fields_and_writes_nothing(uow, bank_base):
    with uow() as ctx, pytest.raises(InvalidData) as err:
        contracts.create_contract(ctx, {"number": "", "date": "32.13.2026",
                                        "amount": "много"})
    text = str(err.value)
    assert "Поле «Номер» не заполнено" in text
    assert "Поле «Дата» заполнено неверно: «32.13.2026» — не дата" in text
    assert "Поле «Сумма договора»" in text and "Поле «Клиент»" in text
    with uow() as ctx, pytest.raises(ValidationError, match="Окончание действия"):
        contracts.create_contract(ctx, {"client_id": bank_base["vector"], "number": "1",
                                        "date": date(2026, 1, 1), "start_date": "01.02.2026",
                                        "end_date": "01.01.2026"})
    with uow() as ctx:
        assert ctx.session.scalars(select(Contract)).all() == []


def test_the_invoice_names_its_contract_as_the_basis(uow, bank_base):
    with uow() as ctx:
        c = contracts.create_contract(ctx, {"client_id": bank_base["romashka"],
                                            "number": "17/26", "date": date(2026, 10, 1)})
        order = documents.create_document(ctx, "order", bank_base["romashka"], {
            "lines": [{"description": "Монтаж", "quantity": 1, "price": 1000}]})
        contracts.set_document_contract(ctx, order.id, c.id)
        inv = documents.create_based_on(ctx, order.id, "invoice")  # the contract follows
        pdf = print_document(ctx, "invoice", inv.id, "pdf")
        with pytest.raises(ValidationError, match="с другим клиентом"):
            contracts.set_document_contract(ctx, bank_base["inv45"], c.id)
        order_number = order.number
    has(pages(pdf)[0], "Основание:", "Договор № 17/26 от 01.10.2026",
        f"Заказ клиента № {order_number}")


def test_a_contract_ending_soon_is_a_task_for_its_manager_once(uow, bank_base):
    today = date(2026, 12, 1)
    with uow() as ctx:
        for number, end in (("A", today + timedelta(days=10)), ("B", today + timedelta(days=90)),
                            ("C", today - timedelta(days=1))):
            contracts.create_contract(ctx, {"client_id": bank_base["vector"], "number": number,
                                            "date": date(2026, 1, 1), "end_date": end})
        made = contracts.remind_expiring(ctx, days=30, today=today)
        assert [t.title for t in made] == ["Заканчивается договор № A от 01.01.2026"]
        assert made[0].deadline.date() == today + timedelta(days=10)
        assert contracts.remind_expiring(ctx, days=30, today=today) == []
        assert len(ctx.session.scalars(select(Task)).all()) == 1


def test_the_deal_follows_its_contract(uow, bank_base):
    with uow() as ctx:
        deal = deals.create_deal(ctx, bank_base["vector"], "Отопление склада")
        for stage in ("choice", "invoicing", "paid", "awaiting_docs", "client"):
            deals.move_deal(ctx, deal.id, stage)
        contracts.create_contract(ctx, {"client_id": bank_base["vector"], "number": "5",
                                        "date": date(2026, 1, 1), "deal_id": deal.id,
                                        "end_date": date(2026, 12, 31)})
        deal_id = deal.id
    with uow() as ctx:
        deal = ctx.session.get(Deal, deal_id)
        assert (deal.stage.code, deal.contract_end) == ("contract", date(2026, 12, 31))
        assert contracts.close_expired_deals(ctx, today=date(2026, 12, 31)) == []
        assert contracts.close_expired_deals(ctx, today=date(2027, 1, 1)) == [deal]
        assert deal.stage.code == "invoicing"
        assert "закончился 31.12.2026" in deal.history[-1].comment


def test_a_deals_contract_gets_one_reminder_from_the_rules_not_two(uow, bank_base):
    from crmdesk.services import pipeline

    today = date(2026, 12, 1)
    with uow() as ctx:
        deal = deals.create_deal(ctx, bank_base["vector"], "Обслуживание котельной")
        contracts.create_contract(ctx, {"client_id": bank_base["vector"], "number": "D-1",
                                        "date": date(2026, 1, 1), "deal_id": deal.id,
                                        "end_date": today + timedelta(days=10)})
        assert contracts.remind_expiring(ctx, days=30, today=today) == []
        pipeline.check_rules(ctx, today=today)
        pipeline.check_rules(ctx, today=today)
        tasks = ctx.session.scalars(select(Task).where(Task.client_id == bank_base["vector"]))
        assert len(tasks.all()) == 1
