"""The head's monitor counts in a thread: the start page paints before the figures come, and
a change while a count runs is counted once more, so the page ends with the newest figures."""

from __future__ import annotations

import threading

from crmdesk.services import monitor as figures
from crmdesk.services.context import unit_of_work
from crmdesk.services.money import format_money


def test_figures_come_from_a_thread_and_a_change_meanwhile_is_counted(make_shell, demo_engine,
                                                                     monkeypatch, qtbot):
    gate = threading.Event()
    real = figures.monitor

    def slow(ctx):
        gate.wait(10)
        return real(ctx)

    monkeypatch.setattr(figures, "monitor", slow)
    window = make_shell(demo_engine, "smirnova")  # built while the count waits at the gate
    start = window.open_special("start", "start")
    assert "Загрузка" in start.monitor.cells["money"].text()
    calls = []
    monkeypatch.setattr(figures, "monitor", lambda ctx: calls.append(1) or slow(ctx))
    start.monitor.refresh()  # a colleague posted meanwhile: asked while the first count runs
    gate.set()
    qtbot.waitUntil(lambda: "Загрузка" not in start.monitor.cells["money"].text())
    start.monitor.wait()
    assert calls == [1]  # counted once more, after the first
    with unit_of_work(demo_engine, "smirnova") as ctx:
        assert format_money(real(ctx).receivables) in start.monitor.cells["money"].text()
