"""The dynamic list: pages, server-side sort and search, filter, export, remembered state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import func, select

from crmdesk.models import Client
from crmdesk.services import lists
from crmdesk.services.context import unit_of_work
from crmdesk.services.demo import generate
from crmdesk.ui.generic.listmodel import PAGE

CLIENTS = 450


def test_paging_and_server_sort_on_both_databases(engine, make_shell, qtbot):
    generate(engine, clients=CLIENTS, seed=11)
    shell = make_shell(engine)
    form = shell.open_list("clients")
    model = form.model
    assert model.rowCount() == CLIENTS
    assert model.loaded_pages() <= 1  # the first screen only
    form.view.setFocus()
    QTest.keyClick(form.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert form.view.currentIndex().row() == CLIENTS - 1
    assert model.loaded_pages() <= 3  # the last page, not everything in between
    with unit_of_work(engine) as ctx:
        last_name = ctx.session.scalar(
            select(Client.name).order_by(Client.search_name.desc(), Client.id.desc()).limit(1)
        )
        inns = ctx.session.scalars(select(Client.inn).where(Client.inn.is_not(None))).all()
    assert model.data(model.index(CLIENTS - 1, 0)) == last_name
    inn_col = [c.key for c in model.spec.columns].index("inn")
    model.set_filters([lists.Filter("inn", "filled")])
    assert model.rowCount() == len(inns)
    form.view.sortByColumn(inn_col, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, inn_col)) == max(inns)
    form.view.sortByColumn(inn_col, Qt.SortOrder.AscendingOrder)
    values = [model.data(model.index(r, inn_col)) for r in range(PAGE + 5)]
    assert [v for v in values if v] == sorted(v for v in values if v)


def test_quick_search_filter_and_export(shell, qtbot, tmp_path, type_text):
    from openpyxl import load_workbook

    form = shell.open_list("clients")
    total = form.model.rowCount()
    with unit_of_work(shell.app.engine) as ctx:
        name = ctx.session.scalar(select(Client.name).where(Client.name.like("ООО%")).limit(1))
    word = name.split("«")[1][:5].upper()  # another case, a fragment of the name
    form.search.setFocus()
    type_text(form.search, word)
    qtbot.waitUntil(lambda: form.model.state.search == word, timeout=2000)
    found = form.model.rowCount()
    assert 0 < found < total
    names = [form.model.data(form.model.index(r, 0)) for r in range(found)]
    assert name in names
    assert "поиск" in form.status.text()
    form.clear_search()
    assert form.model.rowCount() == total
    form.model.set_filters([lists.Filter("kind", "=", "Частное лицо")])
    with unit_of_work(shell.app.engine) as ctx:
        persons = ctx.session.scalar(
            select(func.count()).select_from(Client).where(Client.kind == "person")
        )
    assert form.model.rowCount() == persons
    path = form.export(str(tmp_path / "clients.xlsx"))
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]][:3] == ["Наименование", "ИНН", "Телефон"]
    assert sheet.max_row == persons + 1


def test_marked_rows_hidden_on_demand(shell, answer_yes):
    form = shell.open_list("clients")
    total = form.model.rowCount()
    form.view.selectRow(0)
    form.toggle_mark()
    assert form.model.rowCount() == total
    form.marked_action.trigger()  # «Показывать помеченные» off
    assert form.model.rowCount() == total - 1
    form.marked_action.trigger()
    assert form.model.rowCount() == total


def test_window_state_is_restored_for_the_user(make_shell, demo_engine, qtbot):
    shell = make_shell(demo_engine)
    form = shell.open_list("invoices")
    form.view.setColumnWidth(2, 333)
    form.view.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # «Сумма»
    with unit_of_work(demo_engine) as ctx:
        client_id = ctx.session.scalar(select(Client.id).order_by(Client.id))
    from crmdesk.ui.forms import entity

    entity("client").open(shell, client_id, None)
    shell.choose_section("money")
    shell.favourites.append(("list:invoices", "Счета на оплату"))
    shell.close()
    again = make_shell(demo_engine, restore=True)
    keys = [f.form_key for f in again.forms()]
    assert keys == ["list:invoices", f"client:{client_id}"]
    invoices = again.form("list:invoices")
    assert invoices.view.columnWidth(2) == 333
    assert invoices.model.state.sort_key == "total"
    assert again.section == "money"
    assert again.favourites == [("list:invoices", "Счета на оплату")]
    assert again.mdi.activeSubWindow().widget().form_key == f"client:{client_id}"


def test_a_capped_count_shows_rows_at_once_and_the_exact_number_follows(
    engine, make_shell, qtbot, monkeypatch
):
    """The quick search counts at most COUNT_CAP matches before showing them; the exact
    number comes from a thread. Here the cap is 120 of 450 clients."""
    import crmdesk.ui.generic.listmodel as listmodel

    generate(engine, clients=CLIENTS, seed=11)
    monkeypatch.setattr(listmodel, "COUNT_CAP", 120)
    shell = make_shell(engine)
    form = shell.open_list("clients")
    model = form.model
    with unit_of_work(engine) as ctx:
        names = ctx.session.scalars(
            select(Client.name).order_by(Client.search_name, Client.id)
        ).all()
    qtbot.waitUntil(lambda: model.exact, timeout=10_000)
    assert model.rowCount() == CLIENTS
    assert "450" in form.status.text()
    # a slow exact count: the list must already show the right first rows
    real_count = lists.count
    gate = __import__("threading").Event()

    def slow_count(ctx, spec, state, cap=None):
        if cap is None:
            gate.wait(10)
        return real_count(ctx, spec, state, cap)

    monkeypatch.setattr(lists, "count", slow_count)
    model.refresh()
    assert not model.exact and model.rowCount() == 121
    assert "более 120" in form.status.text()
    assert [model.data(model.index(r, 0)) for r in (0, 1, 119)] == [
        names[0], names[1], names[119]
    ]
    gate.set()
    qtbot.waitUntil(lambda: model.exact, timeout=10_000)
    assert model.rowCount() == CLIENTS
    assert "450" in form.status.text() and "более" not in form.status.text()
    # Ctrl+End before the exact count arrives waits for it and lands on the real last row
    gate.clear()
    model.refresh()
    assert not model.exact
    form.view.setFocus()
    form.view.setCurrentIndex(model.index(0, 0))
    timer = __import__("threading").Timer(0.2, gate.set)
    timer.start()
    QTest.keyClick(form.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert form.view.currentIndex().row() == CLIENTS - 1
    assert model.data(model.index(CLIENTS - 1, 0)) == names[-1]
