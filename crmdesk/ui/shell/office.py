"""The desktop's part of the office on one database.

``OfficeLink`` (one per main window): the session of this desktop (started at sign-in,
heartbeat, closed on exit), what other desktops change — PostgreSQL: a ``PgListener``
thread whose notifications arrive here as a queued signal; SQLite: the change counters
read once a second — turned into the ONE change notification of ``app.hub`` that lists,
cards, the quick card, the board and «Задачи на сегодня» already follow; and the end of
this session by the administrator (forms stay open read-only with their data, writes are
refused by the rules layer with the reason).

``form_opened`` / ``form_written`` / ``form_closed``: the generic object form takes the
object's lock, shows «Объект редактируется пользователем …» read-only, frees it on close;
a read-only card takes the lock over (and says so) once the other user lets it go.
``form_changed``: an open card rereads what another user (or another form) saved — unless
it holds unsaved changes: then it says so, and the version check refuses the stale write.

``ActiveUsers`` — Администрирование → «Активные пользователи».
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from crmdesk.services import office as locks
from crmdesk.services.changes import CounterWatch, PgListener, lists_for_tables
from crmdesk.services.errors import CrmError
from crmdesk.services.sessions import (
    HEARTBEAT,
    SessionEnded,
    active_sessions,
    close_session,
    end_session,
    heartbeat,
    start_session,
)
from crmdesk.ui.generic.base import FormBase, show_error
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon

log = logging.getLogger(__name__)
COUNTER_CHECK_MS = 1000  # SQLite: how often the change counters are read
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class OfficeLink(QObject):
    arrived = Signal(object)  # a set of table names, from the listener's thread
    tables_changed = Signal(object)  # the same, in the GUI thread, after the lists were told
    session_ended = Signal(object)  # SessionEnded

    def __init__(self, shell, listen: bool = True):
        super().__init__(shell)
        self.shell, self.app = shell, shell.app
        self.engine = self.app.engine
        self.ended: SessionEnded | None = None
        self.stopped = False
        self.session_id: int | None = None
        try:
            with self.app.uow() as ctx:
                self.session_id = start_session(ctx.session, self.app.user_id)
        except Exception as exc:  # a base busy or read-only now: work on, without locks
            log.warning("no office session: %s", exc)
        self.app.office_session_id = self.session_id
        self.app.office = self
        self.beat = QTimer(self, interval=HEARTBEAT * 1000)
        self.beat.timeout.connect(self.check_alive)
        self.beat.start()
        self.listener: PgListener | None = None
        self.watch: CounterWatch | None = None
        self.arrived.connect(self._changed, Qt.ConnectionType.QueuedConnection)
        if not listen:
            return
        if self.engine.dialect.name == "postgresql":
            self.listener = PgListener(self.engine, self.arrived.emit,
                                       ignore=self.app.own.origin)  # own writes: told
            self.listener.start()
            self.destroyed.connect(self.listener.stop)  # a window dropped without closing
        else:
            self.watch = CounterWatch(self.engine, self.app.own)
            self.watch.poll()
            self.counter_timer = QTimer(self, interval=COUNTER_CHECK_MS)
            self.counter_timer.timeout.connect(self.poll)
            self.counter_timer.start()

    def poll(self) -> None:
        """SQLite: one read of a table of a few dozen rows."""
        try:
            tables = self.watch.poll()
        except Exception as exc:  # the file is busy or gone for a moment: next second
            log.warning("change counters: %s", exc)
            return
        if tables:
            self._changed(tables)

    def _changed(self, tables: set[str]) -> None:
        if self.stopped:
            return
        if "office_sessions" in tables or "*" in tables:
            self.check_alive()
        for name in sorted(lists_for_tables(tables)):
            self.app.hub.told(name)  # a colleague's write covers an own one pending
            self.app.hub.changed.emit(name)
        self.tables_changed.emit(tables)

    def check_alive(self) -> None:
        if self.ended is not None or self.session_id is None or self.stopped:
            return
        try:
            ended = heartbeat(self.engine, self.session_id)
        except Exception as exc:  # the server is away: the next beat tries again
            log.warning("heartbeat: %s", exc)
            return
        if ended is None:
            return
        self.ended = ended
        self.beat.stop()
        for form in self.shell.forms():
            if hasattr(form, "set_read_only"):
                form.set_read_only(str(ended))
        self.session_ended.emit(ended)
        QMessageBox.warning(self.shell, tr("Сеанс завершён"), str(ended))

    def stop(self) -> None:
        self.stopped = True  # its own closing is announced too: not «Сеанс завершён»
        self.beat.stop()
        if getattr(self, "counter_timer", None) is not None:
            self.counter_timer.stop()
        if self.listener is not None:
            self.listener.stop()
        if self.ended is None and self.session_id is not None:
            try:
                close_session(self.engine, self.session_id)
            except Exception as exc:  # the locks expire with the session anyway
                log.warning("closing the session: %s", exc)


# --- object locks of the generic object form ---


def _link(form) -> OfficeLink | None:
    return getattr(form.app, "office", None)


def _model(form):
    from crmdesk.services.lists import SPECS
    from crmdesk.ui.generic.registry import entity

    try:
        spec = SPECS.get(entity(form.entity_name).list_name)
    except Exception:  # a form without a registered entity has nothing to lock
        return None
    return spec.model if spec is not None else None


def _kind(form) -> str | None:
    model = _model(form)
    return locks.lock_kind(model) if model is not None else None


def _take(form) -> None:
    link, kind = _link(form), _kind(form)
    if (link is None or kind is None or form.obj_id is None or link.ended is not None
            or link.session_id is None):
        return
    try:
        with form.app.uow() as ctx:
            holder = locks.take_lock(ctx.session, kind, form.obj_id, link.session_id,
                                     form.app.user_id)
    except CrmError as exc:
        show_error(form, exc)
        return
    was_locked = bool(form.read_only_reason) and getattr(form, "_office_locked_by", None)
    form._office_lock = None if holder else (kind, form.obj_id)
    form._office_locked_by = holder
    form.set_read_only(holder.message if holder else None)
    if was_locked and holder is None and not form.read_only_reason:
        _freed(form, was_locked)
    if holder and not getattr(form, "_office_watching", False):
        form._office_watching = True  # when the other user closes it, take it over
        link.tables_changed.connect(lambda tables, f=form: _retry(f, tables))


FREED_STYLE = "background: #e3f4e1; color: #1b5e20; padding: 4px;"


def _freed(form, holder) -> None:
    """The other user let the object go: it is editable here now — said in the banner
    (until the first edit) and the status bar."""
    text = tr("Объект больше не редактируется пользователем {0}: теперь его можно "
              "изменять.").format(locks.short_name(holder.user))
    form.banner.setStyleSheet(FREED_STYLE)
    form.banner.setText(text)
    form.banner.show()
    form.shell.message(text)
    if not getattr(form, "_office_freed_hook", False):
        form._office_freed_hook = True
        for editor in form.editors.values():
            editor.edited.connect(lambda f=form: _hide_freed(f))


def _hide_freed(form) -> None:
    if not form.read_only_reason and form.banner.styleSheet() == FREED_STYLE:
        form.banner.hide()


def _retry(form, tables: set[str]) -> None:
    if getattr(form, "_office_lock", None) or not form.read_only_reason:
        return
    if _link(form) is None or _link(form).ended is not None:
        return
    if tables & {_kind(form), "object_locks", "*"}:
        _reread(form)  # what the other user saved (form_changed may have done it already)
        _take(form)


def form_changed(form, list_name: str) -> None:
    """The hub says ``list_name`` changed: a card of that list's table checks its object
    (once for several lists of one table, e.g. every document journal)."""
    from crmdesk.services.lists import SPECS

    spec = SPECS.get(list_name)
    if (form.obj_id is None or spec is None
            or getattr(spec.model, "__tablename__", None) != _kind(form)):
        return
    timer = getattr(form, "_office_reread", None)
    if timer is None:
        timer = form._office_reread = QTimer(form, singleShot=True, interval=0)
        timer.timeout.connect(lambda f=form: _reread(f))
    timer.start()


def _stored(form):
    """(version, who saved it last, when) of the object as stored now; None: no version
    kept (or the object is gone)."""
    from sqlalchemy import select

    from crmdesk.models import User

    model = _model(form)
    if model is None or not hasattr(model, "version") or form.obj_id is None:
        return None
    with form.app.uow(read_only=True) as ctx:
        row = ctx.session.execute(
            select(model.version, model.updated_by_id, model.updated_at)
            .where(model.id == form.obj_id)
        ).first()
        if row is None:
            return None
        who = ctx.session.get(User, row[1]) if row[1] else None
        return row[0], (who.id, who.full_name) if who else None, row[2]


def _reread(form) -> None:
    """Reread a card whose object was saved elsewhere; a card with unsaved changes keeps
    them and says the object was changed (its write is then refused by the version check)."""
    try:
        stored = _stored(form)
    except Exception as exc:  # the base is away for a moment: the next change tries again
        log.warning("rereading a card: %s", exc)
        return
    if stored is None or form.version is None or stored[0] == form.version:
        return
    version, who, when = stored
    if form.modified and not form.read_only_reason:
        if getattr(form, "_office_warned", None) == version:
            return
        form._office_warned = version
        at = f"{when.astimezone():%H:%M}" if when else ""
        if who and who[0] != form.app.user_id:
            text = tr("Объект изменён другим пользователем: {0} в {1}.").format(
                locks.short_name(who[1]), at)
        else:
            text = tr("Объект изменён в другой форме в {0}.").format(at)
        form.messages.setText(text + " " + tr(
            "Ваши изменения не записаны и не перечитаны; записать их поверх не получится — "
            "при записи будет предложено перечитать объект."))
        form.messages.show()
        return
    form.reload()


def form_opened(form) -> None:
    _take(form)


def form_written(form) -> None:
    """A new object just written: it is now open for editing here."""
    if getattr(form, "_office_lock", None) is None and not form.read_only_reason:
        _take(form)


def form_closed(form) -> None:
    held, form._office_lock = getattr(form, "_office_lock", None), None
    link = _link(form)
    if not held or link is None or link.ended is not None:
        return
    try:
        with form.app.uow() as ctx:
            locks.release_lock(ctx.session, held[0], held[1], link.session_id)
    except Exception as exc:  # the lock goes with the session at the latest
        log.warning("releasing a lock: %s", exc)


# --- «Активные пользователи» ---


class ActiveUsers(FormBase):
    """Who is connected, from which computer, since when; the administrator ends a
    session (a hung desktop): its locks are freed, that user is told."""

    form_key = "active_users:active_users"
    COLUMNS = ("Сеанс", "Пользователь", "Компьютер", "Начало работы", "Активность",
               "Блокировок")

    def __init__(self, shell, _target=None):
        super().__init__(shell)
        self.setWindowTitle(tr("Активные пользователи"))
        self.setWindowIcon(icon("users"))
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(c) for c in self.COLUMNS])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the user's name
        self.end_button = QPushButton(icon("close"), tr("Завершить сеанс…"), self)
        self.end_button.clicked.connect(self.end_selected)
        refresh = QPushButton(icon("refresh"), tr("Обновить"), self)
        refresh.setShortcut("F5")
        refresh.clicked.connect(self.refresh)
        self.status = QLabel(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.end_button)
        buttons.addWidget(refresh)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.rows = []
        link = getattr(self.app, "office", None)
        if link is not None:
            link.tables_changed.connect(
                lambda t: self.refresh() if t & {"office_sessions", "object_locks", "*"} else None
            )
        self.refresh()

    def refresh(self) -> None:
        try:
            with self.app.uow(read_only=True) as ctx:
                self.rows = active_sessions(ctx.session)
        except CrmError as exc:
            show_error(self, exc)
            return
        mine = getattr(self.app, "office_session_id", None)
        self.table.setRowCount(len(self.rows))
        for i, s in enumerate(self.rows):
            name = s.full_name + (tr(" (этот сеанс)") if s.id == mine else "")
            seen = f"{s.last_seen.astimezone():%H:%M:%S}" + ("" if s.alive else tr(" — нет связи"))
            values = (str(s.id), name, s.computer,
                      f"{s.started_at.astimezone():%d.%m.%Y %H:%M}", seen, str(s.locks))
            for j, text in enumerate(values):
                item = QTableWidgetItem(text)
                if j in (0, 5):
                    item.setTextAlignment(RIGHT)
                self.table.setItem(i, j, item)
        alive = sum(1 for s in self.rows if s.alive)
        self.status.setText(tr("Сеансов: {0}, на связи: {1}").format(len(self.rows), alive))
        if self.rows and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def end_selected(self, _checked=False, confirm: bool = True) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows):
            return
        target = self.rows[row]
        if target.id == getattr(self.app, "office_session_id", None):
            show_error(self, CrmError("Свой сеанс не завершают: закройте программу."))
            return
        if confirm and QMessageBox.question(
            self, tr("Завершить сеанс"),
            tr("Завершить сеанс пользователя {0} ({1})? Несохранённые изменения в его формах "
               "не будут записаны.").format(target.full_name, target.computer),
        ) != QMessageBox.StandardButton.Yes:
            return
        try:
            with self.app.uow() as ctx:
                end_session(ctx, target.id, tr("завершён администратором"))
        except CrmError as exc:
            show_error(self, exc)
            return
        self.shell.message(tr("Сеанс пользователя {0} завершён").format(target.full_name))
        self.refresh()


def _open_active_users(shell, target):
    """The open form is brought forward instead of a second one (None: nothing to host)."""
    if shell.activate(ActiveUsers.form_key):
        return None
    return ActiveUsers(shell, target)


def install() -> None:
    """«Активные пользователи» in Администрирование (administrators)."""
    from crmdesk.services import rights
    from crmdesk.ui.generic.registry import register_special
    from crmdesk.ui.shell.sections import Item, add_items

    register_special("active_users", _open_active_users)
    add_items("admin", Item("active_users", "active_users", "Активные пользователи", "users",
                            rights.ADMIN))
