"""The desktop's connection to the business layer: one database, one signed-in user."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from sqlalchemy import Engine

from crmdesk.config import data_dir
from crmdesk.db import describe
from crmdesk.services.changes import ORIGIN, WRITTEN, OwnWrites, lists_for_tables
from crmdesk.services.context import Context, unit_of_work


class ChangeHub(QObject):
    """One change notification: saves announce what changed, open lists refresh themselves.

    A write of this desktop refreshes each list it touched once: the lists its form names
    (``AppSession.changed``) at once, the other tables it wrote a moment later
    (``own_write``); the other desktops' notifications of it are not passed on here."""

    changed = Signal(str)  # the list name (clients, invoices, …) whose rows changed
    _own = Signal()

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._own.connect(self._flush_own, Qt.ConnectionType.QueuedConnection)

    def own_write(self, lists: set[str]) -> None:
        """This desktop committed a write to ``lists``' tables (any thread)."""
        if not lists:
            return
        with self._lock:
            self._pending |= lists
        self._own.emit()

    def told(self, name: str) -> None:
        """``name`` was just refreshed: a pending own write of it is done."""
        with self._lock:
            self._pending.discard(name)

    def _flush_own(self) -> None:
        with self._lock:
            names, self._pending = self._pending, set()
        for name in sorted(names):
            self.changed.emit(name)


class AppSession:
    """Engine + user for the whole window; every operation runs in its own unit of work."""

    def __init__(self, engine: Engine, login: str | None = None):
        self.engine = engine
        with unit_of_work(engine, login) as ctx:
            self.login = ctx.user.login
            self.user_id = ctx.user.id
            self.full_name = ctx.user.full_name
            self.role_name = ctx.user.role.name
            self.permissions = set(ctx.user.role.permissions or [])
        self.hub = ChangeHub()
        self.own = OwnWrites()  # this desktop's writes, known apart from the colleagues'
        self.office_session_id: int | None = None  # set by the main window's OfficeLink
        self.office = None
        self.database = describe(engine)

    @contextmanager
    def uow(self, read_only: bool = False) -> Iterator[Context]:
        """A unit of work as the signed-in user; ``read_only`` for lists, cards and reports
        (on SQLite they then never make another user's save wait)."""
        with unit_of_work(self.engine, self.login, read_only) as ctx:
            # this desktop's office session: its own locks pass, an ended one cannot write
            ctx.session.info["office_session_id"] = self.office_session_id
            ctx.session.info[ORIGIN] = self.own.origin
            yield ctx
        written = ctx.session.info.get(WRITTEN)  # reached once committed
        if written:
            self.own.committed(written)
            self.hub.own_write(lists_for_tables(written))

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def settings(self) -> QSettings:
        """Window state of this user (layout, columns, sort, open forms), kept per user."""
        s = QSettings(str(data_dir() / "ui-state.ini"), QSettings.Format.IniFormat)
        s.beginGroup(f"user-{self.login}")
        return s

    def changed(self, *lists: str) -> None:
        for name in lists:
            self.hub.told(name)
            self.hub.changed.emit(name)
