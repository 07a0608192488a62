"""The applicant's SMS on registration and completion, through a local server answering as
SMS.ru's and SMSC.ru's APIs; a refused SMS is written into the request's log and the request
stays registered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.models import OutboxMessage
from crmdesk.models.service import RequestStatusChange
from crmdesk.services import requests as rq
from crmdesk.services import sms
from crmdesk.services.requestwork import NOTIFY_SETTING
from crmdesk.services.settings import set_setting
from tests.comms.conftest import keyring_store, sms_server  # noqa: F401 — fixtures


@pytest.fixture
def provider(uow, service, sms_server, keyring_store):  # noqa: F811
    with uow() as ctx:
        sms.set_provider(ctx, sms_server.kind, "test-key", sms_server.url, "UK",
                         "office" if sms_server.kind == "smsc" else None)
        set_setting(ctx.session, NOTIFY_SETTING, True)
    return sms_server


def test_applicant_gets_sms_on_registration_and_completion(uow, provider):
    with uow("disp") as ctx:
        r = rq.create_request(ctx, {"description": "Течёт кран", "applicant_name": "Орлова",
                                    "applicant_phone": "+79125554433",
                                    "category": "Сантехника"})
        rq.complete(ctx, r.id, "Заменена прокладка")
        number = r.number
        bodies = ctx.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()
    sent = [p for path, p in provider.requests if path in ("/sms/send", "/sys/send.php")]
    assert len(sent) == 2
    assert bodies[0].startswith(f"Ваша заявка № {number} принята. Срок выполнения: ")
    assert bodies[1].startswith(f"Ваша заявка № {number} выполнена.")


def test_refused_sms_is_logged_and_the_request_stays(uow, provider):
    provider.errors["79125554433"] = 202 if provider.kind == "smsru" else 7
    with uow("disp") as ctx:
        r = rq.create_request(ctx, {"description": "Нет света", "applicant_name": "Ким",
                                    "applicant_phone": "+79125554433"})
        rid = r.id
    with uow("disp") as ctx:
        comments = ctx.session.scalars(select(RequestStatusChange.comment).where(
            RequestStatusChange.request_id == rid)).all()
    assert any(c and c.startswith("SMS заявителю не отправлено") for c in comments)
