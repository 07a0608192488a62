"""Recorded Asterisk calls played over TCP to real listeners: what ends up in the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakeami import wait_for
from sqlalchemy import func, select

from crmdesk.models import Call, Client, Interaction, User
from crmdesk.services import telephony
from crmdesk.services.calllistener import CallListener, dial, external_event
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from tests.telephony.conftest import ANSWERED_FROM, MISSED_FROM, QUEUE_FROM


def _listener(engine, updates=None, **kw):
    with unit_of_work(engine, read_only=True) as ctx:
        params = telephony.ami_connect_params(ctx.session)
    return CallListener(engine, params, on_update=(updates.append if updates is not None
                                                   else None), backoff=(0.05,), **kw)


def _final_calls(engine, count=1):
    def done():
        with unit_of_work(engine, read_only=True) as ctx:
            calls = list(ctx.session.scalars(select(Call).order_by(Call.id)))
            if len(calls) >= count and all(c.state in ("answered", "missed") for c in calls):
                return [(telephony.call_row(c), c.client_id, c.interaction_id) for c in calls]
        return None

    return wait_for(done, what=f"{count} finished calls")


@pytest.fixture
def listening(pbx, ami):
    made = []

    def make(updates=None, **kw):
        listener = _listener(pbx, updates, **kw).start()
        made.append(listener)
        ami.wait_clients(len(made))
        return listener

    yield make
    for listener in made:
        listener.stop()


def _recording(engine):
    with unit_of_work(engine, read_only=True) as ctx:
        return ctx.session.scalar(select(Call.recording))


def _interaction(engine, iid):
    with unit_of_work(engine, read_only=True) as ctx:
        i = ctx.session.get(Interaction, iid)
        return {"kind": i.kind, "client": i.client.name, "user": i.user.login if i.user else None,
                "duration_min": i.duration_min, "gist": i.gist, "at": i.occurred_at}


def test_answered_incoming_call_is_logged_with_the_pbx_times(pbx, ami, listening):
    updates = []
    listening(updates)
    ami.play("incoming_answered")
    wait_for(lambda: _recording(pbx), what="the CDR's recording logged")
    [(row, client_id, iid)] = _final_calls(pbx)
    assert row["state"] == "Отвечен" and row["direction"] == "Входящий"
    assert row["duration_sec"] == 125  # DialEnd ANSWER 7.5 → Hangup 132.5, as the CDR says
    assert row["answered_by"] == "ivanov" and row["client"] == "ООО «Ромашка»"
    assert row["recording"] == "in-89131234567-101-20261201-110000.wav"
    it = _interaction(pbx, iid)
    assert it["kind"] == "call_in" and it["user"] == "ivanov" and it["duration_min"] == 3
    assert it["at"] == datetime.fromtimestamp(1764576000, UTC)  # the Newchannel's Timestamp
    assert "разговор 2:05" in it["gist"]
    assert [(u.kind, u.ext) for u in updates if u.kind in ("ring", "answer")] == [
        ("ring", "101"), ("answer", "101")
    ]


def test_queue_call_rings_three_and_is_answered_by_the_second(pbx, ami, listening):
    updates = []
    listening(updates)
    ami.play("queue_call")
    [(row, _cid, iid)] = _final_calls(pbx)
    assert [u.ext for u in updates if u.kind == "ring"] == ["101", "102", "103"]
    assert sorted(u.ext for u in updates if u.kind == "stop") == ["101", "103"]
    assert row["answered_by"] == "petrov" and row["duration_sec"] == 60
    assert row["contact"] == "Сидоров Семён" and row["client"] == "ООО «Лютик»"
    assert _interaction(pbx, iid)["user"] == "petrov"


def test_transferred_call_keeps_one_record_with_both_extensions(pbx, ami, listening):
    updates = []
    listening(updates)
    ami.play("transfer")
    [(row, _cid, iid)] = _final_calls(pbx)
    assert row["answered_by"] == "ivanov" and row["duration_sec"] == 90  # 5.0 → 95.1
    with unit_of_work(pbx, read_only=True) as ctx:
        assert ctx.session.scalar(select(Call.transferred_to)) == "102"
    assert ("ring", "102") in [(u.kind, u.ext) for u in updates]
    assert "переведён на 102" in _interaction(pbx, iid)["gist"]


def test_missed_call_from_an_unknown_number_waits_for_its_client(pbx, ami, listening):
    listening()
    ami.play("missed")
    [(row, client_id, iid)] = _final_calls(pbx)
    assert row["state"] == "Пропущен" and row["duration_sec"] == 0 and row["answered_by"] is None
    assert client_id is None and iid is None and row["number"] == "+7 (926) 111-22-33"
    with unit_of_work(pbx, "ivanov", read_only=True) as ctx:
        assert [c.id for c in telephony.list_calls(ctx, missed=True)] == [row["id"]]
    with unit_of_work(pbx, "ivanov") as ctx:  # the client is made later, number typed anyhow
        create_client(ctx, {"name": "ИП Новиков", "phones": ["8 (926) 111-22-33"]})
    with unit_of_work(pbx, read_only=True) as ctx:
        call = ctx.session.scalar(select(Call))
        assert call.client.name == "ИП Новиков" and call.interaction is not None
        assert call.interaction.gist.startswith("Пропущенный входящий звонок")
        assert call.interaction.user.login == "ivanov"  # whose extension rang


def test_two_listeners_log_each_call_once(pbx, ami, listening):
    first, second = listening(), listening()
    for name in ("incoming_answered", "queue_call", "missed", "transfer"):
        ami.play(name)
    _final_calls(pbx, 4)
    with unit_of_work(pbx, read_only=True) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Call)) == 4
        assert ctx.session.scalar(select(func.count()).select_from(Interaction)) == 3
        assert ctx.session.scalar(
            select(Call.duration_sec).where(Call.linkedid == "1764576000.84")
        ) == 125
    assert first.errors == [] and second.errors == []


def test_answered_call_clears_the_missed_one(pbx, ami):
    with unit_of_work(pbx) as ctx:
        for state, cid in (("ringing", "m1"), ("ended", "m1")):
            external_event(ctx, "in", QUEUE_FROM, "102", state, cid)
        assert [c.linkedid for c in telephony.list_calls(ctx, missed=True)] == ["ext:m1"]
        external_event(ctx, "out", "8 495 987-65-43", "102", "answered", "cb")
        assert len(telephony.list_calls(ctx, missed=True)) == 1  # still talking
        external_event(ctx, "out", "8 495 987-65-43", "102", "ended", "cb")
        assert telephony.list_calls(ctx, missed=True) == []
        missed = ctx.session.scalar(select(Call).where(Call.linkedid == "ext:m1"))
        assert missed.called_back_at is not None and missed.state == "missed"


def test_click_to_call_originates_and_the_outgoing_call_is_logged(pbx, ami, listening):
    updates = []
    listening(updates)
    with unit_of_work(pbx, "ivanov", read_only=True) as ctx:
        result = dial(ctx, "+7 913 123-45-67")
    assert result["dialled"] == "89131234567" and result["ext"] == "101"
    originate = next(a for a in ami.actions if a.get("Action") == "Originate")
    assert originate["Channel"] == "PJSIP/101" and originate["Exten"] == "89131234567"
    assert originate["Context"] == "from-internal"
    wait_for(lambda: _recording(pbx), what="the CDR's recording logged")
    [(row, _cid, iid)] = _final_calls(pbx)
    with unit_of_work(pbx, read_only=True) as ctx:
        call = ctx.session.scalar(select(Call))
        assert (call.direction, call.ext, call.duration_sec) == ("out", "101", 47)
        assert call.recording == "out-89131234567-101-20261201-160000.wav"
        assert call.answered_by.login == "ivanov" and call.client.name == "ООО «Ромашка»"
    assert _interaction(pbx, iid)["kind"] == "call_out"
    assert ("ring", "101") in [(u.kind, u.ext) for u in updates]


def test_dial_needs_the_users_extension(pbx):
    from crmdesk.services.errors import ValidationError

    with unit_of_work(pbx, "oper", read_only=True) as ctx:
        with pytest.raises(ValidationError, match="«Внутренний номер».*не заполнено"):
            dial(ctx, "+79131234567")
        with pytest.raises(ValidationError, match="«Номер»"):
            dial(ctx, "12", login="ivanov")


def test_external_events_feed_the_same_pipeline(pbx):
    with unit_of_work(pbx) as ctx:
        call = external_event(ctx, "in", "8-913-123-45-67", "101", "ringing", "z1")
        assert call.state == "ringing" and call.client.name == "ООО «Ромашка»"
        external_event(ctx, "in", "8-913-123-45-67", "101", "answered", "z1")
        call = external_event(ctx, "in", "8-913-123-45-67", "101", "ended", "z1", duration=42)
        assert (call.state, call.duration_sec, call.answered_by.login) == ("answered", 42, "ivanov")
        again = external_event(ctx, "in", "8-913-123-45-67", "101", "ended", "z1", duration=99)
        assert again.duration_sec == 42  # a repeated webhook changes nothing
        assert ctx.session.scalar(select(func.count()).select_from(Interaction)) == 1
        from crmdesk.services.errors import ValidationError

        with pytest.raises(ValidationError, match="«Состояние»"):
            external_event(ctx, "in", "89131234567", "101", "busy")


def test_notes_go_into_the_calls_interaction_and_stay(pbx):
    from crmdesk.services.errors import ValidationError

    with unit_of_work(pbx, "ivanov") as ctx:
        call = external_event(ctx, "in", ANSWERED_FROM, "101", "answered", "n1")
        telephony.save_notes(ctx, call.id, "Просят скидку 5%", "Отправить КП до пятницы")
        external_event(ctx, "in", ANSWERED_FROM, "101", "ended", "n1")
        i = ctx.session.get(Interaction, call.interaction_id)
        assert (i.gist, i.next_step) == ("Просят скидку 5%", "Отправить КП до пятницы")
        assert i.duration_min is not None
        unknown = external_event(ctx, "in", MISSED_FROM, "101", "ringing", "n2")
        with pytest.raises(ValidationError, match="«Клиент»"):
            telephony.save_notes(ctx, unknown.id, "что-то")
        with pytest.raises(ValidationError, match="«Суть разговора»"):
            telephony.save_notes(ctx, call.id, "  ")


def test_extension_is_one_users(pbx):
    from crmdesk.services.errors import ValidationError

    with unit_of_work(pbx) as ctx:
        with pytest.raises(ValidationError, match="уже у пользователя ivanov"):
            telephony.set_extension(ctx, "oper", "101")
        telephony.set_extension(ctx, "ivanov", "")
        assert ctx.session.scalar(select(User.extension).where(User.login == "ivanov")) is None
    with unit_of_work(pbx, read_only=True) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Client)) == 2


def test_two_listeners_signal_each_state_once(pbx, ami, listening):
    from crmdesk.models import CallSignal

    listening(), listening()
    ami.play("queue_call")
    _final_calls(pbx)
    with unit_of_work(pbx, read_only=True) as ctx:
        rows = ctx.session.execute(select(CallSignal.ext, CallSignal.state)).all()
    expected = {(e, "ring") for e in ("101", "102", "103")} | {("102", "answer")} | {
        ("101", "stop"), ("103", "stop")} | {(e, "end") for e in ("101", "102", "103")}
    assert set(rows) == expected
    # each listener writes what is not there yet: two racing may both write one now and then,
    # never everything twice (the desks treat a repeated signal as the same state anyway)
    assert len(rows) < 2 * len(expected)
