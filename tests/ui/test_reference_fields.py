"""Issue 11, reference fields the 1C way: «Подбор» with quantities, values chosen from lists,
the client kind ИП — each walked through the real main window."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.ui.generic.registry import open_entity


def _products(engine, n=3):
    from crmdesk.models import Product

    with Session(engine) as s:
        rows = s.scalars(
            select(Product).where(Product.deletion_mark.is_(False)).order_by(Product.id)
        ).all()
        return [(p.id, p.name, p.price, p.unit, p.vat_rate, p.kind) for p in rows[:n]]


def _first_client(engine):
    from crmdesk.models import Client

    with Session(engine) as s:
        c = s.scalars(select(Client).order_by(Client.id)).first()
        return c.id, c.name


def _lines_action(form, text):
    return next(a for a in form.lines_view.actions() if a.text() == text)


def _pick_with_quantity(dialog, qtbot, name: str, quantity: str | None) -> None:
    """Find the product by its name in the catalogue, Enter, type its quantity, Enter."""
    catalogue = dialog.catalogue
    catalogue.search.setText(name)
    catalogue.apply_search()
    model = catalogue.model
    row = next(r for r in range(model.rowCount()) if model.row(r).values[0] == name)
    catalogue.view.setCurrentIndex(model.index(row, 0))
    catalogue.view.setFocus()
    qtbot.keyClick(catalogue.view, Qt.Key.Key_Return)
    QApplication.processEvents()
    editor = dialog.table.findChild(QLineEdit)  # the basket's quantity opened for typing
    assert editor is not None and editor.isVisible()
    if quantity is not None:
        editor.selectAll()
        qtbot.keyClicks(editor, quantity)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()


def test_pick_several_products_with_quantities_into_the_table_part(
    shell, demo_engine, qtbot, tmp_path
):
    from crmdesk.models import DocumentLine

    (a_id, a, a_price, a_unit, a_vat, _), (b_id, b, b_price, *_), (c_id, c, c_price, *_) = (
        _products(demo_engine)
    )
    form = open_entity(shell, "order")
    form.editors["client"].set_ref(*_first_client(demo_engine))
    seen = {}

    def drive():
        dialog = form.pick_dialog
        dialog.resize(1366 * 3 // 4, 768 * 3 // 4)
        _pick_with_quantity(dialog, qtbot, a, "3")
        _pick_with_quantity(dialog, qtbot, b, "2")
        _pick_with_quantity(dialog, qtbot, c, "1,5")
        _pick_with_quantity(dialog, qtbot, a, None)  # picked again: one more, 4
        seen["basket"] = [(ln["product_id"], ln["quantity"]) for ln in dialog.basket]
        seen["summary"] = dialog.summary.text()
        dialog.grab().save(str(tmp_path / "pick.png"))
        qtbot.keyClick(dialog.transfer_button, Qt.Key.Key_Space)  # «Перенести в документ»

    QTimer.singleShot(0, drive)
    _lines_action(form, "Подбор").trigger()
    assert seen["basket"] == [(a_id, Decimal(4)), (b_id, Decimal(2)), (c_id, Decimal("1.5"))]
    assert "3" in seen["summary"]
    lines = form.lines_model.lines
    assert [(ln["product_id"], ln["quantity"]) for ln in lines] == seen["basket"]
    assert (lines[0]["description"], lines[0]["price"], lines[0]["unit"]) == (a, a_price, a_unit)
    assert lines[0]["vat_rate"] == a_vat and lines[0]["amount"] is not None
    total, _vat = form.lines_model.totals()
    expected = sum(ln["amount"] for ln in lines)
    assert total >= expected and total > 0
    assert form.totals.text().startswith("Всего:")
    assert form.modified
    # picked once more: the same product at the same price adds up on its line
    QTimer.singleShot(0, lambda: (
        form.pick_dialog.pick(b_id, Decimal(4)), form.pick_dialog.accept()))
    _lines_action(form, "Подбор").trigger()
    assert len(form.lines_model.lines) == 3 and form.lines_model.lines[1]["quantity"] == 6
    assert form.write(), form.messages.text()
    with Session(demo_engine) as s:
        stored = s.scalars(
            select(DocumentLine).where(DocumentLine.document_id == form.obj_id)
            .order_by(DocumentLine.id)
        ).all()
        assert [(ln.product_id, ln.quantity) for ln in stored] == [
            (a_id, Decimal(4)), (b_id, Decimal(6)), (c_id, Decimal("1.5"))]
        assert stored[0].price == a_price and stored[2].price == c_price


def test_pick_cancelled_with_esc_leaves_the_document_untouched(shell, demo_engine, qtbot):
    (a_id, *_), (b_id, *_) = _products(demo_engine, 2)
    form = open_entity(shell, "order")
    form.add_product(a_id)
    form.modified = False
    before = [dict(ln) for ln in form.lines_model.lines]

    def drive():
        dialog = form.pick_dialog
        dialog.pick(b_id, Decimal(7))
        dialog.pick(a_id, Decimal(2))
        qtbot.keyClick(dialog.catalogue.view, Qt.Key.Key_Escape)

    QTimer.singleShot(0, drive)
    form.pick_products()
    assert form.lines_model.lines == before and not form.modified


def test_pick_groups_filter_the_catalogue(shell, demo_engine):
    products = _products(demo_engine, 1000)
    services = {p[1] for p in products if p[5] == "service"}
    form = open_entity(shell, "order")
    from crmdesk.ui.generic.picker import PickDialog

    dialog = PickDialog(form)
    dialog.groups.setCurrentRow(2)  # «Услуги»
    model = dialog.catalogue.model
    shown = {model.row(r).values[0] for r in range(model.rowCount())}
    assert shown and shown <= services
    dialog.groups.setCurrentRow(0)
    assert dialog.catalogue.model.rowCount() >= len(shown)
    dialog.reject()


def _group_ids(engine, *names):
    from crmdesk.models import ClientGroup

    with Session(engine) as s:
        return [s.scalar(select(ClientGroup.id).where(ClientGroup.name == n)) for n in names]


def test_create_an_ip_client_through_the_main_window(shell, demo_engine, qtbot, type_text,
                                                     tmp_path):
    from crmdesk.models import Client

    shell.choose_section("crm")
    clients = shell.open_list("clients")
    create = next(a for a in clients.bar.actions() if a.text() == "Создать")
    create.trigger()
    card = shell.mdi.activeSubWindow().widget()
    assert card.entity_name == "client"
    kind = card.editors["kind"]
    assert [kind.edit.itemText(i) for i in range(kind.edit.count())] == [
        "Организация", "Индивидуальный предприниматель", "Частное лицо"]
    assert card.labels["kpp"].isVisibleTo(card) and card.labels["ogrn"].text() == "ОГРН:"
    kind.edit.setCurrentIndex(1)  # ИП: ОГРНИП instead of ОГРН, no КПП
    assert not card.labels["kpp"].isVisibleTo(card)
    assert not card.editors["kpp"].isVisibleTo(card)
    assert card.labels["ogrn"].text() == "ОГРНИП:"
    card.editors["name"].edit.setFocus()
    type_text(card.editors["name"].edit, "ИП Ёлкин Пётр Сергеевич")
    # a 10-digit INN and a 13-digit ОГРН: refused, each message under its field
    card.editors["inn"].edit.setText("7707083893")
    card.editors["ogrn"].edit.setText("1027700132195")
    assert not card.write()
    assert "12 цифр" in card.field_error("ИНН")
    assert "15 цифр" in card.field_error("ОГРНИП")
    card.editors["inn"].edit.setText("500100732259")
    card.editors["ogrn"].edit.setText("304500116000157")
    card.resize(1366, 768)
    card.grab().save(str(tmp_path / "ip.png"))
    assert card.write(), card.messages.text()
    with Session(demo_engine) as s:
        c = s.get(Client, card.obj_id)
        assert (c.kind, c.name, c.inn, c.kpp, c.ogrn) == (
            "ip", "ИП Ёлкин Пётр Сергеевич", "500100732259", None, "304500116000157")
    # the list shows the kind
    clients.refresh()
    kinds = {clients.model.row(r).values[clients.spec.columns.index(clients.spec.column("kind"))]
             for r in range(clients.model.rowCount())}
    assert kinds


def test_groups_status_and_source_are_chosen_from_lists(make_shell, demo_engine, qtbot,
                                                          type_text):
    from crmdesk.models import Client, ClientGroup
    from crmdesk.ui.generic.fields import RefsEditor

    manager = make_shell(demo_engine, "ivanov")
    card = open_entity(manager, "client")
    groups = card.editors["groups"]
    assert isinstance(groups, RefsEditor)
    for key in ("status", "source"):  # enumerations, not free text
        assert card.editors[key].edit.__class__.__name__ == "QComboBox"
    card.editors["name"].edit.setText("ООО «Тополь»")
    # a known group typed in another case is taken; an unknown one is refused, not created
    groups.edit.setFocus()
    type_text(groups.edit, "оптовые, Мои любимые")
    groups.edit.editingFinished.emit()
    assert groups.refused == ["Мои любимые"]
    assert groups.get() == _group_ids(demo_engine, "Оптовые")
    assert groups.edit.text() == "Оптовые"
    # the choice list (F4) has no «Создать» for a manager without the right to the catalogue
    QTimer.singleShot(0, lambda: _check_choice(groups, create_expected=False, pick="Новые"))
    groups.choose()
    assert groups.get() == _group_ids(demo_engine, "Оптовые", "Новые")
    status = card.editors["status"]
    status.edit.setCurrentIndex(status.edit.findData("Постоянный"))
    source = card.editors["source"]
    source.edit.setCurrentIndex(source.edit.findData("Рекомендация"))
    assert card.write(), card.messages.text()
    with Session(demo_engine) as s:
        c = s.get(Client, card.obj_id)
        assert sorted(g.name for g in c.groups) == ["Новые", "Оптовые"]
        assert (c.status, c.source) == ("Постоянный", "Рекомендация")
        assert s.scalar(select(ClientGroup).where(ClientGroup.name == "Мои любимые")) is None
    # the administrator's choice list offers «Создать»
    admin = make_shell(demo_engine)
    card = open_entity(admin, "client")
    QTimer.singleShot(0, lambda: _check_choice(card.editors["groups"], create_expected=True))
    card.editors["groups"].choose()


def _check_choice(editor, create_expected: bool, pick: str | None = None):
    dialog = editor.dialog
    texts = [a.text() for a in dialog.form.bar.actions()]
    seen = ("Создать" in texts) == create_expected
    if pick is None or not seen:
        dialog.reject()
        assert seen, texts
        return
    model = dialog.form.model
    row = next(r for r in range(model.rowCount()) if model.row(r).values[0] == pick)
    dialog.form._choose_row(row)


def test_vat_rates_sources_and_the_phone_region_are_chosen_from_lists(shell, demo_engine):
    from PySide6.QtWidgets import QComboBox

    from crmdesk.models import Product, Setting
    from crmdesk.ui.generic.documentform import LINE_COLUMNS
    from crmdesk.ui.generic.productcell import VatDelegate

    (a_id, _n, _p, _u, a_vat, _k), = _products(demo_engine, 1)
    order = open_entity(shell, "order")
    order.add_product(a_id)
    view = order.lines_view
    column = 1 + [k for k, _t, _w in LINE_COLUMNS].index("vat_rate")
    assert isinstance(view.itemDelegateForColumn(column), VatDelegate)
    index = order.lines_model.index(0, column)
    view.setCurrentIndex(index)
    view.edit(index)
    combo = view.indexWidget(index)
    assert isinstance(combo, QComboBox) and not combo.isEditable()
    assert combo.currentData() == a_vat  # the line's rate is the one shown
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert "22 %" in texts and "10 %" in texts and "0 %" in texts
    combo.setCurrentIndex(texts.index("10 %"))
    combo.activated.emit(combo.currentIndex())
    view.commitData(combo)
    assert order.lines_model.lines[0]["vat_rate"] == Decimal(10)
    # the product card's rate, the deal's source, the settings' phone region: lists too
    product = open_entity(shell, "product", a_id)
    rate = product.editors["vat_rate"]
    assert rate.edit.currentData() == a_vat and not rate.edit.isEditable()
    rate.edit.setCurrentIndex([rate.edit.itemText(i) for i in range(rate.edit.count())]
                              .index("10 %"))
    assert product.write(), product.messages.text()
    with Session(demo_engine) as s:
        assert s.get(Product, a_id).vat_rate == Decimal(10)
    org = open_entity(shell, "organization")
    org_rate = org.editors["vat_rate"].edit
    assert isinstance(org_rate, QComboBox) and org_rate.currentText() == "22 %"
    deal = open_entity(shell, "deal")
    assert isinstance(deal.editors["source"].edit, QComboBox)
    assert deal.editors["source"].edit.findText("Рекомендация") >= 0
    settings = open_entity(shell, "settings", 1)
    region = settings.editors["phone_region"]
    assert region.get() == "RU" and not region.edit.isEditable()
    region.edit.setCurrentIndex(region.edit.findData("KZ"))
    assert settings.write(), settings.messages.text()
    with Session(demo_engine) as s:
        assert s.get(Setting, "phone_region").value == "KZ"


def test_the_refusal_reason_is_chosen_from_the_process_catalogue(shell, demo_engine):
    from PySide6.QtWidgets import QComboBox

    from crmdesk.services import processes
    from crmdesk.ui.forms.deals import ask_reason

    with shell.app.uow(read_only=True) as ctx:
        process_id = processes.processes(ctx)[0].id
        reasons = processes.reasons(ctx, process_id)
    assert reasons  # the demo process has its reasons
    seen = {}

    def answer():
        dialog = shell.reason_dialog
        combo = dialog.findChild(QComboBox)
        seen["editable"] = combo.isEditable()
        seen["items"] = [combo.itemText(i) for i in range(combo.count())]
        combo.setCurrentIndex(len(reasons) - 1)
        dialog.accept()

    QTimer.singleShot(0, answer)
    assert ask_reason(shell, process_id) == reasons[-1]
    assert seen == {"editable": False, "items": reasons}


def test_pick_takes_a_changed_price_and_refuses_a_bad_quantity(shell, demo_engine):
    from crmdesk.ui.generic.picker import PRICE, QTY

    (a_id, _a, a_price, *_), = _products(demo_engine, 1)
    form = open_entity(shell, "order")
    seen = {}

    def drive():
        dialog = form.pick_dialog
        row = dialog.pick(a_id, Decimal(2))
        dialog.table.item(row, PRICE).setText("1 000,50")  # what the cell's editor commits
        dialog.table.item(row, QTY).setText("ноль")  # not a number: refused, named
        assert dialog.basket[0]["quantity"] == 2 and dialog.basket[0]["price"] == Decimal(
            "1000.50")
        assert dialog.table.item(row, QTY).text() == "2"
        seen["message"] = shell.statusBar().currentMessage()
        dialog.accept()

    QTimer.singleShot(0, drive)
    form.pick_products()
    line = form.lines_model.lines[0]
    assert (line["product_id"], line["quantity"], line["price"]) == (
        a_id, Decimal(2), Decimal("1000.50"))
    assert line["price"] != a_price
    assert seen["message"] == "Поле «Кол-во» заполнено неверно: «ноль»"
