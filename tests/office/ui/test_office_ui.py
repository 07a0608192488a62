"""Two desktops on one SQLite base (two real main windows): what one writes the other's
lists show by themselves, a card open on one is read-only on the other with who and since
when, and the administrator ends a session from «Активные пользователи»."""

from __future__ import annotations

from sqlalchemy import select

from crmdesk.models import Client
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.ui.generic.registry import entity


def _first_client(engine) -> int:
    with unit_of_work(engine) as ctx:
        return ctx.session.scalar(select(Client.id).order_by(Client.id))


def test_a_colleagues_write_refreshes_my_list_keeping_the_row(make_shell, demo_engine, qtbot):
    desk = make_shell(demo_engine)
    lst = desk.open_list("clients")
    qtbot.waitUntil(lambda: lst.model.rowCount() > 5)
    lst.view.selectRow(60)  # far down the list: scrolled
    lst.view.scrollTo(lst.model.index(60, 0))
    kept, scroll = lst.current_id(), lst.view.verticalScrollBar().value()
    assert scroll > 0
    with unit_of_work(demo_engine, "ivanov") as ctx:  # another desktop writes
        new = create_client(ctx, {"name": "ЯЯЯ Живое обновление", "kind": "company"}).id
    before = lst.model.rowCount()
    with qtbot.waitSignal(desk.app.hub.changed, timeout=3000,
                          check_params_cb=lambda name: name == "clients"):
        pass
    qtbot.waitUntil(lambda: lst.current_id() == kept, timeout=2000)
    assert lst.model.rowCount() == before + 1  # the list was read again by itself
    assert lst.view.verticalScrollBar().value() == scroll  # and stays where the eye was
    assert new != kept


def test_second_editor_gets_the_card_read_only_until_the_first_closes(
    make_shell, demo_engine, qtbot
):
    cid = _first_client(demo_engine)
    first = make_shell(demo_engine, "ivanov")
    second = make_shell(demo_engine)
    mine = entity("client").open(first, cid, None)
    assert mine.read_only_reason is None
    theirs = entity("client").open(second, cid, None)
    assert theirs.read_only_reason.startswith("Объект редактируется пользователем Иванов И.И. с ")
    assert theirs.banner.isVisible()
    assert theirs.editors["name"].edit.isReadOnly()
    assert not theirs.write()  # the save button is off; a forced write is refused and said
    assert "Иванов И.И." in theirs.messages.text()
    theirs.banner.window().resize(1366, 768)
    theirs.grab().save("/tmp/office-readonly-card.png")
    mine.close_form()  # the first editor closes: the second takes the lock over itself
    qtbot.waitUntil(lambda: theirs.read_only_reason is None, timeout=4000)
    assert not theirs.editors["name"].edit.isReadOnly()


def test_the_administrator_ends_a_session(make_shell, demo_engine, qtbot, warnings):
    cid = _first_client(demo_engine)
    worker = make_shell(demo_engine, "ivanov")
    admin = make_shell(demo_engine)
    card = entity("client").open(worker, cid, None)
    form = admin.open_special("active_users", "active_users")
    admin.open_special("active_users", "active_users")  # again: the same form comes forward
    assert [f for f in admin.forms() if f.form_key == form.form_key] == [form]
    assert {r.login for r in form.rows} >= {"ivanov", admin.app.login}
    row = next(i for i, r in enumerate(form.rows) if r.id == worker.app.office_session_id)
    assert form.rows[row].locks == 1  # the card he has open
    form.table.selectRow(row)
    form.grab().save("/tmp/office-active-users.png")
    form.end_selected(confirm=False)
    qtbot.waitUntil(lambda: worker.office.ended is not None, timeout=4000)
    assert any("Сеанс работы завершён" in w for w in warnings)
    assert card.read_only_reason and "Сеанс работы завершён" in card.read_only_reason
    assert card.editors["name"].get()  # the data stays on screen
    with unit_of_work(demo_engine) as ctx:  # and nothing he had written is gone
        assert ctx.session.get(Client, cid) is not None
    assert worker.app.office_session_id not in {r.id for r in form.rows}


def test_a_base_busy_at_start_still_opens_the_desktop(make_shell, demo_engine, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import crmdesk.ui.shell.office as office_ui

    def busy(*_a, **_k):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(office_ui, "start_session", busy)
    desk = make_shell(demo_engine)
    assert desk.office.session_id is None
    card = entity("client").open(desk, _first_client(demo_engine), None)
    assert card.read_only_reason is None and card.write()  # works on, without a lock
