"""A sales manager's day, walked with keyboard and mouse through the real main window on
SQLite and PostgreSQL: a new client with a contact and a phone found again; proposal →
order → invoice → payment, each posted, the invoice's print preview opened."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from crmdesk.models import ContactPerson, Document, Task
from crmdesk.services.context import unit_of_work
from crmdesk.ui.generic.documentform import DocumentForm
from crmdesk.ui.generic.objectform import ObjectForm

Y2000 = date(2000, 1, 1)


def ctrl(qtbot, widget, key):
    qtbot.keyClick(widget, key, Qt.KeyboardModifier.ControlModifier)


def type_into(qtbot, type_text, editor, text):
    """Click into a field as a user does, then type."""
    target = editor.edit.viewport() if hasattr(editor.edit, "viewport") else editor.edit
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton)
    editor.edit.setFocus()
    type_text(QApplication.focusWidget(), text)


def no_year_2000(engine):
    """No date or time column of the day's records holds the old placeholder."""
    with unit_of_work(engine) as ctx:
        for d in ctx.session.scalars(select(Document)):
            assert d.date.year != 2000 and d.due_date != Y2000, d.number
        for c in ctx.session.scalars(select(ContactPerson)):
            assert c.birthday is None, c.name
        for t in ctx.session.scalars(select(Task)):
            for value in (t.deadline, t.remind_at):
                assert value is None or value.year != 2000, t.title


def test_new_client_with_contact_and_phone_is_found_again(day, qtbot, type_text):
    w = day.window
    clients = w.open_list("clients")
    clients.view.setFocus()
    qtbot.keyClick(clients.view, Qt.Key.Key_Insert)
    card = day.active()
    assert isinstance(card, ObjectForm) and card.entity_name == "client"
    type_text(QApplication.focusWidget(), "ООО «Северный Ветер»")
    type_into(qtbot, type_text, card.editors["phones"], "8 (912) 345-67-89")
    day.shot("client-typed")
    ctrl(qtbot, card, Qt.Key.Key_S)
    assert card.obj_id is not None, card.messages.text()
    assert w.quick_card.client_id == card.obj_id
    assert "+7 (912) 345-67-89" in w.quick_card.text.toPlainText()

    tab = card.related[0]  # «Контактные лица»
    card.tab_widget.setCurrentWidget(tab)
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_Insert)
    contact = day.active()
    assert contact.entity_name == "contact"
    assert contact.editors["client"].get() == card.obj_id  # the owner is filled in
    type_text(QApplication.focusWidget(), "Сидорова Мария Ивановна")
    type_into(qtbot, type_text, contact.editors["phones"], "+7 912 000-11-22")
    assert contact.editors["birthday"].get() is None  # not 01.01.2000
    day.shot("contact-typed")
    ctrl(qtbot, contact, Qt.Key.Key_Return)
    with unit_of_work(day.engine) as ctx:
        person = ctx.session.scalar(
            select(ContactPerson).where(ContactPerson.client_id == card.obj_id)
        )
        assert person.name == "Сидорова Мария Ивановна" and person.birthday is None
        assert [p.e164 for p in person.phones] == ["+79120001122"]

    clients = w.open_list("clients")
    clients.search.setFocus()
    type_text(clients.search, "северный")
    qtbot.waitUntil(lambda: clients.model.state.search == "северный", timeout=3000)
    names = [clients.model.data(clients.model.index(r, 0)) for r in range(clients.model.rowCount())]
    assert names == ["ООО «Северный Ветер»"]
    day.shot("found-by-lowercase")
    no_year_2000(day.engine)


def test_a_client_is_found_by_its_contacts_surname(day, qtbot, type_text):
    from crmdesk.services import clients as client_rules
    from crmdesk.services import records

    with unit_of_work(day.engine) as ctx:
        client_id = client_rules.create_client(ctx, {"name": "ООО «Северный Ветер»"}).id
        records.save(ctx, "contact", None, {"name": "Сидорова Мария", "client_id": client_id})
    clients = day.window.open_list("clients")
    clients.search.setFocus()
    type_text(clients.search, "сидорова")
    qtbot.waitUntil(lambda: clients.model.state.search == "сидорова", timeout=3000)
    day.shot("found-by-contact")
    names = [clients.model.data(clients.model.index(r, 0)) for r in range(clients.model.rowCount())]
    assert names == ["ООО «Северный Ветер»"]


def _products(engine):
    from crmdesk.services import records

    with unit_of_work(engine) as ctx:
        return [
            records.save(
                ctx, "product", None,
                {"name": name, "unit": "шт", "price": Decimal(price), "vat_rate": Decimal(22)},
            ).id
            for name, price in (("Котёл", "1000.00"), ("Насос", "250.50"), ("Монтаж", "3000"))
        ]


def test_proposal_order_invoice_payment_each_posted_and_the_invoice_previewed(
    day, qtbot, type_text
):
    from crmdesk.services import clients as client_rules

    products = _products(day.engine)
    with unit_of_work(day.engine) as ctx:
        client_id = client_rules.create_client(ctx, {"name": "ООО «Ромашка»"}).id
    w = day.window
    w.choose_section("sales")
    item = next(
        w.functions.item(i) for i in range(w.functions.count())
        if w.functions.item(i).text() == "Коммерческое предложение: создать"
    )
    where = w.functions.visualItemRect(item).center()
    qtbot.mouseClick(w.functions.viewport(), Qt.MouseButton.LeftButton, pos=where)
    proposal = day.active()
    assert isinstance(proposal, DocumentForm) and proposal.doc_type == "proposal"
    due = proposal.editors["due_date"].get()
    assert due == date.today() + timedelta(days=14)  # date + the design's days, never 2000
    proposal.editors["client"].set_ref(client_id, "ООО «Ромашка»")
    for pid in products:
        proposal.add_product(pid)
    view = proposal.lines_view
    view.setCurrentIndex(proposal.lines_model.index(0, 2))  # «Кол-во» of the first line
    # what the cell's editor commits (typing into the table offscreen did not reach it)
    proposal.lines_model.setData(view.currentIndex(), "3")
    assert proposal.lines_model.lines[0]["quantity"] == Decimal(3)
    day.shot("proposal")
    assert proposal.post(), proposal.messages.text()
    assert w.quick_card.client_id == client_id

    proposal.create_based_on("order")
    order = day.active()
    assert order.doc_type == "order" and order.obj_id is None  # unsaved: no number yet
    assert order.editors["number"].get() == ""
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Document)) == 1
    day.shot("order-unsaved")
    assert order.post(), order.messages.text()
    order.create_based_on("invoice")
    invoice = day.active()
    assert invoice.editors["due_date"].get() == date.today() + timedelta(days=5)
    ctrl(qtbot, invoice, Qt.Key.Key_S)
    assert invoice.obj_id is not None
    assert invoice.post(), invoice.messages.text()
    invoice.print_menu.aboutToShow.emit()
    invoice.print_menu.actions()[0].trigger()
    preview = day.active()
    assert preview.form_key.startswith("print:") and preview.page_count() >= 1
    day.shot("invoice-preview")
    preview.parentWidget().close()
    w.activate(f"invoice:{invoice.obj_id}")
    invoice.create_based_on("payment")
    payment = day.active()
    assert payment.doc_type == "payment"
    with unit_of_work(day.engine) as ctx:
        owed = ctx.session.get(Document, invoice.obj_id).total
    assert owed > Decimal("6250.50") - 1  # 3 × 1 000 + 250,50 + 3 000, VAT as the org counts it
    assert payment.editors["total"].get() == owed
    assert payment.post(), payment.messages.text()
    day.shot("payment")

    with unit_of_work(day.engine) as ctx:
        docs = {d.doc_type: d for d in ctx.session.scalars(select(Document))}
        assert set(docs) == {"proposal", "order", "invoice", "payment"}
        assert all(d.posted and d.number for d in docs.values())
        assert docs["payment"].basis_id == docs["invoice"].id
        assert docs["invoice"].basis_id == docs["order"].id
        assert docs["order"].basis_id == docs["proposal"].id
        assert docs["invoice"].due_date == docs["invoice"].date.astimezone().date() + timedelta(5)
    no_year_2000(day.engine)


def test_a_document_based_on_another_and_closed_unsaved_leaves_nothing(day, qtbot, answer_yes):
    from crmdesk.services import clients as client_rules
    from crmdesk.services import documents

    products = _products(day.engine)
    with unit_of_work(day.engine) as ctx:
        client_id = client_rules.create_client(ctx, {"name": "ИП Петров"}).id
        doc = documents.create_document(
            ctx, "proposal", client_id,
            {"lines": [{"product_id": products[0], "description": "Котёл", "quantity": 1,
                        "price": Decimal(1000), "vat_rate": Decimal(22)}]},
        )
        proposal_id = doc.id
    proposal = day.window.open_key(f"proposal:{proposal_id}") or day.active()
    proposal.create_based_on("invoice")
    invoice = day.active()
    assert invoice.obj_id is None and invoice.editors["basis"].get()
    invoice.modified = False
    invoice.close_form()
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Document)) == 1
