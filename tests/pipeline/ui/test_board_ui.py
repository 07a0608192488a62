"""The deal board through the real main window: cards and column sums, the columns a card
may go to, a forbidden drop refused with the reason, a refusal with a reason from the
catalogue, «+» in a column, the filters."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import func, select

from crmdesk.models import Client, Deal, Stage
from crmdesk.services import deals
from crmdesk.services.context import unit_of_work
from crmdesk.services.money import format_money
from crmdesk.ui.forms.board import CARD

SHOTS = os.environ.get("CRMDESK_SHOTS")  # a folder: the board's screenshots go there


def _stage(engine, code):
    with unit_of_work(engine) as ctx:
        return ctx.session.scalar(select(Stage.id).where(Stage.code == code,
                                                         Stage.process_id == 1))


def test_columns_show_count_and_sum_and_cards_carry_the_deal(shell):
    board = shell.open_special("kanban", "deals")
    engine = shell.app.engine
    with unit_of_work(engine) as ctx:
        rows = dict(ctx.session.execute(select(Deal.stage_id, func.count()).where(
            Deal.deletion_mark.is_(False)).group_by(Deal.stage_id)).all())
        sums = {sid: sum(ctx.session.scalars(select(Deal.amount).where(
            Deal.stage_id == sid, Deal.deletion_mark.is_(False)))) for sid in rows}
    for sid, column in board.columns.items():
        title = board.titles[sid].text()
        assert f"{rows.get(sid, 0)} · " in title
        if sid in rows:
            assert format_money(sums[sid]) in title
            card = column.item(0).data(CARD)
            assert {"client", "title", "amount", "manager", "days", "task"} <= set(card)
    if SHOTS:
        for w, h in ((1366, 768), (1920, 1080)):
            shell.resize(w, h)
            QApplication.processEvents()
            shell.grab().save(os.path.join(SHOTS, f"board-{w}.png"))


def test_dragging_lights_the_allowed_columns_and_a_forbidden_drop_is_refused(shell, warnings):
    engine = shell.app.engine
    with unit_of_work(engine) as ctx:
        client_id = ctx.session.scalar(select(Client.id).order_by(Client.id))
        deal_id = deals.create_deal(ctx, client_id, "Поставка насосов", 50000).id
    board = shell.open_special("kanban", "deals")
    new, choice, paid = (_stage(engine, c) for c in ("new", "choice", "paid"))
    refusal = _stage(engine, "refusal")
    source = board.columns[new]
    ids = [source.item(i).data(Qt.ItemDataRole.UserRole) for i in range(source.count())]
    assert deal_id in ids
    board.dragging(deal_id, new)
    lit = {sid: c.highlighted for sid, c in board.columns.items()}
    assert lit[choice] == "allowed" and lit[refusal] == "allowed"
    assert lit[paid] == "forbidden" and lit[new] is None
    board.dragging(None, None)
    assert all(c.highlighted is None for c in board.columns.values())

    assert not board.move(deal_id, paid)  # «Новый» → «Оплачен»: no such transition
    assert "нельзя перевести с этапа «Новый» на этап «Оплачен»" in warnings[-1]
    assert "допустимо: «Выбор», «Отказ»" in warnings[-1]
    with unit_of_work(engine) as ctx:
        assert ctx.session.get(Deal, deal_id).stage_id == new
    assert board.move(deal_id, choice)
    target = board.columns[choice]
    assert deal_id in [target.item(i).data(Qt.ItemDataRole.UserRole)
                       for i in range(target.count())]


def test_a_move_to_refusal_asks_the_reason_from_the_catalogue(shell, monkeypatch):
    engine = shell.app.engine
    with unit_of_work(engine) as ctx:
        client_id = ctx.session.scalar(select(Client.id).order_by(Client.id))
        deal_id = deals.create_deal(ctx, client_id, "Сомнительная", 1000).id
    board = shell.open_special("kanban", "deals")
    offered = []

    def answer(dialog):
        from PySide6.QtWidgets import QComboBox

        combo = dialog.findChild(QComboBox)
        offered.extend(combo.itemText(i) for i in range(combo.count()))
        combo.setCurrentText("Нет бюджета")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QDialog, "exec", answer)
    assert board.move(deal_id, _stage(engine, "refusal"))
    assert offered[:2] == ["Дорого", "Выбрали другого поставщика"]
    with unit_of_work(engine) as ctx:
        deal = ctx.session.get(Deal, deal_id)
        assert (deal.stage.code, deal.refusal_reason) == ("refusal", "Нет бюджета")


def test_plus_in_a_column_starts_a_deal_there(shell):
    engine = shell.app.engine
    board = shell.open_special("kanban", "deals")
    board.new_deal("choice")
    form = shell.mdi.activeSubWindow().widget()
    assert form.editors["stage"].get() == "Выбор"
    with unit_of_work(engine) as ctx:
        client = ctx.session.scalar(select(Client).order_by(Client.id))
        ref = (client.id, client.name)
    form.editors["title"].set("Новая с доски")
    form.editors["client"].set(ref)
    assert form.write()
    with unit_of_work(engine) as ctx:
        deal = ctx.session.get(Deal, form.obj_id)
        assert (deal.title, deal.stage.code) == ("Новая с доски", "choice")


def test_search_and_only_mine_narrow_the_board(shell, qtbot):
    engine = shell.app.engine
    with unit_of_work(engine) as ctx:
        client_id = ctx.session.scalar(select(Client.id).order_by(Client.id))
        deals.create_deal(ctx, client_id, "Уникальный запрос Ёлкина", 10)
    board = shell.open_special("kanban", "deals")
    board.search.setText("ёлкина")
    qtbot.waitUntil(lambda: sum(c.total for c in board.columns.values()) == 1, timeout=3000)
    board.search.setText("")
    board.only_mine.setChecked(True)  # the administrator's own deals: the one made above
    qtbot.waitUntil(lambda: sum(c.total for c in board.columns.values()) == 1, timeout=3000)
