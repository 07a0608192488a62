"""Issue 16: «Договор» on the order, the invoice and the payment (chosen among the
client's own contracts only, written to documents.contract_id), and the «Договоры» tab of
the client card."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from crmdesk.models import Document
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.contracts import create_contract
from crmdesk.ui.generic.listform import ChoiceDialog


@pytest.fixture
def base(engine):
    with unit_of_work(engine) as ctx:
        ours = create_client(ctx, {"name": "ООО «Свой»"}).id
        other = create_client(ctx, {"name": "ООО «Чужой»"}).id
        mine = [
            create_contract(ctx, {"number": n, "date": date(2026, 3, d), "client_id": ours}).id
            for n, d in (("Д-1", 1), ("Д-2", 2))
        ]
        foreign = create_contract(
            ctx, {"number": "Ч-9", "date": date(2026, 3, 3), "client_id": other}
        ).id
    return {"client": ours, "other": other, "mine": mine, "foreign": foreign}


@pytest.fixture
def choose(monkeypatch):
    """The choice list (F4) as the user sees it: which contracts it offers; the user
    takes the one asked for."""
    offered, wanted = [], {}

    def exec_(dialog):
        model = dialog.form.model
        model.ensure_exact()
        ids = [model.row_id(i) for i in range(model.rowCount())]
        offered.append(ids)
        row = model.find_row(wanted["id"])
        if row is None:
            return 0
        dialog._chosen(wanted["id"], model.row(row).values[0] and "№ " + model.row(row).values[0]
                       + f" от {model.row(row).values[1]:%d.%m.%Y}")
        return 1

    monkeypatch.setattr(ChoiceDialog, "exec", exec_)
    return offered, wanted


@pytest.mark.parametrize("doc_type", ["order", "invoice", "payment"])
def test_contract_field_offers_the_clients_contracts_and_is_written(
    day, qtbot, base, choose, doc_type
):
    offered, wanted = choose
    day.window.open_list(f"{doc_type}s").view.setFocus()
    qtbot.keyClick(day.active().view, Qt.Key.Key_Insert)
    form = day.active()
    assert form.doc_type == doc_type
    form.editors["client"].set((base["client"], "ООО «Свой»"))
    form.editors["client"].edited.emit()
    if doc_type == "payment":
        form.editors["total"].set(Decimal("500"))
    else:
        form.add_line({"description": "Работы", "quantity": Decimal(1), "price": Decimal(500)})
    wanted["id"] = base["mine"][1]
    ref = form.editors["contract"]
    qtbot.mouseClick(ref.button, Qt.MouseButton.LeftButton)  # «…»
    assert sorted(offered[-1]) == sorted(base["mine"])  # the other client's is not offered
    assert ref.get() == base["mine"][1] and ref.edit.text() == "№ Д-2 от 02.03.2026"
    assert form.write(), form.messages.text()
    day.shot(f"{doc_type}-contract")
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.get(Document, form.obj_id).contract_id == base["mine"][1]
    form.reload()
    assert form.editors["contract"].get() == base["mine"][1]
    assert form.editors["contract"].edit.text() == "№ Д-2 от 02.03.2026"

    form.editors["contract"].clear()  # Shift+F4: no contract
    assert form.write(), form.messages.text()
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.get(Document, form.obj_id).contract_id is None


def test_another_clients_contract_is_refused_by_name(day, qtbot, base):
    invoices = day.window.open_list("invoices")
    invoices.view.setFocus()
    qtbot.keyClick(invoices.view, Qt.Key.Key_Insert)
    form = day.active()
    form.editors["client"].set((base["client"], "ООО «Свой»"))
    form.add_line({"description": "Работы", "quantity": Decimal(1), "price": Decimal(500)})
    form.editors["contract"].set((base["foreign"], "№ Ч-9 от 03.03.2026"))
    assert not form.write()
    assert "Договор" in form.messages.text() and "другим клиентом" in form.messages.text()
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.query(Document).count() == 0  # nothing half-written


def test_changing_the_client_drops_the_other_clients_contract(day, qtbot, base):
    orders = day.window.open_list("orders")
    orders.view.setFocus()
    qtbot.keyClick(orders.view, Qt.Key.Key_Insert)
    form = day.active()
    form.editors["client"].set((base["client"], "ООО «Свой»"))
    form.editors["client"].edited.emit()
    form.editors["contract"].set((base["mine"][0], "№ Д-1 от 01.03.2026"))
    form.editors["client"].set((base["other"], "ООО «Чужой»"))
    form.editors["client"].edited.emit()
    assert form.editors["contract"].get() is None
    assert form.editors["contract"].fixed == {"client_id": base["other"]}


def test_client_card_has_a_contracts_tab(day, qtbot, base):
    day.window.open_key(f"client:{base['client']}")
    card = day.active()
    titles = [card.tab_widget.tabText(i) for i in range(card.tab_widget.count())]
    assert "Договоры" in titles
    tab = next(f for f in card.related if f.entity.name == "contract")
    card.tab_widget.setCurrentWidget(tab)
    tab.model.ensure_exact()
    ids = {tab.model.row_id(i) for i in range(tab.model.rowCount())}
    assert ids == set(base["mine"])
    day.shot("client-contracts-tab")
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_Insert)  # a new contract from the tab: its client set
    new = day.active()
    assert new.entity_name == "contract"
    assert new.editors["client"].get() == base["client"]
    new.modified = False


def test_a_document_made_on_the_basis_keeps_the_contract(day, base):
    from crmdesk.services.contracts import set_document_contract
    from crmdesk.services.documents import create_document

    with unit_of_work(day.engine) as ctx:
        order = create_document(ctx, "order", base["client"], {
            "lines": [{"description": "Работы", "quantity": 1, "price": 500}]}).id
        set_document_contract(ctx, order, base["mine"][0])
    day.window.open_key(f"order:{order}")
    form = day.active()
    assert form.editors["contract"].get() == base["mine"][0]
    form.create_based_on("invoice")
    invoice = day.active()
    assert invoice.doc_type == "invoice" and invoice.obj_id is None
    assert invoice.editors["contract"].get() == base["mine"][0]
    assert invoice.write(), invoice.messages.text()
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.get(Document, invoice.obj_id).contract_id == base["mine"][0]
