"""«Потенциальные клиенты»: the leads the inbox made — their letters, «Сделать клиентом»
(one command, keeping the history) and «Отклонить» with a reason; «Забрать почту» fetches
the boxes now (the main window also fetches them in the background, see ``MailFetcher``)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtWidgets import QInputDialog
from sqlalchemy import select

from crmdesk.models.comms import LEAD_STATUSES, Lead, Letter
from crmdesk.services import (
    commlists,  # noqa: F401 — adds the leads list to lists.SPECS
    inbox,
    leads,
    rights,
)
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Command, Entity, error_text, show_error
from crmdesk.ui.generic.fields import Field
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr
from crmdesk.ui.shell.sections import Item, add_items


class LeadForm(ObjectForm):
    entity_name = "lead"
    title_new = "Потенциальный клиент"
    lists_changed = ("leads",)
    fields = [
        Field("name", "Наименование", required=True),
        Field("email", "Эл. почта"),
        Field("phone", "Телефон"),
        Field("status", "Состояние", readonly=True),
        Field("manager", "Ответственный", readonly=True),
        Field("comment", "Комментарий", "multiline"),
        Field("letters", "Письма", "multiline", readonly=True),
    ]
    rows = [["name"], ["email", "phone"], ["status", "manager"], ["comment"], ["letters"]]
    commands = [
        FormCommand("client", "Сделать клиентом", "convert"),
        FormCommand("mark_deletion", "Отклонить…", "reject"),
    ]

    def load(self, ctx, obj_id):
        lead = leads.get_lead(ctx, obj_id)
        letters = ctx.session.scalars(select(Letter).where(Letter.lead_id == lead.id)
                                      .order_by(Letter.at.desc())).all()
        text = "\n\n".join(f"{x.at.astimezone():%d.%m.%Y %H:%M}  {leads.letter_gist(x)}"
                           for x in letters)
        status = LEAD_STATUSES[lead.status] + (
            f": {lead.reject_reason}" if lead.reject_reason else "")
        values = {"name": lead.name, "email": lead.email or "", "phone": lead.phone or "",
                  "status": tr(status), "manager": lead.manager.full_name if lead.manager
                  else "", "comment": lead.comment or "", "letters": text}
        return values, None, lead.name

    def store(self, ctx, obj_id, v, version):
        from crmdesk.services.errors import ValidationError
        from crmdesk.services.phones import normalize_phone
        from crmdesk.services.settings import phone_region
        from crmdesk.services.validation import validate_email

        if not (v["name"] or "").strip():
            raise ValidationError("Наименование", "не заполнено")
        lead = leads.get_lead(ctx, obj_id) if obj_id else Lead(source="Вручную", status="new",
                                                               manager_id=ctx.user.id)
        lead.name = v["name"].strip()
        lead.email = validate_email(v["email"]) if v["email"] else None
        phone = normalize_phone(v["phone"], phone_region(ctx.session)) if v["phone"] else None
        lead.phone = phone.e164 if phone else None
        lead.comment = v["comment"] or None
        ctx.session.add(lead)
        ctx.session.flush()
        return lead.id

    def convert(self) -> None:
        client_id = convert(self, self.obj_id)
        if client_id:
            self.reload()

    def reject(self) -> None:
        if reject(self, self.obj_id):
            self.reload()


def convert(widget, lead_id: int) -> int | None:
    try:
        with widget.app.uow() as ctx:
            client_id = leads.convert_lead(ctx, lead_id).id
    except Exception as exc:  # noqa: BLE001 — a message box, never a traceback
        show_error(widget, exc)
        return None
    widget.app.changed("leads", "clients", "interactions", "tasks")
    open_entity(widget.shell, "client", client_id)
    return client_id


def reject(widget, lead_id: int) -> bool:
    reason, ok = QInputDialog.getText(widget, tr("Отклонить"), tr("Причина отказа:"))
    if not ok:
        return False
    try:
        with widget.app.uow() as ctx:
            leads.reject_lead(ctx, lead_id, reason)
    except Exception as exc:  # noqa: BLE001
        show_error(widget, exc)
        return False
    widget.app.changed("leads", "tasks")
    return True


class _Fetch(QObject):
    done = Signal(object)

    def __init__(self, engine, login, stop):
        super().__init__()
        self.engine, self.login, self.stop = engine, login, stop

    def run(self):
        try:
            fetched = inbox.fetch_all(self.engine, self.login, stop=self.stop)
        except Exception as exc:  # noqa: BLE001 — reported in the status bar
            self.done.emit(error_text(exc))
            return
        try:  # the delivery statuses of sent SMS, asked at the same pace
            from crmdesk.services import sms
            from crmdesk.services.context import unit_of_work

            with unit_of_work(self.engine, self.login) as ctx:
                sms.poll_statuses(ctx)
        except Exception:  # noqa: BLE001 — no provider, no key this session: next time
            pass
        self.done.emit(fetched)


class MailFetcher(QObject):
    """Fetches the boxes off the UI thread: on demand and every N minutes (the setting)."""

    def __init__(self, shell):
        super().__init__(shell)
        self.shell, self.app = shell, shell.app
        self.thread: QThread | None = None
        self.stop = threading.Event()
        self.timer = QTimer(self)
        self.timer.timeout.connect(lambda: self.fetch(quiet=True))
        minutes = self._interval()
        if minutes:
            self.timer.start(minutes * 60_000)

    def _interval(self) -> int | None:
        from crmdesk.models.comms import MailAccount

        try:
            with self.app.uow(read_only=True) as ctx:
                values = [a.fetch_minutes for a in ctx.session.scalars(
                    select(MailAccount).where(MailAccount.imap_host.is_not(None),
                                              MailAccount.deletion_mark.is_(False)))]
        except Exception:  # noqa: BLE001 — no mail set up is the same as no timer
            return None
        values = [v for v in values if v]
        return min(values) if values else None

    def fetch(self, quiet: bool = False) -> None:
        if self.thread is not None:
            return
        self.quiet = quiet
        self.thread = QThread(self)
        self.worker = _Fetch(self.app.engine, self.app.login, self.stop)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.done.connect(self._done)
        self.thread.start()

    def _done(self, result) -> None:
        self.thread.quit()
        self.thread.wait()
        self.thread = None
        if isinstance(result, str):
            if not self.quiet:
                self.shell.message(result)
            return
        new = sum(r.kind == "lead" for r in result)
        self.shell.message(tr("Почта: писем {0}, новых обращений {1}").format(len(result), new))
        if result:
            self.app.changed("leads", "interactions", "tasks")

    def close(self) -> None:
        self.stop.set()
        self.timer.stop()
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait(10000)


def fetcher(shell) -> MailFetcher:
    found = getattr(shell, "mail_fetcher", None)
    if found is None:
        found = shell.mail_fetcher = MailFetcher(shell)
    return found


def _start_with_the_window() -> None:
    """The main window fetches the boxes every N minutes from its start. (The shell has no
    start hook for forms yet: the window is found once the event loop runs.)"""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    for w in QApplication.topLevelWidgets():
        if w.__class__.__name__ == "MainWindow" and getattr(w, "mail_fetcher", None) is None:
            found = fetcher(w)
            if app is not None:
                app.aboutToQuit.connect(found.close)


def _fetch_now(form, _row_id):
    fetcher(form.shell).fetch()


register(Entity(
    "lead", "leads", "person", opener(LeadForm),
    create_permission=rights.INTERACTIONS,
    list_commands=[
        Command("client", "Сделать клиентом", lambda form, row: convert(form, row)),
        Command("mark_deletion", "Отклонить…", lambda form, row: reject(form, row)),
        Command("mail", "Забрать почту", _fetch_now, needs_row=False),
    ],
    affects=("clients", "interactions", "tasks"),
))


def _add_sections() -> None:
    add_items("crm", Item("list", "leads", "Потенциальные клиенты", "person"), at=2)


_add_sections()
QTimer.singleShot(0, _start_with_the_window)
