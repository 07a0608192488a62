"""SMS through local servers answering as SMS.ru's and SMSC.ru's APIs, errors included."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.integrations.sms import SmsError, sms_parts
from crmdesk.models import Interaction
from crmdesk.services import sms
from crmdesk.services.errors import ValidationError

ERRORS = {  # what the provider answers → what the user reads
    "smsru": {"number": 202, "balance": 201, "sender": 204},
    "smsc": {"number": 7, "balance": 3, "sender": 6},
}
TEXTS = {"number": "номер", "balance": "средств", "sender": "отправител"}


@pytest.mark.parametrize("text,parts", [
    ("а" * 70, 1), ("а" * 71, 2), ("а" * 134, 2), ("а" * 135, 3),
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("{" * 80, 1), ("{" * 81, 2), ("", 0), ("Hello, мир", 1),
])
def test_parts_cyrillic_70_67_latin_160_153(text, parts):
    assert sms_parts(text)[0] == parts


@pytest.fixture
def provider(uow, sms_server, keyring_store):
    with uow() as ctx:
        p, where = sms.set_provider(ctx, sms_server.kind, "test-key", sms_server.url,
                                    "TeploDom", "office" if sms_server.kind == "smsc" else None)
        assert where == "keyring"
        assert "test-key" not in repr(p.__dict__)  # only the reference is in the row
    return sms_server


def test_one_sms_to_a_client_is_sent_logged_and_delivered_later(office, provider):
    text = "Счёт СЧ-2026-000001 на 90 000,00 руб. отправлен на почту. Спасибо! ООО «ТеплоДом»"
    assert len(text) > 70
    with office.uow("ivanov") as ctx:
        row = sms.send_sms(ctx, "8 (916) 111-22-33", text, client_id=office.market)
        assert row.status == "sent" and row.external_id and row.parts == 2
        external = row.external_id
    path, params = provider.requests[-1]
    assert path in ("/sms/send", "/sys/send.php")
    assert (params.get("msg") or params.get("mes")) == text
    assert (params.get("to") or params.get("phones")) == "79161112233"
    assert (params.get("from") or params.get("sender")) == "TeploDom"
    with office.uow("ivanov") as ctx:
        item = ctx.session.scalar(select(Interaction).where(Interaction.kind == "sms_out"))
        assert item.client_id == office.market and text in item.gist
        assert sms.poll_statuses(ctx) == []  # still on its way
    provider.delivered.add(external)
    with office.uow("ivanov") as ctx:
        (done,) = sms.poll_statuses(ctx)
        assert done.status == "delivered" and done.delivered_at is not None


@pytest.mark.parametrize("what", ["number", "balance", "sender"])
def test_provider_refusals_are_clear_per_recipient(office, provider, what):
    code = ERRORS[provider.kind][what]
    if what == "number":
        provider.errors["79161112233"] = code
    else:
        provider.global_error = code
    with office.uow("ivanov") as ctx:
        row = sms.send_sms(ctx, "+79161112233", "Проверка", client_id=office.market)
        assert row.status == "failed"
        assert TEXTS[what] in row.reason and row.reason.startswith(("SMS.ru", "SMSC.ru"))
        assert ctx.session.scalar(select(Interaction).where(
            Interaction.kind == "sms_out")) is None


def test_wrong_key_stops_with_a_message(office, provider, keyring_store):
    with office.uow() as ctx:
        ref = sms.active_provider(ctx.session).secret_ref
    keyring_store.set_password("crmdesk", ref, "wrong")
    with office.uow("ivanov") as ctx, pytest.raises(SmsError, match="логин|ключ|api_id"):
        sms.send_sms(ctx, "+79161112233", "Проверка")


def test_bad_input_names_the_field(office, provider):
    with office.uow("ivanov") as ctx:
        with pytest.raises(ValidationError, match="«Текст»"):
            sms.send_sms(ctx, "+79161112233", "  ")
        with pytest.raises(ValidationError, match="«Телефон»"):
            sms.send_sms(ctx, "12", "Проверка")


def test_no_key_in_this_session_asks_for_it(office, provider, keyring_store, monkeypatch):
    from crmdesk.services.secrets import SecretMissing

    keyring_store.items.clear()
    monkeypatch.delenv("CRMDESK_SMS_KEY", raising=False)
    with office.uow("ivanov") as ctx, pytest.raises(SecretMissing, match="CRMDESK_SMS_KEY"):
        sms.send_sms(ctx, "+79161112233", "Проверка")
