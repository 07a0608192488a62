"""Calls, tasks and deals of a day, through the main window on SQLite and PostgreSQL: a call
recorded from the phone panel, a task whose reminder fires and is postponed, a deal's
interaction carrying the client and the deal; and, in fresh processes, the deal board opened
first and every report generated before a clean exit."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from crmdesk.models import Interaction, Task, utcnow
from crmdesk.services import clients as client_rules
from crmdesk.services import deals, tasks
from crmdesk.services.context import unit_of_work

ROOT = Path(__file__).resolve().parents[2]


def _client(engine, name="ООО «Звонок»", phone="+79123456789"):
    with unit_of_work(engine) as ctx:
        return client_rules.create_client(ctx, {"name": name, "phones": [phone]}).id


def test_call_recorded_from_the_phone_panel_shows_in_the_quick_card(day, qtbot, type_text):
    client_id = _client(day.engine)
    other = _client(day.engine, "ООО «Другой»", "+79990001122")
    w = day.window
    w.client_selected(other)
    panel = w.phone
    panel.number.setFocus()
    type_text(panel.number, "8 912 345-67-89")
    qtbot.keyClick(panel.number, Qt.Key.Key_Return)
    assert w.quick_card.client_id == client_id  # the caller, not the last one looked at
    day.shot("caller")
    w.choose_section("crm")
    item = next(
        w.functions.item(i) for i in range(w.functions.count())
        if w.functions.item(i).text() == "Записать звонок"
    )
    w.run_item(item.data(Qt.ItemDataRole.UserRole))
    call = day.active()
    call.editors["client"].set_ref(client_id, "ООО «Звонок»")
    type_text(QApplication.focusWidget(), "Договорились о встрече")
    qtbot.keyClick(call, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with unit_of_work(day.engine) as ctx:
        rows = ctx.session.scalars(select(Interaction).where(Interaction.client_id == client_id))
        assert [i.gist for i in rows] == ["Договорились о встрече"]
    qtbot.waitUntil(lambda: "Договорились о встрече" in w.quick_card.text.toPlainText())
    assert w.quick_card.client_id == client_id
    day.shot("call-recorded")


def test_task_reminder_fires_in_a_window_and_is_postponed(day, qtbot):
    client_id = _client(day.engine)
    with unit_of_work(day.engine) as ctx:
        for n in range(40):  # a long list stays a window that fits the screen
            tasks.create_task(
                ctx, f"Позвонить {n}", client_id=client_id,
                remind_at=utcnow() - timedelta(minutes=1), deadline=utcnow() + timedelta(hours=2),
            )
        quiet = tasks.create_task(ctx, "Без напоминания", client_id=client_id)
        assert quiet.deadline is None and quiet.remind_at is None
    w = day.window
    assert len(w.check_reminders()) == 40
    window = w.reminder_window
    assert window.isVisible() and window.height() < 768
    assert window.table.item(0, 2).text() == "ООО «Звонок»"
    assert window.table.item(0, 3).text()  # the deadline
    day.shot("reminders", window)
    window.table.selectRow(0)
    first = window.rows[0].task_id
    window.postpone_choice.setCurrentIndex(window.postpone_choice.findData("15min"))
    qtbot.mouseClick(window.postpone_button, Qt.MouseButton.LeftButton)
    assert first not in [r.task_id for r in window.rows]
    with unit_of_work(day.engine) as ctx:
        later = ctx.session.get(Task, first).remind_at
        assert timedelta(minutes=14) < later - utcnow() <= timedelta(minutes=15)
    window.table.selectRow(0)
    second = window.rows[0].task_id
    qtbot.mouseClick(window.done_button, Qt.MouseButton.LeftButton)
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.get(Task, second).status == "done"
        ctx.session.get(Task, first).remind_at = utcnow() - timedelta(seconds=1)  # time passes
    assert w.check_reminders() == [first]  # the postponed one comes back, once
    window.table.selectRow([r.task_id for r in window.rows].index(first))
    window.open_task()
    assert day.active().form_key == f"task:{first}"
    assert w.quick_card.client_id == client_id


def test_a_deals_interaction_tab_adds_with_the_client_and_the_deal(day, qtbot, type_text):
    client_id = _client(day.engine)
    with unit_of_work(day.engine) as ctx:
        deal_id = deals.create_deal(ctx, client_id, "Поставка котлов", 100000).id
    day.window.open_key(f"deal:{deal_id}")
    card = day.active()
    tab = next(f for f in card.related if f.entity.name == "interaction")
    card.tab_widget.setCurrentWidget(tab)
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_Insert)
    call = day.active()
    assert call.entity_name == "interaction"
    assert call.editors["client"].get() == client_id and call.editors["deal"].get() == deal_id
    type_text(QApplication.focusWidget(), "Уточнили объём")
    day.shot("deal-interaction")
    qtbot.keyClick(call, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with unit_of_work(day.engine) as ctx:
        saved = ctx.session.scalar(select(Interaction).where(Interaction.deal_id == deal_id))
        assert saved.client_id == client_id and saved.gist == "Уточнили объём"
    assert tab.model.rowCount() == 1


WHOLE_DAY = r"""
import os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox
import crmdesk.app as app
import crmdesk.ui.shell.backup_check as backup_check

boxes = []
QMessageBox.warning = staticmethod(lambda *a, **k: boxes.append(a[2]))
QMessageBox.critical = staticmethod(lambda *a, **k: boxes.append(a[2]))
app.sign_in = lambda engine, login: "admin"


def day(window):
    board = window.open_special("kanban", "deals")  # the board first in a fresh session
    ids = [c.item(0).data(256) for c in board.columns.values() if c.count()]
    stages = list(board.columns)
    assert board.move(ids[0], stages[1]), boxes
    window.open_key(f"deal:{ids[0]}")
    assert window.form(f"deal:{ids[0]}") is not None
    for name in ("gross-profit", "receivables", "forecast"):
        form = window.open_special("report", name)
        assert form.generate() is not None, name
        window.grab()
    window.open_list("clients").open_row(0)
    assert not boxes, boxes
    QTimer.singleShot(100, window.close)


backup_check.after_start = lambda window: QTimer.singleShot(50, lambda: day(window))


class Args:
    db = sys.argv[1]
    user = None


sys.exit(app.main(Args()))
"""


def test_fresh_session_board_first_then_every_report_and_a_clean_exit(demo_engine, tmp_path):
    env = {**os.environ, "CRMDESK_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", WHOLE_DAY, str(demo_engine.url)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Fatal Python error" not in run.stderr and "Traceback" not in run.stderr
