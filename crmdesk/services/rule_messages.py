"""An event rule's «send a template e-mail or SMS»: the deal's client (or the document's
contact person) gets the rule's template filled from the deal, through the office's mail box
or the SMS provider, and the message is logged as the other outgoing ones are — an outbox
row, an interaction «Исходящее письмо» / «Исходящее SMS» on the client with the deal.

Nothing here raises for a missing set-up: no template, no mail account or SMS provider, no
address at the client, a server refusing — each comes back as the rule run's reason."""

from __future__ import annotations

from crmdesk.integrations import smtp as smtpmod
from crmdesk.integrations.sms import SmsError, sms_parts
from crmdesk.models import ContactPerson, Deal, Document, EventRule, Interaction, utcnow
from crmdesk.models.comms import CHANNELS, Letter, MessageTemplate, OutboxMessage
from crmdesk.services import templates
from crmdesk.services.context import Context
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


def send(ctx: Context, rule: EventRule, deal: Deal, values: dict) -> tuple[str, str]:
    """Send the rule's message for the deal: (done | skipped, what happened)."""
    channel = rule.action
    what = WHAT[channel]
    tpl = ctx.session.get(MessageTemplate, rule.template_id) if rule.template_id else None
    if tpl is None or tpl.deletion_mark:
        return "skipped", f"Шаблон правила не задан: {what} не отправлено."
    if tpl.channel != channel:
        return "skipped", (f"Шаблон «{tpl.name}» — для {CHANNELS[tpl.channel]}, а правило "
                           f"отправляет {what}: не отправлено.")
    document = ctx.session.get(Document, values["document_id"]) \
        if values.get("document_id") else None
    contact, address = recipient(deal, channel, document.contact if document else None)
    if address is None:
        return "skipped", (f"У клиента «{deal.client.name}» {NO_ADDRESS[channel]}: "
                           f"{what} по шаблону «{tpl.name}» не отправлено.")
    try:
        fields = _values(ctx, tpl, deal, contact, document)
        subject, body = templates.render(tpl.subject, fields), templates.render(tpl.body, fields)
        if channel == "email":
            return _send_mail(ctx, deal, tpl, contact, address, subject, body)
        return _send_sms(ctx, deal, tpl, contact, address, body)
    except (CrmError, SmsError) as exc:  # no account, no key, the server refused
        return "skipped", f"{what.capitalize()} по шаблону «{tpl.name}» не отправлено: {exc}"


def _outbox(ctx, deal, channel, contact, address, subject, body) -> OutboxMessage:
    who = deal.client.name + (f" / {contact.name}" if contact else "")
    row = OutboxMessage(channel=channel, client_id=deal.client_id,
                        contact_id=contact.id if contact else None, recipient=who,
                        address=address, subject=subject or None, body=body, status="sending")
    ctx.session.add(row)
    return row


def _interaction(ctx, deal, contact, kind, gist, at) -> Interaction:
    item = Interaction(client_id=deal.client_id, contact_id=contact.id if contact else None,
                       kind=kind, gist=gist, occurred_at=at, user_id=deal.manager_id,
                       deal_id=deal.id)
    ctx.session.add(item)
    ctx.session.flush()
    return item


def _send_mail(ctx, deal, tpl, contact, address, subject, body) -> tuple[str, str]:
    from crmdesk.services.mail import account_for, smtp_settings

    account = account_for(ctx.session, deal.manager)
    message = smtpmod.compose(account.from_address, address, subject or tpl.name, body,
                              sender_name=account.from_name)
    with smtpmod.SmtpConnection(smtp_settings(account)) as conn:
        conn.send(message)
    now = utcnow()
    row = _outbox(ctx, deal, "email", contact, address, subject, body)
    row.account_id, row.status, row.sent_at = account.id, "sent", now
    row.external_id = message["Message-ID"]
    item = _interaction(ctx, deal, contact, "mail_out",
                        f"{subject}\nКому: {address}\nПо правилу «{tpl.name}»", now)
    ctx.session.add(Letter(direction="out", account_id=account.id,
                           message_id=message["Message-ID"], from_address=account.from_address,
                           to_address=address, subject=subject, body=body, at=now,
                           client_id=deal.client_id, contact_id=item.contact_id,
                           interaction_id=item.id, user_id=deal.manager_id))
    ctx.session.flush()
    return "done", f"Письмо «{subject}» по шаблону «{tpl.name}» отправлено на {address}."


def _send_sms(ctx, deal, tpl, contact, address, body) -> tuple[str, str]:
    from crmdesk.services.sms import active_provider, apply_result, client_for

    body = body.strip()
    provider = active_provider(ctx.session)
    api = client_for(provider)
    row = _outbox(ctx, deal, "sms", contact, address, None, body)
    row.provider_id, row.parts = provider.id, sms_parts(body)[0]
    ctx.session.flush()
    apply_result(row, api.send(address, body))
    ctx.session.flush()
    if row.status != "sent":
        return "skipped", f"SMS по шаблону «{tpl.name}» на {address} не отправлено: {row.reason}"
    _interaction(ctx, deal, contact, "sms_out", f"SMS на {address}: {body}", row.sent_at)
    return "done", f"SMS по шаблону «{tpl.name}» отправлено на {address}."
