"""Two desktops on one PostgreSQL base: the change reaches the other window through
LISTEN/NOTIFY (a listener thread per desktop), not a polling timer."""

from __future__ import annotations

import pytest

from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.ui.generic.registry import entity


@pytest.mark.parametrize("engine", ["pg"], indirect=True)
def test_a_write_on_one_desktop_reaches_the_other_through_notify(engine, make_shell, qtbot):
    mine = make_shell(engine)
    other = make_shell(engine)
    assert mine.office.listener is not None and mine.office.watch is None  # no polling
    qtbot.waitUntil(lambda: mine.office.listener.listening.is_set(), timeout=5000)
    qtbot.waitUntil(lambda: other.office.listener.listening.is_set(), timeout=5000)
    lst = mine.open_list("clients")
    before = lst.model.rowCount()
    with unit_of_work(engine) as ctx:
        cid = create_client(ctx, {"name": "ООО «Сигнал»", "kind": "company"}).id
    qtbot.waitUntil(lambda: lst.model.rowCount() == before + 1, timeout=2000)

    # a card open on the other desktop locks it here, and frees it when closed there
    theirs = entity("client").open(other, cid, None)
    assert theirs.read_only_reason is None
    here = entity("client").open(mine, cid, None)
    assert here.read_only_reason and "Объект редактируется пользователем" in here.read_only_reason
    theirs.close_form()
    qtbot.waitUntil(lambda: here.read_only_reason is None, timeout=3000)
    for desk in (mine, other):
        desk.close()
    assert not mine.office.listener.is_alive() or mine.office.listener._halt.is_set()


@pytest.mark.parametrize("engine", ["pg"], indirect=True)
def test_own_save_refreshes_once_and_cards_reread_on_postgres(engine, make_shell, qtbot):
    from sqlalchemy import select

    from crmdesk.models import Client
    from crmdesk.services.clients import update_client
    from tests.office.ui.test_live_cards import counted

    with unit_of_work(engine) as ctx:
        cid = create_client(ctx, {"name": "ООО «Один раз»", "kind": "company"}).id
    mine, other = make_shell(engine), make_shell(engine)
    for desk in (mine, other):
        qtbot.waitUntil(lambda d=desk: d.office.listener.listening.is_set(), timeout=5000)
    my_list, their_list = mine.open_list("clients"), other.open_list("clients")
    mine_read, theirs_read = counted(my_list), counted(their_list)
    card = entity("client").open(mine, cid, None)
    watching = entity("client").open(other, cid, None)
    assert watching.read_only_reason
    card.editors["comment"].set("Записано у меня")
    assert card.write()
    qtbot.waitUntil(lambda: watching.editors["comment"].get() == "Записано у меня",
                    timeout=3000)  # the read-only card rereads what was saved
    qtbot.wait(1500)  # the own NOTIFY has come back by now, and was not taken for news
    assert mine_read == [1] and theirs_read == [1]
    card.close_form()
    qtbot.waitUntil(lambda: watching.read_only_reason is None, timeout=3000)
    assert "больше не редактируется" in watching.banner.text()
    qtbot.keyClicks(watching.editors["comment"].edit, " draft")
    with unit_of_work(engine) as ctx:  # a script writes meanwhile
        update_client(ctx, cid, {"status": "VIP"})
    qtbot.waitUntil(lambda: watching.messages.isVisible(), timeout=3000)
    assert "Объект изменён" in watching.messages.text()
    kept = watching.editors["comment"].get()  # the unsaved text stays on screen
    assert "draft" in kept and "Записано у меня" in kept
    with unit_of_work(engine) as ctx:
        assert ctx.session.scalar(select(Client.status).where(Client.id == cid)) == "VIP"
    watching.modified = False  # closing offscreen: no «Сохранить изменения?»
    for desk in (mine, other):
        desk.close()
