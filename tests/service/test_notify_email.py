"""The applicant's e-mail notices on registration and completion, through the office's box
and a real local SMTP server (the communications tests' fixture); the channel follows the
settings and what is known of the applicant; a refused letter is logged, the request stays."""

from __future__ import annotations

from sqlalchemy import select

from crmdesk.models import OutboxMessage
from crmdesk.models.service import RequestStatusChange
from crmdesk.services import requests as rq
from crmdesk.services.requestwork import EMAIL_SETTING, NOTIFY_SETTING, notice_channel
from crmdesk.services.settings import set_setting
from tests.comms.conftest import keyring_store, relay, smtp_server  # noqa: F401 — fixtures


def _on(uow, sms=False, email=True):
    with uow() as ctx:
        set_setting(ctx.session, NOTIFY_SETTING, sms)
        set_setting(ctx.session, EMAIL_SETTING, email)


def test_applicant_gets_letters_on_registration_and_completion(uow, service, relay):  # noqa: F811
    _on(uow)
    with uow("disp") as ctx:
        r = rq.create_request(ctx, {"description": "Течёт кран", "applicant_name":
                                    "Орлова Вера Ивановна", "applicant_email": "orlova@example.ru",
                                    "category": "Сантехника"})
        number, rid = r.number, r.id
        rq.complete(ctx, rid, "Заменена прокладка")
    assert len(relay.items) == 2
    (sender, to, first), (_s, _t, second) = relay.items
    assert sender == "office@teplodom.example" and to == ["orlova@example.ru"]
    assert first["Subject"] == f"Ваша заявка {number} принята"
    text = first.get_content()
    assert "Уважаемый(ая) Вера Ивановна!" in text
    assert f"Ваша заявка № {number} от " in text and "Срок выполнения: " in text
    assert second["Subject"] == f"Ваша заявка {number} выполнена"
    with uow("disp") as ctx:
        rows = ctx.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(m.channel, m.address, m.status) for m in rows] == [
            ("email", "orlova@example.ru", "sent")] * 2
        assert rq.get_request(ctx, rid).applicant_email == "orlova@example.ru"


def test_channel_follows_settings_and_the_applicant(uow, service):
    with uow("disp") as ctx:
        both = rq.create_request(ctx, {"description": "Шумит стояк", "applicant_name": "Ким",
                                       "applicant_phone": "+79125554433",
                                       "applicant_email": "kim@example.ru"})
        phone_only = rq.create_request(ctx, {"description": "Нет тяги",
                                             "applicant_name": "Ли",
                                             "applicant_phone": "+79125554400"})
        set_setting(ctx.session, NOTIFY_SETTING, True)
        set_setting(ctx.session, EMAIL_SETTING, True)
        assert notice_channel(ctx, both) == ("sms", "+79125554433")
        both.channel = "email"  # a request that came by e-mail is answered by e-mail
        assert notice_channel(ctx, both) == ("email", "kim@example.ru")
        assert notice_channel(ctx, phone_only) == ("sms", "+79125554400")
        set_setting(ctx.session, NOTIFY_SETTING, False)
        assert notice_channel(ctx, phone_only) is None
        both.channel = "call"
        assert notice_channel(ctx, both) == ("email", "kim@example.ru")
        set_setting(ctx.session, EMAIL_SETTING, False)
        assert notice_channel(ctx, both) is None


def test_refused_letter_is_logged_and_the_request_stays(uow, service, relay):  # noqa: F811
    _on(uow)
    relay.refuse.add("nobody@example.ru")
    with uow("disp") as ctx:
        rid = rq.create_request(ctx, {"description": "Нет света", "applicant_name": "Ким",
                                      "applicant_email": "nobody@example.ru"}).id
    with uow("disp") as ctx:
        comments = ctx.session.scalars(select(RequestStatusChange.comment).where(
            RequestStatusChange.request_id == rid)).all()
        failed = ctx.session.scalars(select(OutboxMessage)).all()
    assert any(c and c.startswith("Письмо заявителю не отправлено") for c in comments)
    assert [(m.status, m.address) for m in failed] == [("failed", "nobody@example.ru")]
    assert failed[0].reason


def test_bad_applicant_email_names_the_field(uow, service):
    import pytest

    from crmdesk.services.errors import ValidationError

    with uow("disp") as ctx, pytest.raises(ValidationError, match="Эл. почта заявителя"):
        rq.create_request(ctx, {"description": "Нет света", "applicant_name": "Ким",
                                "applicant_email": "не адрес"})


def test_no_mail_box_is_logged_and_the_request_stays(uow, service):
    _on(uow)
    with uow("disp") as ctx:
        rid = rq.create_request(ctx, {"description": "Нет света", "applicant_name": "Ким",
                                      "applicant_email": "kim@example.ru"}).id
    with uow("disp") as ctx:
        comments = ctx.session.scalars(select(RequestStatusChange.comment).where(
            RequestStatusChange.request_id == rid)).all()
        outbox = ctx.session.scalars(select(OutboxMessage)).all()
    assert any(c and c.startswith("Письмо заявителю не отправлено: Почта не настроена")
               for c in comments)
    assert [(m.status, m.address) for m in outbox] == [("failed", "kim@example.ru")]
