"""An event rule's «send a template e-mail or SMS»: the deal's client (or the document's
contact person) gets the rule's template filled from the deal, through the office's mail box
or the SMS provider, and the message is logged as the other outgoing ones are — an outbox
row, an interaction «Исходящее письмо» / «Исходящее SMS» on the client with the deal.

The rule only queues: inside the posting's unit of work it fills the template and writes a
pending outbox row (the rule run points at it). The letter leaves after that unit of work
commits (``send_queued``, hooked on the session's commit), so no database lock waits for a
mail server and a posting rolled back sends nothing; rows left pending by a program that
stopped go with the next `crmdesk deals check-rules` or the desktop's daily check.

Nothing here raises for a missing set-up: no template, no mail account or SMS provider, no
address at the client, a server refusing — each becomes the rule run's reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, select, update

from crmdesk.integrations import smtp as smtpmod
from crmdesk.integrations.sms import SmsError, SmsResult, sms_parts
from crmdesk.models import (
    ContactPerson,
    Deal,
    Document,
    EventRule,
    Interaction,
    RuleRun,
    utcnow,
)
from crmdesk.models.comms import CHANNELS, Letter, MessageTemplate, OutboxMessage
from crmdesk.services import templates
from crmdesk.services.context import Context, unit_of_work
from crmdesk.services.errors import CrmError
from crmdesk.services.money import format_money

WHAT = {"email": "письмо", "sms": "SMS"}
NO_ADDRESS = {"email": "нет адреса e-mail", "sms": "нет телефона"}


def _address(obj, channel: str) -> str | None:
    items = obj.emails if channel == "email" else obj.phones
    if not items:
        return None
    return items[0].email if channel == "email" else items[0].e164


def recipient(deal: Deal, channel: str, contact: ContactPerson | None):
    """(contact person or None, address): the document's contact first, then the client's
    own address, then its first contact person with one."""
    if contact is not None and not contact.deletion_mark and _address(contact, channel):
        return contact, _address(contact, channel)
    if _address(deal.client, channel):
        return None, _address(deal.client, channel)
    for person in deal.client.contacts:
        if not person.deletion_mark and _address(person, channel):
            return person, _address(person, channel)
    return None, None


def _values(ctx: Context, tpl: MessageTemplate, deal: Deal, contact, document) -> dict:
    """The template's fields for the deal: its client, contact, manager; the document of the
    event, or the deal's amount for «{Сумма}» when the event has no document."""
    values = templates.values_for(ctx, deal.client, contact, document,
                                  templates.fields_in(tpl.subject, tpl.body))
    if document is None or document.manager is None:
        manager = deal.manager or deal.client.owner
        values["Менеджер"] = manager.full_name if manager else None
        values["Телефон менеджера"] = templates._phone(ctx, manager.phone) if manager else None
    if document is None:
        values["Сумма"] = format_money(deal.amount).replace("\u00a0", " ")
    return values


def queue(ctx: Context, rule: EventRule, deal: Deal, values: dict):
    """Queue the rule's message for the deal: (done | skipped, what happened, outbox id)."""
    channel = rule.action
    what = WHAT[channel]
    tpl = ctx.session.get(MessageTemplate, rule.template_id) if rule.template_id else None
    if tpl is None or tpl.deletion_mark:
        return "skipped", f"Шаблон правила не задан: {what} не отправлено.", None
    if tpl.channel != channel:
        return "skipped", (f"Шаблон «{tpl.name}» — для {CHANNELS[tpl.channel]}, а правило "
                           f"отправляет {what}: не отправлено."), None
    document = ctx.session.get(Document, values["document_id"]) \
        if values.get("document_id") else None
    contact, address = recipient(deal, channel, document.contact if document else None)
    if address is None:
        return "skipped", (f"У клиента «{deal.client.name}» {NO_ADDRESS[channel]}: "
                           f"{what} по шаблону «{tpl.name}» не отправлено."), None
    try:
        if channel == "email":
            from crmdesk.services.mail import account_for

            via = {"account_id": account_for(ctx.session, deal.manager).id}
        else:
            from crmdesk.services.sms import active_provider

            via = {"provider_id": active_provider(ctx.session).id}
        fields = _values(ctx, tpl, deal, contact, document)
        subject, body = templates.render(tpl.subject, fields), templates.render(tpl.body, fields)
    except CrmError as exc:  # no account, no provider, a broken template
        return "skipped", f"{what.capitalize()} по шаблону «{tpl.name}» не отправлено: {exc}", None
    who = deal.client.name + (f" / {contact.name}" if contact else "")
    body = body.strip() if channel == "sms" else body
    row = OutboxMessage(channel=channel, client_id=deal.client_id,
                        contact_id=contact.id if contact else None, recipient=who,
                        address=address, subject=(subject or tpl.name) if channel == "email"
                        else None, body=body, status="pending",
                        parts=sms_parts(body)[0] if channel == "sms" else None, **via)
    ctx.session.add(row)
    ctx.session.flush()
    send_after_commit(ctx.session)
    shown = f"Письмо «{row.subject}»" if channel == "email" else "SMS"
    return "done", f"{shown} по шаблону «{tpl.name}» на {address}: в очереди.", row.id


def send_after_commit(session) -> None:
    """Once per unit of work: when it commits, the queued messages leave."""
    if session.info.get("rule_messages_hooked"):
        return
    session.info["rule_messages_hooked"] = True
    engine = session.get_bind()

    def committed(_session) -> None:
        session.info.pop("rule_messages_hooked", None)
        try:
            send_queued(engine)
        except Exception:  # noqa: BLE001 — the posting is done; a row stays pending
            import logging

            logging.getLogger(__name__).exception("rule messages were not sent")

    event.listen(session, "after_commit", committed, once=True)


def send_queued(engine) -> list[tuple[int, str, str]]:
    """Send the rules' pending messages, each in three steps: marked «Отправляется» and
    committed, handed to the server outside any transaction, its result recorded (outbox
    row, interaction with the deal, letter, the rule run's message). Returns (run id,
    result, message) per message."""
    with unit_of_work(engine) as ctx:
        pending = ctx.session.execute(
            select(RuleRun.id, OutboxMessage.id).join(OutboxMessage,
                                                      OutboxMessage.id == RuleRun.outbox_id)
            .where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)).all()
    out = []
    for run_id, row_id in pending:
        with unit_of_work(engine) as ctx:
            # taken by one conditional update: of two desktops sending at once, one wins
            taken = ctx.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
                .values(status="sending")).rowcount
            if not taken:  # another desktop took it
                continue
            row = ctx.session.get(OutboxMessage, row_id)
            try:
                send = _sender(ctx, row)
            except (CrmError, SmsError) as exc:
                send = _failure(str(exc))
        result = send()
        with unit_of_work(engine) as ctx:
            out.append((run_id, *_record(ctx, run_id, row_id, result)))
    return out


@dataclass
class Outcome:
    """What the server said: a letter's Message-ID, the SMS provider's answer, or why not."""

    error: str | None = None
    external_id: str | None = None
    sms: SmsResult | None = None


def _failure(reason: str):
    return lambda: Outcome(error=reason)


def _sender(ctx: Context, row: OutboxMessage):
    """What sends the row, prepared inside the unit of work (settings, key), run outside."""
    if row.channel == "email":
        from crmdesk.models.comms import MailAccount
        from crmdesk.services.mail import smtp_settings

        account = ctx.session.get(MailAccount, row.account_id)
        settings = smtp_settings(account)
        message = smtpmod.compose(account.from_address, row.address, row.subject or "",
                                  row.body, sender_name=account.from_name)

        def send_mail():
            try:
                with smtpmod.SmtpConnection(settings) as conn:
                    conn.send(message)
            except smtpmod.MailError as exc:
                return Outcome(error=str(exc))
            return Outcome(external_id=message["Message-ID"])

        return send_mail
    from crmdesk.models.comms import SmsProvider
    from crmdesk.services.sms import client_for

    api = client_for(ctx.session.get(SmsProvider, row.provider_id))
    address, body = row.address, row.body

    def send_sms():
        try:
            return Outcome(sms=api.send(address, body))
        except SmsError as exc:
            return Outcome(error=str(exc))

    return send_sms


def _record(ctx: Context, run_id: int, row_id: int, result: Outcome) -> tuple[str, str]:
    from crmdesk.models.comms import MailAccount
    from crmdesk.services.sms import apply_result

    row = ctx.session.get(OutboxMessage, row_id)
    run = ctx.session.get(RuleRun, run_id)
    deal = ctx.session.get(Deal, run.deal_id)
    what = "Письмо" if row.channel == "email" else "SMS"
    if result.sms is not None:
        apply_result(row, result.sms)
    else:
        row.sent_at = utcnow()
        row.status, row.reason = ("failed", result.error) if result.error else ("sent", None)
        row.external_id = result.external_id
    if row.status != "sent":
        run.result = "skipped"
        run.message = f"{what} на {row.address} не отправлено: {row.reason}"
        return run.result, run.message
    contact = ctx.session.get(ContactPerson, row.contact_id) if row.contact_id else None
    if row.channel == "email":
        item = _interaction(ctx, deal, contact, "mail_out",
                            f"{row.subject}\nКому: {row.address}\nПо правилу", row.sent_at)
        account = ctx.session.get(MailAccount, row.account_id)
        ctx.session.add(Letter(direction="out", account_id=account.id,
                               message_id=row.external_id, from_address=account.from_address,
                               to_address=row.address, subject=row.subject, body=row.body,
                               at=row.sent_at, client_id=row.client_id,
                               contact_id=row.contact_id, interaction_id=item.id,
                               user_id=deal.manager_id))
        run.message = f"Письмо «{row.subject}» отправлено на {row.address}."
    else:
        _interaction(ctx, deal, contact, "sms_out", f"SMS на {row.address}: {row.body}",
                     row.sent_at)
        run.message = f"SMS отправлено на {row.address}."
    ctx.session.flush()
    return run.result, run.message


def _interaction(ctx, deal, contact, kind, gist, at) -> Interaction:
    item = Interaction(client_id=deal.client_id, contact_id=contact.id if contact else None,
                       kind=kind, gist=gist, occurred_at=at, user_id=deal.manager_id,
                       deal_id=deal.id)
    ctx.session.add(item)
    ctx.session.flush()
    return item
