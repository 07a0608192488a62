"""«Сделка», «Контактное лицо», «Ответственный» on documents, tasks and interactions,
walked through the real main window."""

from __future__ import annotations

import os
from decimal import Decimal

from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from crmdesk.models import Deal, Document, Interaction, Task, User
from crmdesk.services import deals
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.ui.generic.registry import entity

SHOTS = os.environ.get("CRMDESK_SHOTS")


def _shot(shell, name):
    if SHOTS:
        for w, h in ((1366, 768), (1920, 1080)):
            shell.resize(w, h)
            QApplication.processEvents()
            shell.grab().save(os.path.join(SHOTS, f"{name}-{w}.png"))


def _active(shell):
    return shell.mdi.activeSubWindow().widget()


def _type(editor, text):
    """Type into a reference field as a user does, then leave it."""
    editor.edit.setFocus()
    editor.edit.setText(text)
    editor._typed(text)
    editor._finished()


def _base(engine):
    with unit_of_work(engine) as ctx:
        cid = create_client(ctx, {"name": "ООО «Северный ветер»", "contacts": [
            {"name": "Лебедев Олег Иванович"}, {"name": "Зуева Анна Павловна"}]}).id
        first = deals.create_deal(ctx, cid, "Вентиляция склада").id
        second = deals.create_deal(ctx, cid, "Вентиляция офиса").id
        lost = deals.create_deal(ctx, cid, "Вентиляция цеха")
        deals.move_deal(ctx, lost.id, "refusal", reason="Дорого")
        petrov = ctx.session.scalar(select(User.id).where(User.role_id.is_not(None),
                                                          User.login != "admin"))
        deals.update_deal(ctx, first, {"manager_id": petrov})
        return cid, first, second, petrov


def test_a_proposal_from_the_deal_and_an_order_with_another_deal_chosen_by_hand(shell):
    engine = shell.app.engine
    cid, first, second, manager = _base(engine)
    entity("deal").open(shell, first, None)
    card = _active(shell)
    card.new_proposal()
    proposal = _active(shell)
    assert proposal.editors["deal"].get() == first
    assert proposal.editors["deal"].edit.text() == "Вентиляция склада"
    assert proposal.editors["client"].get() == cid
    assert proposal.editors["manager"].get() == manager  # the deal's manager
    _type(proposal.editors["contact"], "Зуева")
    proposal.add_line({"description": "Вентилятор канальный", "quantity": Decimal(2),
                       "price": Decimal(5000)})
    _shot(shell, "proposal-of-deal")
    assert proposal.write(), proposal.messages.text()

    entity("order").open(shell, None, {"client_id": cid})
    order = _active(shell)
    assert order.editors["deal"].get() is None
    _type(order.editors["deal"], "цеха")  # the lost deal is not offered
    assert order.editors["deal"].get() is None
    _type(order.editors["deal"], "офиса")
    assert order.editors["deal"].get() == second
    order.add_line({"description": "Монтаж", "price": Decimal(12000)})
    assert order.write(), order.messages.text()

    with unit_of_work(engine) as ctx:
        docs = ctx.session.scalars(select(Document).where(Document.client_id == cid)
                                   .order_by(Document.id)).all()
        assert [(d.doc_type, d.deal_id) for d in docs] == [("proposal", first),
                                                           ("order", second)]
        assert docs[0].contact.name == "Зуева Анна Павловна"
        assert docs[0].manager_id == manager

    order.create_based_on("invoice")  # «Создать на основании» keeps the links
    invoice = _active(shell)
    assert invoice.editors["deal"].get() == second
    assert invoice.editors["client"].get() == cid

    for deal_id, tab in ((first, "Коммерческие предложения"), (second, "Заказы")):
        entity("deal").open(shell, deal_id, None)
        card = _active(shell)
        titles = [card.tab_widget.tabText(i) for i in range(card.tab_widget.count())]
        assert {"Договоры", "Задачи", "Взаимодействия", "Файлы"} <= set(titles)
        related = card.related[titles.index(tab) - 1]
        assert related.model.rowCount() == 1
    _shot(shell, "deal-card-documents")


def test_tasks_and_interactions_carry_the_deal_contact_and_responsible(shell):
    engine = shell.app.engine
    cid, first, second, manager = _base(engine)
    entity("deal").open(shell, first, None)
    card = _active(shell)
    card.new_interaction()
    item = _active(shell)
    assert (item.editors["deal"].get(), item.editors["manager"].get()) == (first, manager)
    _type(item.editors["contact"], "Лебедев")
    item.editors["gist"].set("Обсудили сроки монтажа")
    _shot(shell, "interaction-of-deal")
    assert item.write(), item.messages.text()
    card.new_task()
    task = _active(shell)
    assert (task.editors["deal"].get(), task.editors["executor"].get()) == (first, manager)
    task.editors["title"].set("Подготовить КП")
    _type(task.editors["contact"], "Зуева")
    assert task.write(), task.messages.text()
    with unit_of_work(engine) as ctx:
        i = ctx.session.scalar(select(Interaction).where(Interaction.client_id == cid))
        assert (i.deal_id, i.user_id, i.contact.name) == (first, manager,
                                                           "Лебедев Олег Иванович")
        t = ctx.session.scalar(select(Task).where(Task.client_id == cid))
        assert (t.deal_id, t.executor_id, t.contact.name) == (first, manager,
                                                               "Зуева Анна Павловна")
        assert ctx.session.get(Deal, first).title == "Вентиляция склада"
