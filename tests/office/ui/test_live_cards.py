"""Two desktops on one SQLite file (two real main windows, each with its own engine, as two
programs would have): a desktop's own save refreshes its open list once, not a second time
when its change counter comes round; a colleague's save refreshes it once, keeping the row
and the scroll; open cards reread what others saved, take a freed lock over and say so,
and keep unsaved changes (the version check refuses writing them over)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from crmdesk.db import make_engine
from crmdesk.models import Client, Document
from crmdesk.services import documents
from crmdesk.services.clients import create_client, update_client
from crmdesk.services.context import unit_of_work
from crmdesk.ui.generic.registry import entity
from crmdesk.ui.shell.office import COUNTER_CHECK_MS

SETTLE_MS = 3 * COUNTER_CHECK_MS  # every desktop has read its change counters since


@pytest.fixture
def colleague_engine(demo_engine):
    """The same file through an engine of its own: another program on this computer."""
    other = make_engine(demo_engine.url.render_as_string(hide_password=False))
    yield other
    other.dispose()


def counted(lst) -> list:
    """Every time the list is read again is noted."""
    calls, real = [], lst.model.refresh

    def refresh():
        calls.append(1)
        real()

    lst.model.refresh = refresh
    return calls


def _client(engine, n=0) -> int:
    """The n-th client Иванов (a manager) may change."""
    from crmdesk.services.rights import can_write_client

    with unit_of_work(engine, "ivanov") as ctx:
        return [c.id for c in ctx.session.scalars(select(Client).order_by(Client.id).limit(200))
                if can_write_client(ctx.user, c)][n]


def test_own_save_refreshes_my_list_once_and_the_colleagues_once(
    make_shell, demo_engine, colleague_engine, qtbot
):
    mine = make_shell(demo_engine)
    theirs = make_shell(colleague_engine, "ivanov")
    my_list, their_list = mine.open_list("clients"), theirs.open_list("clients")
    mine_read, theirs_read = counted(my_list), counted(their_list)
    cid = _client(demo_engine, 3)
    card = entity("client").open(mine, cid, None)
    card_reads, real_reload = [], card.reload
    card.reload = lambda *a, **k: (card_reads.append(1), real_reload(*a, **k))[1]
    card.editors["name"].set("ООО «Одно обновление»")
    assert card.write()
    qtbot.wait(SETTLE_MS)
    assert mine_read == [1]  # by the save itself; its counter moves are known as its own
    assert theirs_read == [1]  # by the change counter
    assert card_reads == [1]  # the card read what it wrote once, and not again for the hub
    with unit_of_work(demo_engine) as ctx:
        assert ctx.session.get(Client, cid).name == "ООО «Одно обновление»"
    card.close_form()
    qtbot.wait(SETTLE_MS)  # the lock freed: no list reads object_locks
    assert mine_read == [1] and theirs_read == [1]


def test_colleagues_write_refreshes_my_list_once_keeping_row_and_scroll(
    make_shell, demo_engine, colleague_engine, qtbot
):
    mine = make_shell(demo_engine)
    lst = mine.open_list("clients")
    qtbot.waitUntil(lambda: lst.model.rowCount() > 60)
    lst.view.selectRow(60)
    lst.view.scrollTo(lst.model.index(60, 0))
    kept, scroll = lst.current_id(), lst.view.verticalScrollBar().value()
    assert scroll > 0
    reads = counted(lst)
    before = lst.model.rowCount()
    with unit_of_work(colleague_engine, "ivanov") as ctx:
        create_client(ctx, {"name": "ЯЯЯ Коллега записал", "kind": "company"})
    qtbot.waitUntil(lambda: reads == [1], timeout=3000)
    qtbot.wait(SETTLE_MS)
    assert reads == [1]
    assert lst.model.rowCount() == before + 1
    assert lst.current_id() == kept
    assert lst.view.verticalScrollBar().value() == scroll
    lst.window().resize(1366, 768)
    lst.grab().save("/tmp/office-list-after-colleague.png")


def test_read_only_card_rereads_the_others_save_and_is_editable_once_freed(
    make_shell, demo_engine, colleague_engine, qtbot
):
    cid = _client(demo_engine, 2)
    first = make_shell(colleague_engine, "ivanov")
    second = make_shell(demo_engine)
    editing = entity("client").open(first, cid, None)
    watching = entity("client").open(second, cid, None)
    assert watching.read_only_reason.startswith("Объект редактируется пользователем Иванов")
    editing.editors["comment"].set("Перезвонить после обеда")
    assert editing.write()
    qtbot.waitUntil(lambda: watching.editors["comment"].get() == "Перезвонить после обеда",
                    timeout=3000)
    assert watching.read_only_reason  # still his: read-only, with what he saved
    assert watching.editors["name"].edit.isReadOnly()
    editing.close_form()
    qtbot.waitUntil(lambda: watching.read_only_reason is None, timeout=3000)
    assert not watching.editors["name"].edit.isReadOnly()
    assert watching.banner.isVisible()
    assert "больше не редактируется пользователем Иванов И.И." in watching.banner.text()
    for w, h in ((1366, 768), (1920, 1080)):
        second.resize(w, h)
        qtbot.wait(50)
        second.grab().save(f"/tmp/office-card-freed-{w}.png")
    qtbot.keyClicks(watching.editors["name"].edit, " plus")  # the first edit hides it
    assert not watching.banner.isVisible()
    assert watching.write()
    with unit_of_work(demo_engine) as ctx:
        client = ctx.session.get(Client, cid)
        assert client.comment == "Перезвонить после обеда" and client.name.endswith(" plus")


def test_card_with_unsaved_changes_is_not_overwritten(make_shell, demo_engine,
                                                      colleague_engine, qtbot):
    cid = _client(demo_engine, 4)
    mine = make_shell(demo_engine)
    card = entity("client").open(mine, cid, None)
    qtbot.keyClicks(card.editors["comment"].edit, "My draft")  # typed (ASCII keys)
    assert card.modified
    with unit_of_work(colleague_engine, "ivanov") as ctx:  # a program without a desktop
        update_client(ctx, cid, {"status": "VIP"})
    qtbot.waitUntil(lambda: card.messages.isVisible(), timeout=3000)
    assert "Объект изменён другим пользователем: Иванов И.И. в " in card.messages.text()
    assert card.editors["comment"].get() == "My draft"  # kept on screen
    assert card.editors["status"].get() != "VIP"  # not reread under the user's hands
    for w, h in ((1366, 768), (1920, 1080)):
        mine.resize(w, h)
        qtbot.wait(50)
        mine.grab().save(f"/tmp/office-card-changed-{w}.png")
    seen = []

    def keep_editing():
        box = QApplication.activeModalWidget()
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == "Продолжить редактирование").click()

    QTimer.singleShot(0, keep_editing)
    assert not card.write()  # the version check is the last guard
    assert seen and "Иванов" in seen[0]
    with unit_of_work(demo_engine) as ctx:
        client = ctx.session.get(Client, cid)
        assert client.status == "VIP" and client.comment != "My draft"


def test_open_invoice_rereads_its_posting_done_elsewhere(make_shell, demo_engine,
                                                         colleague_engine, qtbot):
    line = [{"description": "Насос", "quantity": 2, "price": "1000.50"}]
    cid = _client(demo_engine)
    with unit_of_work(demo_engine) as ctx:
        inv_id = documents.create_document(ctx, "invoice", cid, {"lines": line}).id
    mine = make_shell(demo_engine)
    card = entity("invoice").open(mine, inv_id, None)
    assert "(проведён)" not in card.windowTitle()
    with unit_of_work(colleague_engine, "ivanov") as ctx:  # the bank load, a script…
        documents.post(ctx, inv_id)
    qtbot.waitUntil(lambda: "(проведён)" in card.windowTitle(), timeout=3000)
    with unit_of_work(demo_engine) as ctx:
        assert card.version == ctx.session.get(Document, inv_id).version
    assert not card.messages.isVisible()
