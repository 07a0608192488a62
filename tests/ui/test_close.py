"""Closing the main window stops everything that would go on asking its database."""

from PySide6.QtCore import QTimer


def test_a_closed_main_window_stops_all_its_timers(shell, qtbot):
    running = [t for t in shell.findChildren(QTimer) if t.isActive()]
    assert running, "the window has periodic work (reminders at least) while open"
    shell.close()
    assert not [t for t in shell.findChildren(QTimer) if t.isActive()]
