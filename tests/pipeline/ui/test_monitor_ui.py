"""«Монитор руководителя» on the start page: for the head only; its links open the lists."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QApplication

from crmdesk.services.context import unit_of_work
from crmdesk.services.money import format_money
from crmdesk.services.monitor import monitor

SHOTS = os.environ.get("CRMDESK_SHOTS")


def test_the_head_sees_the_monitor_and_its_figures_open_the_lists(make_shell, demo_engine):
    window = make_shell(demo_engine, "smirnova")
    start = window.open_special("start", "start")
    assert start.monitor is not None
    start.monitor.wait()  # counted in a thread: the page paints before the figures come
    with unit_of_work(demo_engine, "smirnova") as ctx:
        m = monitor(ctx)
    assert format_money(m.receivables) in start.monitor.cells["money"].text()
    assert m.receivables >= m.overdue > 0  # the demo has overdue invoices
    assert "Выставление счёта" in start.monitor.cells["funnel"].text()
    start.monitor.cells["tasks"].linkActivated.emit("list:tasks")
    assert window.form("list:tasks") is not None
    if SHOTS:
        window.activate("start:start")
        window.resize(1366, 768)
        QApplication.processEvents()
        window.grab().save(os.path.join(SHOTS, "monitor-1366.png"))


def test_a_manager_has_no_monitor(make_shell, demo_engine):
    window = make_shell(demo_engine, "ivanov")
    start = window.open_special("start", "start")
    assert start.monitor is None
