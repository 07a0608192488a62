"""The pipeline's links on documents, tasks and interactions, checked by the rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.models import Task, User
from crmdesk.services import documents, records
from crmdesk.services.clients import create_client
from crmdesk.services.errors import ValidationError


@pytest.fixture
def two_clients(uow, deal_base):
    with uow("ivanov") as ctx:
        other = create_client(ctx, {"name": "АО «Чужой»", "contacts": [{"name": "Чужов"}]})
        return {**deal_base, "other": other.id, "stranger": other.contacts[0].id,
                "petrov": ctx.session.scalar(select(User.id).where(User.login == "petrov"))}


def test_a_document_keeps_its_links_through_create_based_on(uow, two_clients):
    c = two_clients
    with uow("ivanov") as ctx:
        person = records.save(ctx, "contact", None, {"client_id": c["client"],
                                                     "name": "Петрова Анна"}).id
        order = documents.create_document(ctx, "order", c["client"], {
            "deal_id": c["deal"], "contact_id": person, "manager_id": c["petrov"],
            "lines": [{"description": "Насос", "quantity": 1, "price": 100}]})
        assert (order.deal_id, order.contact_id, order.manager_id) == (c["deal"], person,
                                                                       c["petrov"])
        invoice = documents.create_based_on(ctx, order.id, "invoice")
        assert (invoice.deal_id, invoice.contact_id, invoice.manager_id) == (
            c["deal"], person, c["petrov"])
        documents.update_document(ctx, invoice.id, {"manager_id": None})
        assert invoice.manager_id == ctx.user.id  # never without a responsible


def test_another_clients_deal_or_contact_is_refused_by_name(uow, two_clients):
    c = two_clients
    with uow("ivanov") as ctx:
        with pytest.raises(ValidationError) as err:
            documents.create_document(ctx, "proposal", c["other"], {
                "deal_id": c["deal"], "lines": []})
        assert "Поле «Сделка»" in str(err.value) and "другого клиента" in str(err.value)
        with pytest.raises(ValidationError, match="«Контактное лицо».*Чужов"):
            documents.create_document(ctx, "proposal", c["client"], {
                "contact_id": c["stranger"], "lines": []})
        with pytest.raises(ValidationError, match="«Контактное лицо»"):
            records.save(ctx, "task", None, {"title": "Позвонить", "client_id": c["client"],
                                             "contact_id": c["stranger"]})
        with pytest.raises(ValidationError, match="«Сделка»"):
            records.save(ctx, "interaction", None, {
                "client_id": c["other"], "kind": "note", "gist": "x", "deal_id": c["deal"]})


def test_a_task_and_an_interaction_of_the_deal(uow, two_clients):
    c = two_clients
    with uow("ivanov") as ctx:
        person = records.save(ctx, "contact", None, {"client_id": c["client"],
                                                     "name": "Петрова Анна"}).id
        task = records.save(ctx, "task", None, {"title": "Позвонить", "client_id": c["client"],
                                                "deal_id": c["deal"], "contact_id": person})
        item = records.save(ctx, "interaction", None, {
            "client_id": c["client"], "kind": "call_out", "gist": "Договорились о встрече",
            "deal_id": c["deal"], "contact_id": person, "user_id": c["petrov"]})
        assert (item.deal_id, item.contact_id, item.user_id) == (c["deal"], person,
                                                                 c["petrov"])
        assert ctx.session.get(Task, task.id).contact.name == "Петрова Анна"
