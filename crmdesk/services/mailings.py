"""Mailings: a segment of clients, a channel, a template; an outbox sent once per recipient.

``create_mailing`` writes every recipient's message into the outbox at once — or a skipped
row saying why (no address, no consent, the address already in this mailing). ``run_mailing``
then sends the pending rows one by one, each marked «Отправляется» and committed before it is
handed to the server and «Отправлено» (or «Ошибка» with the server's reason) right after.
A mailing restarted after the program was killed continues with the pending rows; a row
caught in the middle of sending is marked «Прервано при отправке» and not sent again, so
nobody gets a letter twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import selectinload

from crmdesk.integrations import smtp as smtpmod
from crmdesk.integrations.sms import sms_parts
from crmdesk.models import Client, ContactPerson, utcnow
from crmdesk.models.comms import CHANNELS, OUTBOX_STATUSES, Mailing, OutboxMessage
from crmdesk.services import rights, templates
from crmdesk.services.context import Context, unit_of_work
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.segments import (  # noqa: F401 — SEGMENT_KEYS: the callers' one import
    SEGMENT_KEYS,
    Target,
    birthday_contacts,
    segment_query,
    targets,
)

PAGE = 500


def create_mailing(ctx: Context, template: str | int, segment: dict | None = None,
                   channel: str | None = None, name: str | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   dry_run: bool = False) -> Mailing:
    """The mailing and its outbox: one row per recipient, filled from the template.
    ``dry_run``: the caller only looks and rolls back; no mail account is needed then."""
    rights.require(ctx.user, rights.INTERACTIONS)
    segment = {k: v for k, v in (segment or {}).items() if v not in (None, [], "", False)}
    tpl = templates.get_template(ctx, template)
    channel = channel or tpl.channel
    if channel not in CHANNELS:
        raise ValidationError("Канал", f"«{channel}»: можно {', '.join(CHANNELS)}")
    if tpl.channel != channel:
        raise ValidationError("Шаблон", f"«{tpl.name}» — шаблон для {CHANNELS[tpl.channel]}, "
                              f"а рассылка — {CHANNELS[channel]}")
    mailing = Mailing(name=name or f"{tpl.name} {utcnow():%d.%m.%Y %H:%M}", channel=channel,
                      template_id=tpl.id, segment=segment, advertising=tpl.advertising,
                      author_id=ctx.user.id, status="draft")
    if dry_run:
        pass
    elif channel == "email":
        from crmdesk.services.mail import account_for

        mailing.account_id = account_for(ctx.session, ctx.user).id
    else:
        from crmdesk.services.sms import active_provider

        mailing.provider_id = active_provider(ctx.session).id
    ctx.session.add(mailing)
    ctx.session.flush()
    ids = list(ctx.session.scalars(segment_query(ctx, segment).order_by(Client.id)))
    birthday_ids = None
    if segment.get("birthdays_week"):
        birthday_ids = set(ctx.session.scalars(birthday_contacts(date.today())))
    seen: dict[str, str] = {}
    for start in range(0, len(ids), PAGE):
        chunk = ctx.session.scalars(
            select(Client).where(Client.id.in_(ids[start:start + PAGE])).order_by(Client.id)
            .options(selectinload(Client.emails), selectinload(Client.phones),
                     selectinload(Client.owner),
                     selectinload(Client.contacts).selectinload(ContactPerson.emails),
                     selectinload(Client.contacts).selectinload(ContactPerson.phones)))
        rows, clients = [], list(chunk)
        for client in clients:
            for t in targets(client, channel, birthday_ids):
                rows.append(_row(ctx, mailing, tpl, t, seen))
        ctx.session.add_all(rows)
        ctx.session.flush()
        for obj in rows + clients:  # a big segment must not pile up in the session
            ctx.session.expunge(obj)
        if progress:
            progress(min(start + PAGE, len(ids)), len(ids))
    return mailing


def _row(ctx: Context, mailing: Mailing, tpl, t: Target, seen: dict) -> OutboxMessage:
    who = t.client.name + (f" / {t.contact.name}" if t.contact else "")
    row = OutboxMessage(mailing_id=mailing.id, channel=mailing.channel, client_id=t.client.id,
                        contact_id=t.contact.id if t.contact else None, recipient=who,
                        account_id=mailing.account_id, provider_id=mailing.provider_id)
    key = (t.address or "").lower()
    if not t.address:
        row.status, row.reason = "skipped", "нет адреса" if mailing.channel == "email" \
            else "нет телефона"
    elif mailing.advertising and not t.consent:
        row.status, row.reason = "skipped", f"нет согласия на рекламную рассылку ({t.address})"
    elif key in seen:
        row.status, row.reason = "skipped", f"адрес {t.address} уже есть в рассылке ({seen[key]})"
    else:
        seen[key] = who
        text = templates.fill(ctx, tpl, t.client, t.contact)
        row.address, row.subject, row.body = t.address, text.subject or None, text.body
        if mailing.channel == "sms":
            row.parts = sms_parts(text.body)[0]
    return row


class Pacer:
    """At most ``per_minute`` messages a minute: waits between messages as needed."""

    def __init__(self, per_minute: int | None, sleep=time.sleep, clock=time.monotonic):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.sleep, self.clock, self.next_at = sleep, clock, 0.0

    def wait(self, stop: threading.Event | None = None) -> None:
        if not self.interval:
            return
        delay = self.next_at - self.clock()
        while delay > 0 and not (stop and stop.is_set()):
            self.sleep(min(delay, 0.5))
            delay = self.next_at - self.clock()
        self.next_at = max(self.next_at, self.clock()) + self.interval


def counts(session, mailing_id: int) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count())
                           .where(OutboxMessage.mailing_id == mailing_id)
                           .group_by(OutboxMessage.status)).all()
    return {status: n for status, n in rows}


def run_mailing(engine: Engine, mailing_id: int, login: str | None = None,
                progress: Callable[[int, int], None] | None = None,
                stop: threading.Event | None = None, sleep=time.sleep) -> dict[str, int]:
    """Send the mailing's pending messages (again after a crash); returns counts by status."""
    with unit_of_work(engine, login) as ctx:
        mailing = ctx.session.get(Mailing, mailing_id)
        if mailing is None:
            raise NotFound(f"Рассылка с кодом {mailing_id} не найдена.")
        ctx.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.mailing_id == mailing_id, OutboxMessage.status == "sending")
            .values(status="unknown", reason="программа остановилась во время отправки: "
                    "сообщение могло уйти, повторно не отправляется"))
        mailing.status = "running"
        total = ctx.session.scalar(select(func.count()).where(
            OutboxMessage.mailing_id == mailing_id, OutboxMessage.status != "skipped"))
        done = total - _pending(ctx.session, mailing_id)
        sender = _Sender(ctx, mailing)
    marks = engine.connect()  # one connection for the marks: no pool checkout per letter
    try:
        pacer = Pacer(sender.per_minute, sleep=sleep)
        last_id = 0
        while not (stop and stop.is_set()):
            with unit_of_work(engine, login) as ctx:
                batch = list(ctx.session.execute(
                    select(OutboxMessage.id, OutboxMessage.address, OutboxMessage.subject,
                           OutboxMessage.body)
                    .where(OutboxMessage.mailing_id == mailing_id,
                           OutboxMessage.status == "pending", OutboxMessage.id > last_id)
                    .order_by(OutboxMessage.id).limit(200)))
            if not batch:
                break
            for row_id, address, subject, body in batch:
                if stop and stop.is_set():
                    break
                pacer.wait(stop)
                _mark(marks, row_id, status="sending")  # durable before the server has it
                result = sender.send(address, subject, body)
                _mark(marks, row_id, durable=False, **result)
                done += 1
                last_id = row_id
                if progress:
                    progress(done, total)
    finally:
        sender.close()
        marks.close()
    with unit_of_work(engine, login) as ctx:
        mailing = ctx.session.get(Mailing, mailing_id)
        left = _pending(ctx.session, mailing_id)
        mailing.status = "stopped" if left else "done"
        mailing.finished_at = None if left else utcnow()
        return counts(ctx.session, mailing_id)


def _pending(session, mailing_id: int) -> int:
    return session.scalar(select(func.count()).where(
        OutboxMessage.mailing_id == mailing_id, OutboxMessage.status == "pending"))


def _mark(conn, row_id: int, durable: bool = True, **values) -> None:
    """Commit a row's new state. «Отправляется» must be on disk before the letter leaves;
    the result may wait for the next flush of PostgreSQL's log (synchronous_commit off): a
    result lost with the database server leaves the row «Отправляется», which a restart
    marks «Прервано при отправке» — never sent twice."""
    if not durable and conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
    conn.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))
    conn.commit()


class _Sender:
    """Holds one SMTP connection (or the SMS provider) for the whole run."""

    def __init__(self, ctx: Context, mailing: Mailing):
        self.channel = mailing.channel
        if self.channel == "email":
            from crmdesk.models.comms import MailAccount
            from crmdesk.services.mail import smtp_settings

            account = ctx.session.get(MailAccount, mailing.account_id)
            self.sender, self.sender_name = account.from_address, account.from_name
            self.per_minute = account.per_minute
            self.conn = smtpmod.SmtpConnection(smtp_settings(account))
        else:
            from crmdesk.models.comms import SmsProvider
            from crmdesk.services.sms import client_for

            provider = ctx.session.get(SmsProvider, mailing.provider_id)
            self.per_minute = provider.per_minute
            self.api = client_for(provider)
            self.conn = None

    def send(self, address: str, subject: str | None, body: str) -> dict:
        from crmdesk.integrations.sms import SmsError

        now = utcnow()
        if self.channel == "email":
            msg = smtpmod.compose(self.sender, address, subject or "", body,
                                  sender_name=self.sender_name)
            try:
                self.conn.send(msg)
            except smtpmod.MailError as exc:
                return {"status": "failed", "reason": str(exc), "sent_at": now}
            return {"status": "sent", "external_id": msg["Message-ID"], "sent_at": now}
        try:
            result = self.api.send(address, body)
        except SmsError as exc:
            return {"status": "failed", "reason": str(exc), "sent_at": now}
        if not result.ok:
            return {"status": "failed", "reason": result.error, "sent_at": now}
        return {"status": "sent", "external_id": result.external_id, "parts": result.parts,
                "cost": result.cost, "sent_at": now}

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def results(ctx: Context, mailing_id: int, limit: int | None = None,
            offset: int = 0) -> list[dict]:
    from crmdesk.services.sms import outbox_row

    stmt = (select(OutboxMessage).where(OutboxMessage.mailing_id == mailing_id)
            .order_by(OutboxMessage.id).offset(offset))
    if limit:
        stmt = stmt.limit(limit)
    return [outbox_row(r) for r in ctx.session.scalars(stmt)]


def results_xlsx(ctx: Context, mailing_id: int) -> bytes:
    """The per-recipient report of a mailing as an XLSX workbook."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    mailing = ctx.session.get(Mailing, mailing_id)
    if mailing is None:
        raise NotFound(f"Рассылка с кодом {mailing_id} не найдена.")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Результаты")
    ws.append([f"Рассылка «{mailing.name}» ({CHANNELS[mailing.channel]})"])
    summary = counts(ctx.session, mailing_id)
    ws.append(["; ".join(f"{OUTBOX_STATUSES[k]}: {v}" for k, v in sorted(summary.items()))])
    ws.append([])
    from openpyxl.cell import WriteOnlyCell

    head = []
    for title in ("Получатель", "Адрес", "Результат", "Причина", "Частей", "Стоимость",
                  "Отправлено"):
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        head.append(cell)
    ws.append(head)
    offset = 0
    while True:
        page = results(ctx, mailing_id, limit=PAGE, offset=offset)
        if not page:
            break
        for r in page:
            cost = Decimal(r["cost"]) if r["cost"] is not None else None
            ws.append([r["recipient"], r["address"], r["status_text"], r["reason"], r["parts"],
                       cost, _local(r["sent_at"])])
        offset += PAGE
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _local(iso: str | None) -> str | None:
    from datetime import datetime

    return f"{datetime.fromisoformat(iso).astimezone():%d.%m.%Y %H:%M:%S}" if iso else None


def set_consent(ctx: Context, client_id: int, contact_id: int | None = None,
                email: bool | None = None, sms: bool | None = None,
                opt_out: bool | None = None):
    """Consent to advertising mailings of a client or one of its contact persons, per
    channel; ``opt_out`` records (or clears) the date consent was withdrawn."""
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Клиент с кодом {client_id} не найден.")
    rights.check_write_client(ctx.user, client)
    target = client
    if contact_id is not None:
        target = next((p for p in client.contacts if p.id == contact_id), None)
        if target is None:
            raise NotFound(f"Поле «Контактное лицо»: у клиента «{client.name}» нет контакта "
                           f"с кодом {contact_id}.")
    if opt_out:
        target.consent_email = target.consent_sms = False
        target.opt_out_at = target.opt_out_at or utcnow()
    else:
        if opt_out is False or email or sms:
            target.opt_out_at = None
        if email is not None:
            target.consent_email = email
        if sms is not None:
            target.consent_sms = sms
    ctx.session.flush()
    return target


def consent_row(obj) -> dict:
    return {"name": obj.name, "consent_email": bool(obj.consent_email),
            "consent_sms": bool(obj.consent_sms),
            "opt_out_at": obj.opt_out_at.isoformat() if obj.opt_out_at else None}


def unfinished(session) -> list[Mailing]:
    """Mailings left running or stopped (the desktop offers to continue them)."""
    return list(session.scalars(select(Mailing).where(Mailing.status.in_(("running",
                                                                           "stopped")))))
