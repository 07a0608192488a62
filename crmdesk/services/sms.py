"""SMS: the provider setting, one message to a client, delivery statuses polled later.

The provider's key is kept through ``crmdesk.services.secrets``; the database keeps only the
reference. Every message goes through the outbox (``OutboxMessage``), so its parts, cost,
provider id and later its delivery status stay with it.
"""

from __future__ import annotations

from sqlalchemy import select

from crmdesk.integrations.sms import DEFAULT_URLS, PROVIDERS, SmsResult, sms_parts
from crmdesk.models import Client, ContactPerson, Interaction, utcnow
from crmdesk.models.comms import OutboxMessage, SmsProvider
from crmdesk.services import rights, secrets
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.phones import normalize_phone
from crmdesk.services.settings import database_id, phone_region

KEY_ENV = "CRMDESK_SMS_KEY"
TITLES = {"smsru": "SMS.ru", "smsc": "SMSC.ru"}


def set_provider(ctx: Context, kind: str, key: str | None = None, base_url: str | None = None,
                 sender: str | None = None, login: str | None = None,
                 per_minute: int | None = None) -> tuple[SmsProvider, str | None]:
    """Choose the SMS provider (one active at a time); returns it and where the key went."""
    rights.require(ctx.user, rights.ADMIN)
    if kind not in PROVIDERS:
        raise ValidationError("Провайдер", f"«{kind}»: можно {', '.join(PROVIDERS)}")
    url = (base_url or DEFAULT_URLS[kind]).strip()
    if not url.startswith(("http://", "https://")):
        raise ValidationError("Адрес сервиса", f"«{url}»: нужен адрес http:// или https://")
    if kind == "smsc" and not login:
        raise ValidationError("Логин", "для SMSC.ru не заполнено")
    if sender and len(sender) > 11 and not sender.isdigit():
        raise ValidationError("Имя отправителя", "не длиннее 11 латинских букв и цифр")
    if per_minute is not None and per_minute <= 0:
        raise ValidationError("Сообщений в минуту", "должно быть больше нуля")
    for other in ctx.session.scalars(select(SmsProvider).where(SmsProvider.active.is_(True))):
        other.active = False
    provider = ctx.session.scalar(select(SmsProvider).where(SmsProvider.kind == kind)) or \
        SmsProvider(kind=kind)
    provider.base_url, provider.sender, provider.login = url, sender, login
    provider.per_minute, provider.active = per_minute, True
    ctx.session.add(provider)
    ctx.session.flush()
    provider.secret_ref = secrets.secret_key(database_id(ctx.session), "sms", kind)
    where = secrets.store_secret(provider.secret_ref, key) if key else None
    ctx.session.flush()
    return provider, where


def active_provider(session) -> SmsProvider:
    provider = session.scalar(select(SmsProvider).where(SmsProvider.active.is_(True),
                                                        SmsProvider.deletion_mark.is_(False)))
    if provider is None:
        raise NotFound("SMS не настроены: выберите провайдера в «Администрирование → SMS» "
                       "или командой «crmdesk sms provider».")
    return provider


def client_for(provider: SmsProvider):
    """The integration object that talks to the provider (the key from the secret store)."""
    key = secrets.require_secret(provider.secret_ref or "", f"ключ {TITLES[provider.kind]}",
                                 KEY_ENV)
    return PROVIDERS[provider.kind](provider.base_url, key, provider.sender, provider.login)


def _phone(ctx: Context, number: str) -> str:
    phone = normalize_phone(number, region=phone_region(ctx.session), field="Телефон")
    if phone is None:
        raise ValidationError("Телефон", "не заполнено")
    return phone.e164


def apply_result(row: OutboxMessage, result: SmsResult) -> None:
    row.sent_at = utcnow()
    if result.ok:
        row.status, row.external_id = "sent", result.external_id
        row.parts, row.cost = result.parts, result.cost
    else:
        row.status, row.reason = "failed", result.error


def send_sms(ctx: Context, number: str, text: str, client_id: int | None = None,
             contact_id: int | None = None) -> OutboxMessage:
    """One SMS, from the client card or the phone panel; logged on the client (given, or
    found by the phone number)."""
    rights.require(ctx.user, rights.INTERACTIONS)
    if not (text or "").strip():
        raise ValidationError("Текст", "не заполнено")
    phone = _phone(ctx, number)
    client = None
    if client_id is not None:
        client = ctx.session.get(Client, client_id)
        if client is None:
            raise NotFound(f"Поле «Клиент»: клиент с кодом {client_id} не найден.")
        rights.check_read_client(ctx.user, client)
    if client is None:  # from the phone panel: the client whose phone it is, if one is known
        from crmdesk.services.search import by_phone

        found = by_phone(ctx.session, ctx.user, phone, phone_region(ctx.session))
        if found:
            client, person, _ = found[0]
            client_id, contact_id = client.id, contact_id or (person.id if person else None)
    if contact_id is not None and ctx.session.get(ContactPerson, contact_id) is None:
        raise NotFound(f"Поле «Контактное лицо»: контакт с кодом {contact_id} не найден.")
    provider = active_provider(ctx.session)
    api = client_for(provider)
    row = OutboxMessage(channel="sms", client_id=client_id, contact_id=contact_id,
                        recipient=client.name if client else phone, address=phone,
                        body=text.strip(), provider_id=provider.id, status="sending",
                        parts=sms_parts(text.strip())[0])
    ctx.session.add(row)
    ctx.session.flush()
    apply_result(row, api.send(phone, row.body))
    if client is not None and row.status == "sent":
        ctx.session.add(Interaction(client_id=client.id, contact_id=contact_id, kind="sms_out",
                                    gist=f"SMS на {phone}: {row.body}", user_id=ctx.user.id,
                                    occurred_at=row.sent_at))
    ctx.session.flush()
    return row


def poll_statuses(ctx: Context, limit: int = 500) -> list[OutboxMessage]:
    """Ask the provider how the sent messages fared; stores «Доставлено» or the failure."""
    changed = []
    rows = ctx.session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == "sms",
                                    OutboxMessage.status == "sent",
                                    OutboxMessage.external_id.is_not(None))
        .order_by(OutboxMessage.id).limit(limit))
    apis: dict[int, object] = {}
    for row in rows:
        if row.provider_id not in apis:
            apis[row.provider_id] = client_for(ctx.session.get(SmsProvider, row.provider_id))
        state = apis[row.provider_id].status(row.external_id, row.address)
        if state.state == "delivered":
            row.status, row.delivered_at, row.reason = "delivered", utcnow(), None
            changed.append(row)
        elif state.state == "failed":
            row.status, row.reason = "failed", f"Не доставлено: {state.text}"
            changed.append(row)
    ctx.session.flush()
    return changed


def outbox_row(row: OutboxMessage) -> dict:
    from crmdesk.models.comms import OUTBOX_STATUSES

    return {
        "id": row.id,
        "client_id": row.client_id,
        "recipient": row.recipient,
        "address": row.address,
        "status": row.status,
        "status_text": OUTBOX_STATUSES.get(row.status, row.status),
        "reason": row.reason,
        "parts": row.parts,
        "cost": str(row.cost) if row.cost is not None else None,
        "external_id": row.external_id,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }
