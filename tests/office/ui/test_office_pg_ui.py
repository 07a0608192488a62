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
