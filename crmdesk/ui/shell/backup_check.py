"""Automatic daily backup from the desktop, and the warning when backups are not happening.

At start and then every hour the window asks the business layer whether a backup is due
(``services.backup.auto_backup_if_due``: the last good one is older than the interval);
the copy runs in a worker thread so nobody waits for it. A label in the status bar always
tells when the last good backup was; it turns red, and a message box says why, when the
last attempt failed or the last good copy is older than two intervals.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMessageBox

from crmdesk.services import backup as backups
from crmdesk.ui.i18n import tr

CHECK_MS = 60 * 60 * 1000
STALE_AFTER = 2  # intervals without a good backup before the warning


def problem(status: dict, now: datetime | None = None) -> str | None:
    """Why the office should worry about its backups, or None when all is well."""
    now = now or datetime.now().astimezone()
    last = status.get("last") or {}
    if last and not last.get("ok", True):
        return tr("Последнее резервное копирование не удалось: {0}").format(
            last.get("message") or "?"
        )
    ok_at = last.get("last_ok_at")
    if not ok_at:
        return tr("Резервных копий ещё нет (папка: {0})").format(status.get("dir"))
    hours = float(status.get("interval_hours") or 24)
    if now - datetime.fromisoformat(ok_at) > timedelta(hours=hours * STALE_AFTER):
        return tr("Последняя резервная копия старше {0} ч: {1}").format(
            int(hours * STALE_AFTER), datetime.fromisoformat(ok_at).strftime("%d.%m.%Y %H:%M")
        )
    return None


class BackupWatch(QObject):
    """Owned by the main window: runs due backups in the background, shows their state."""

    finished = Signal(object)  # BackupResult | None, delivered in the GUI thread

    def __init__(self, window, interactive: bool = True):
        super().__init__(window)
        self.window = window
        self.engine = window.app.engine
        self.interactive = interactive
        self.running: threading.Thread | None = None
        self.warned: str | None = None
        self.label = QLabel()
        window.statusBar().addPermanentWidget(self.label)
        self.finished.connect(self._done)
        self.timer = QTimer(self, interval=CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        """Start a backup when one is due (never two at once); refresh the label."""
        if self.running is not None and self.running.is_alive():
            return
        self.running = threading.Thread(target=self._work, name="crmdesk-backup", daemon=True)
        self.running.start()

    def _work(self) -> None:
        try:
            result = backups.auto_backup_if_due(self.engine)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never lost
            result = backups.BackupResult(False, None, "?", str(exc))
        self.finished.emit(result)

    def _done(self, result) -> None:
        if result is not None:
            if result.ok:
                self.window.message(tr("Резервная копия сохранена: {0}").format(result.path))
            else:
                self.window.message(tr("Резервная копия не сохранена: {0}").format(result.message))
        self.show_state()

    def show_state(self) -> str | None:
        """Update the status-bar label; warn once per distinct problem. Returns the problem."""
        status = backups.backup_status(self.engine)
        status["interval_hours"] = backups._setting(self.engine, "backup_interval_hours")
        trouble = problem(status)
        last = status.get("last") or {}
        ok_at = last.get("last_ok_at")
        when = datetime.fromisoformat(ok_at).strftime("%d.%m.%Y %H:%M") if ok_at else "—"
        self.label.setText(tr("Резервная копия: {0}").format(when))
        self.label.setToolTip(trouble or status.get("dir") or "")
        self.label.setStyleSheet("color: #c00000; font-weight: bold;" if trouble else "")
        if trouble and trouble != self.warned:
            self.warned = trouble
            if self.interactive:
                QMessageBox.warning(self.window, tr("Резервное копирование"), trouble)
        return trouble


def after_start(window, interactive: bool = True) -> BackupWatch:
    """Called by the app once the main window is shown."""
    window.backup_watch = BackupWatch(window, interactive)
    window.backup_watch.check()
    return window.backup_watch
