"""The working forms driven as a user drives them: keyboard first, real database underneath."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from crmdesk.models import Client, Document, Interaction, Product
from crmdesk.services import clients, deals, documents
from crmdesk.services.context import unit_of_work
from crmdesk.ui.forms import entities, entity
from crmdesk.ui.generic.documentform import DocumentForm
from crmdesk.ui.generic.listform import ListForm
from crmdesk.ui.generic.objectform import ObjectForm
from crmdesk.ui.shell.sections import SECTIONS


def active(shell):
    sub = shell.mdi.activeSubWindow()
    return sub.widget() if sub else None


def test_every_section_function_and_every_form_opens(shell, qtbot):
    for code, _title, _icon, items in SECTIONS:
        shell.choose_section(code)
        assert shell.functions.count() > 0
        for item in items:
            if item.kind in ("import", "backup", "purge"):
                continue
            before = len(shell.forms())
            shell.run_item(item)
            assert len(shell.forms()) >= before
            assert active(shell) is not None, item
    opened = 0
    for ent in entities().values():
        form = shell.form(f"list:{ent.list_name}")
        if not isinstance(form, ListForm) or form.model.rowCount() == 0:
            continue
        form.open_row(0)
        obj = active(shell)
        assert isinstance(obj, ObjectForm), ent.name
        assert obj.obj_id == form.model.row_id(0)
        assert obj.windowTitle()
        opened += 1
    assert opened >= 10


def test_client_created_with_the_keyboard_only(shell, qtbot, type_text):
    clients_list = shell.open_list("clients")
    clients_list.view.setFocus()
    qtbot.keyClick(clients_list.view, Qt.Key.Key_Insert)
    form = active(shell)
    assert isinstance(form, ObjectForm) and form.obj_id is None
    focused = QApplication.focusWidget()
    assert form.editors["name"].isAncestorOf(focused)
    type_text(focused, "ООО «Клавиатура»")
    qtbot.keyClick(focused, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with unit_of_work(shell.app.engine) as ctx:
        found = ctx.session.scalar(select(Client).where(Client.name == "ООО «Клавиатура»"))
        assert found is not None and found.owner.login == "admin"
    assert shell.form(f"client:{found.id}") is None  # written and closed
    assert clients_list.model.find_row(found.id) is not None


def test_bad_inn_is_shown_beside_the_field_and_nothing_is_stored(shell, qtbot):
    form = entity("client").open(shell, None, None)
    form.editors["name"].set("ООО «Проверка»")
    form.editors["inn"].set("7707083894")  # wrong check digit
    form.editors["phones"].set(["12"])
    assert not form.write()
    assert "контрольн" in form.field_error("ИНН")
    assert form.field_error("Телефон")
    assert "ИНН" in form.messages.text()
    with unit_of_work(shell.app.engine) as ctx:
        assert ctx.session.scalar(select(Client).where(Client.name == "ООО «Проверка»")) is None
    form.editors["inn"].set("7707083893")
    form.editors["phones"].set(["8 (912) 345-67-89 доб. 12"])
    assert form.write()
    with unit_of_work(shell.app.engine) as ctx:
        c = clients.get_client(ctx, form.obj_id)
        assert c.inn == "7707083893"
        assert [(p.e164, p.ext) for p in c.phones] == [("+79123456789", "12")]


def test_call_recorded_in_two_keystrokes_from_the_card(shell, qtbot, type_text):
    with unit_of_work(shell.app.engine) as ctx:
        client_id = ctx.session.scalar(select(Client.id).order_by(Client.id))
        before = ctx.session.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.client_id == client_id)
        )
    card = entity("client").open(shell, client_id, None)
    qtbot.keyClick(card, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    call = active(shell)
    assert call.entity_name == "interaction"
    focused = QApplication.focusWidget()
    assert call.editors["gist"].isAncestorOf(focused)
    type_text(focused, "Обсудили скидку на опт")
    qtbot.keyClick(focused, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with unit_of_work(shell.app.engine) as ctx:
        rows = ctx.session.scalars(
            select(Interaction).where(Interaction.client_id == client_id)
        ).all()
        assert len(rows) == before + 1
        assert any(i.gist == "Обсудили скидку на опт" and i.kind == "call_out" for i in rows)


def test_proposal_order_invoice_payment_through_create_on_basis(shell, qtbot):
    with unit_of_work(shell.app.engine) as ctx:
        client = ctx.session.scalar(select(Client).where(Client.deletion_mark.is_(False)))
        client_id, name = client.id, client.name
        product = ctx.session.scalar(select(Product).order_by(Product.id))
        start_balance = documents.client_balance(ctx, client_id)
    proposal = entity("proposal").open(shell, None, {"client": (client_id, name)})
    assert isinstance(proposal, DocumentForm)
    proposal.add_product(product.id)
    model = proposal.lines_model
    model.setData(model.index(0, 2), "3")  # quantity
    model.setData(model.index(0, 4), "1000")  # price
    assert model.lines[0]["amount"] == Decimal("3000.00")
    assert "3 000,00" in proposal.totals.text().replace("\xa0", " ")
    assert proposal.write()
    proposal.create_based_on("order")
    order = active(shell)
    assert order.doc_type == "order" and order.lines_model.lines[0]["quantity"] == 3
    assert order.post()
    order.create_based_on("invoice")
    invoice = active(shell)
    assert invoice.doc_type == "invoice"
    assert invoice.post()
    invoice_id = invoice.obj_id
    invoice.create_based_on("payment")
    payment = active(shell)
    assert payment.doc_type == "payment"
    assert payment.editors["total"].get() == Decimal("3000.00")
    payment.editors["total"].set(Decimal("1200"))
    payment.modified = True
    assert payment.post()
    with unit_of_work(shell.app.engine) as ctx:
        inv = documents.get_document(ctx, invoice_id)
        assert inv.basis.doc_type == "order" and inv.basis.basis.doc_type == "proposal"
        assert documents.invoice_remaining(ctx.session, invoice_id) == Decimal("1800.00")
        assert documents.client_balance(ctx, client_id) == start_balance + Decimal("1800.00")


def test_posting_an_empty_document_names_the_problem(shell):
    with unit_of_work(shell.app.engine) as ctx:
        client = ctx.session.scalar(select(Client).where(Client.deletion_mark.is_(False)))
        client_id, name = client.id, client.name
    form = entity("invoice").open(shell, None, {"client": (client_id, name)})
    assert not form.post()
    assert "строк" in form.messages.text().lower()
    with unit_of_work(shell.app.engine) as ctx:
        doc = ctx.session.get(Document, form.obj_id)
        assert doc is not None and not doc.posted


def test_del_marks_and_unmarks_for_deletion(shell, qtbot, answer_yes):
    form = shell.open_list("clients")
    form.view.selectRow(0)
    client_id = form.current_id()
    form.view.setFocus()
    qtbot.keyClick(form.view, Qt.Key.Key_Delete)
    assert answer_yes and "на удаление" in answer_yes[0]
    with unit_of_work(shell.app.engine) as ctx:
        assert ctx.session.get(Client, client_id).deletion_mark
    row = form.model.find_row(client_id)
    index = form.model.index(row, 0)
    assert form.model.data(index, Qt.ItemDataRole.FontRole).strikeOut()
    form.view.selectRow(row)
    qtbot.keyClick(form.view, Qt.Key.Key_Delete)
    assert "Снять пометку" in answer_yes[1]
    with unit_of_work(shell.app.engine) as ctx:
        assert not ctx.session.get(Client, client_id).deletion_mark


def test_unsaved_changes_are_asked_about(shell, answer_yes):
    with unit_of_work(shell.app.engine) as ctx:
        client_id = ctx.session.scalar(select(Client.id).order_by(Client.id))
    form = entity("client").open(shell, client_id, None)
    status = form.editors["status"].edit  # chosen from the list (issue 11), not typed
    status.setCurrentIndex(status.findData("Постоянный"))
    assert form.modified and form.windowTitle().endswith("*")
    form.close_form()
    assert answer_yes == ["Данные были изменены. Сохранить изменения?"]
    with unit_of_work(shell.app.engine) as ctx:
        assert ctx.session.get(Client, client_id).status == "Постоянный"


def test_conflict_dialog_when_someone_else_saved_first(shell, qtbot):
    with unit_of_work(shell.app.engine) as ctx:
        client_id = ctx.session.scalar(select(Client.id).order_by(Client.id))
    form = entity("client").open(shell, client_id, None)
    with unit_of_work(shell.app.engine) as ctx:  # another user, another window
        clients.update_client(ctx, client_id, {"comment": "изменил коллега"})
    form.editors["status"].set("Мой статус")
    seen = []

    def press_reread():
        box = QApplication.activeModalWidget()
        seen.append(box.text())
        reread = next(b for b in box.buttons() if b.text() == "Перечитать")
        reread.click()

    QTimer.singleShot(0, press_reread)
    assert not form.write()
    assert seen and "уже изменён" in seen[0]
    assert form.editors["comment"].get() == "изменил коллега"  # re-read from the database
    with unit_of_work(shell.app.engine) as ctx:
        assert ctx.session.get(Client, client_id).status != "Мой статус"


def test_phone_panel_finds_the_caller_in_any_format(shell, qtbot):
    with unit_of_work(shell.app.engine) as ctx:
        c = clients.create_client(ctx, {"name": "Звонящий", "phones": ["+7 912 000-11-22"]})
        cid = c.id
    shell.phone.number.setText("8(912)0001122")
    assert shell.phone.lookup() == [cid]
    assert shell.quick_card.client_id == cid
    assert "Звонящий" in shell.quick_card.text.toPlainText()


def test_reminder_pops_up_once(shell):
    from datetime import timedelta

    from crmdesk.models import utcnow
    from crmdesk.services import tasks

    with unit_of_work(shell.app.engine) as ctx:
        task_id = tasks.create_task(
            ctx,
            "Позвонить в банк",
            remind_at=utcnow() - timedelta(minutes=1),
            deadline=utcnow() + timedelta(hours=1),
        ).id
    assert task_id in shell.check_reminders()
    window = shell.reminder_window
    assert window.isVisible()
    assert "Позвонить в банк" in [window.table.item(r, 1).text() for r in range(len(window.rows))]
    assert task_id not in shell.check_reminders()  # shown once, not again every 30 seconds


def test_kanban_moves_only_along_allowed_edges(shell, warnings):
    from crmdesk.models import Stage

    board = shell.open_special("kanban", "deals")
    with unit_of_work(shell.app.engine) as ctx:
        new = ctx.session.scalar(select(Stage).where(Stage.code == "new"))
        choice = ctx.session.scalar(select(Stage).where(Stage.code == "choice"))
        paid = ctx.session.scalar(select(Stage).where(Stage.code == "paid"))
        client_id = ctx.session.scalar(select(Client.id).order_by(Client.id))
        deal_id = deals.create_deal(ctx, client_id, "Поставка насосов", 50000).id
        ids = (new.id, choice.id, paid.id)
    board.refresh()
    assert not board.move(deal_id, ids[2])  # New → Paid is not an allowed edge
    assert "нельзя перевести" in warnings[0]
    assert board.move(deal_id, ids[1])
    column = board.columns[ids[1]]
    assert deal_id in [column.item(i).data(Qt.ItemDataRole.UserRole) for i in range(column.count())]


def test_global_search_finds_clients_and_documents(shell):
    with unit_of_work(shell.app.engine) as ctx:
        number = ctx.session.scalar(select(Document.number).where(Document.doc_type == "invoice"))
    results = shell.open_special("search", number)
    texts = [results.list.item(i).text() for i in range(results.list.count())]
    assert any(number in t for t in texts)
