"""What changed, told to the other desktops.

Every flush notes the tables it wrote; the commit announces them once. On PostgreSQL it
sends ``NOTIFY crmdesk_changes`` with their names (delivered to listeners only when the
transaction commits, and dropped with it on a rollback); on SQLite it bumps a counter per
table in ``change_counters`` (same transaction), which desktops compare every second
(``CounterWatch``). Desktops listen with ``PgListener`` — a thread of its own with its
own connection, no polling in the UI thread — and translate tables to the lists to
refresh with ``lists_for_tables``.

Only ORM writes are seen; a bulk statement that bypasses the session should call
``announce(session, *tables)`` itself.

A desktop's own writes are not news to it (it refreshes what it wrote at once): its units
of work carry its ``OwnWrites.origin`` in ``session.info``; on PostgreSQL the payload
starts with it (``origin;table,table``) and its own listener drops such notes; on SQLite
each bump returns the counter's new value, remembered by ``OwnWrites`` once committed, and
``CounterWatch`` reports a table only when a value it did not write is among the moves.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from crmdesk.models import ChangeCounter

CHANNEL = "crmdesk_changes"
EVERYTHING = "*"  # a listener that lost its connection: anything may have changed meanwhile
SILENT = {"change_counters"}
ORIGIN = "change_origin"  # session.info: the desktop (OwnWrites.origin) a unit of work is of
WRITTEN = "changes_written"  # session.info: {table: [counter values]} announced by it
_PENDING = "changes_pending"  # session.info: tables flushed, announced when it commits
log = logging.getLogger(__name__)

_BUMP = text(
    "INSERT INTO change_counters (table_name, counter) VALUES (:t, 1) "
    "ON CONFLICT (table_name) DO UPDATE SET counter = change_counters.counter + 1 "
    "RETURNING counter"
)


def _tables_of(objects: Iterable) -> set[str]:
    names = set()
    for obj in objects:
        table = getattr(type(obj), "__tablename__", None)
        if table and table not in SILENT:
            names.add(table)
    return names


def announce(session: Session, *tables: str) -> None:
    """Tell the other desktops that ``tables`` change in this transaction."""
    names = sorted(set(tables) - SILENT)
    if not names:
        return
    conn = session.connection()
    # what this transaction announced; a savepoint may still roll back: not remembered
    written = (None if session.in_nested_transaction()
               else session.info.setdefault(WRITTEN, {}))
    if conn.dialect.name == "postgresql":
        origin = session.info.get(ORIGIN)
        payload = ((f"{origin};" if origin else "") + ",".join(names))[:7000]  # 8000 at most
        conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": CHANNEL, "p": payload})
        if written is not None:
            for name in names:
                written.setdefault(name, [])
    else:
        for name in names:
            value = conn.execute(_BUMP, {"t": name}).scalar()
            if written is not None:
                written.setdefault(name, []).append(value)


def parse_payload(payload: str) -> tuple[str | None, set[str]]:
    """A notification's (origin or None, tables)."""
    origin, _, names = payload.rpartition(";")
    return origin or None, {t for t in names.split(",") if t}


class OwnWrites:
    """What one desktop itself committed, so that its own notifications are not taken for a
    colleague's (thread-safe: a worker thread may commit)."""

    def __init__(self):
        self.origin = uuid.uuid4().hex[:12]
        self._lock = threading.Lock()
        self._values: dict[str, set[int]] = {}

    def committed(self, written: dict[str, list[int]]) -> None:
        with self._lock:
            for table, values in written.items():
                self._values.setdefault(table, set()).update(v for v in values if v)

    def foreign(self, table: str, before: int, now: int) -> bool:
        """Whether the counter's move ``before`` → ``now`` holds a write not made here (the
        values seen are forgotten)."""
        with self._lock:
            mine = self._values.get(table, set())
            news = now < before or any(v not in mine for v in range(before + 1, now + 1))
            left = {v for v in mine if v > now}
            if left:
                self._values[table] = left
            else:
                self._values.pop(table, None)
        return news


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx, _instances) -> None:
    touched = _tables_of(session.new) | _tables_of(session.dirty) | _tables_of(session.deleted)
    if touched:
        session.info.setdefault("_changed_tables", set()).update(touched)


@event.listens_for(Session, "after_flush_postexec")
def _send(session: Session, _ctx) -> None:
    touched = session.info.pop("_changed_tables", None)
    if touched:  # told once per transaction, at its commit: a posting flushes 3–6 times
        session.info.setdefault(_PENDING, set()).update(touched)


@event.listens_for(Session, "before_commit")
def _send_on_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer commit tells
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit's own flush comes after this hook: its tables too
    touched = session.info.pop(_PENDING, None)
    if touched:
        announce(session, *touched)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(WRITTEN, None)  # rolled back: announced to nobody
    session.info.pop(_PENDING, None)


def lists_for_tables(tables: Iterable[str]) -> set[str]:
    """The list names (``services.lists.SPECS``) whose rows come from ``tables``;
    ``EVERYTHING`` gives every list."""
    from crmdesk.services.lists import SPECS

    tables = set(tables)
    found = set()
    for name, spec in SPECS.items():
        table = getattr(spec.model, "__tablename__", None)
        if EVERYTHING in tables or table in tables:
            found.add(name)
    return found


class CounterWatch:
    """SQLite desktops: which tables' counters moved since the last look (one tiny read)."""

    def __init__(self, engine: Engine, own: OwnWrites | None = None):
        self.engine = engine
        self.own = own  # this desktop's writes: not reported
        self.seen: dict[str, int] | None = None

    def poll(self) -> set[str]:
        from crmdesk.db import read_only

        # a reader's BEGIN (not the writers' BEGIN IMMEDIATE): under WAL it never waits
        # for a writer and never makes one wait, whatever the other windows are doing
        with read_only(self.engine).connect() as conn:
            now = dict(conn.execute(select(ChangeCounter.table_name, ChangeCounter.counter)).all())
        before, self.seen = self.seen, now
        if before is None:
            return set()
        moved = {t for t, n in now.items() if before.get(t) != n}
        if self.own is None:
            return moved
        return {t for t in moved if self.own.foreign(t, before.get(t, 0), now[t])}


class PgListener(threading.Thread):
    """LISTEN on a connection of its own; ``callback(tables)`` runs in this thread for each
    notification (a Qt caller passes a signal's emit, which queues it to the GUI thread).
    A lost connection is retried every ``retry`` seconds and then reported as
    ``{EVERYTHING}`` (notifications sent meanwhile are lost)."""

    def __init__(self, engine: Engine, callback: Callable[[set[str]], None],
                 retry: float = 3.0, ignore: str | None = None):
        super().__init__(name="crmdesk-changes", daemon=True)
        self.url = engine.url
        self.callback = callback
        self.ignore = ignore  # an origin (OwnWrites.origin) whose notes are not passed on
        self.retry = retry
        self._halt = threading.Event()
        self.listening = threading.Event()

    def conninfo(self) -> str:
        import psycopg

        u = self.url
        return psycopg.conninfo.make_conninfo(
            host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
            password=u.password or None, dbname=u.database, application_name="crmdesk-listen",
        )

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        import psycopg

        lost = False
        while not self._halt.is_set():
            try:
                with psycopg.connect(self.conninfo(), autocommit=True,
                                     connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if lost:
                        self.callback({EVERYTHING})
                        lost = False
                    while not self._halt.is_set():
                        batch: set[str] = set()
                        for note in conn.notifies(timeout=0.5):
                            origin, tables = parse_payload(note.payload)
                            if origin is None or origin != self.ignore:
                                batch.update(tables)
                            if len(batch) > 50:
                                break
                        if batch:
                            self.callback(batch)
            except Exception as exc:  # the server went away: retry, refresh all after
                self.listening.clear()
                lost = True
                if "does not exist" in str(exc):  # the database was dropped: nothing to hear
                    log.warning("change listener stops: %s", str(exc).splitlines()[0])
                    return
                log.warning("change listener: %s", str(exc).splitlines()[0] if str(exc) else exc)
                self._halt.wait(self.retry)
