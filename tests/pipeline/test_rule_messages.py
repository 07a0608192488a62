"""«Send a template e-mail or SMS» by an event rule, through the real SMTP server and the
SMS providers' HTTP fixtures the communications tests use."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmdesk.models import Deal, Interaction, RuleRun, Stage
from crmdesk.models.comms import Letter, OutboxMessage
from crmdesk.services import deals, pipeline, processes, sms, templates
from crmdesk.services.clients import create_client
from crmdesk.services.errors import ValidationError
from tests.comms.conftest import keyring_store, relay, sms_server, smtp_server  # noqa: F401
from tests.pipeline.conftest import doc


def _rule(ctx, action, template, event="invoice_posted"):
    tpl = templates.get_template(ctx, template)
    return processes.save_rule(ctx, {
        "process_id": deals.default_process(ctx).id, "name": f"{event}: {template}",
        "event": event, "action": action, "template_id": tpl.id}).id


def _client(uow, **data):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "ООО «Водоканалсервис»", **data}).id
        deal = deals.create_deal(ctx, cid, "Насосная станция")
        deals.move_deal(ctx, deal.id, "choice")
        return cid, deal.id


def _run(ctx, deal_id, rule_id):
    return ctx.session.scalar(select(RuleRun).where(RuleRun.deal_id == deal_id,
                                                    RuleRun.rule_id == rule_id))


def test_posted_invoice_mails_the_contact_a_template_filled_from_the_deal(uow, relay):  # noqa: F811
    with uow() as ctx:
        rule_id = _rule(ctx, "email", "Счёт отправлен")
    cid, deal_id = _client(uow, emails=["office@vodokanal.example"], contacts=[
        {"name": "Орлова Мария Викторовна", "emails": ["orlova@vodokanal.example"]}])
    with uow("ivanov") as ctx:
        from crmdesk.models import Client

        contact_id = ctx.session.get(Client, cid).contacts[0].id
        inv = doc(ctx, "invoice", cid, deal_id, "15000", post=False)
        from crmdesk.services import documents

        documents.update_document(ctx, inv.id, {"contact_id": contact_id})
        documents.post(ctx, inv.id)
        number = inv.number
    (sender, rcpts, msg), = relay.items
    assert sender == "office@teplodom.example" and rcpts == ["orlova@vodokanal.example"]
    assert number in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "Уважаемый(ая) Мария Викторовна!" in body and "15 000,00" in body
    assert "Иванов Иван Иванович" in body  # the deal's manager signs
    with uow("ivanov") as ctx:
        run = _run(ctx, deal_id, rule_id)
        assert run.result == "done" and "orlova@vodokanal.example" in run.message
        item = ctx.session.scalar(select(Interaction).where(Interaction.kind == "mail_out"))
        assert (item.client_id, item.contact_id, item.deal_id) == (cid, contact_id, deal_id)
        assert item.user.login == "ivanov"
        letter = ctx.session.scalar(select(Letter).where(Letter.interaction_id == item.id))
        assert letter.to_address == "orlova@vodokanal.example" and number in letter.subject
        row = ctx.session.scalar(select(OutboxMessage).where(OutboxMessage.client_id == cid))
        assert (row.channel, row.status, row.address) == ("email", "sent",
                                                          "orlova@vodokanal.example")
    with uow("ivanov") as ctx:  # reposting sends nothing again
        documents.update_document(ctx, inv.id, {"comment": "исправлено"})
    assert len(relay.items) == 1


def test_no_address_or_no_account_is_a_reason_not_a_failure(uow, smtp_server,  # noqa: F811
                                                             keyring_store):  # noqa: F811
    with uow() as ctx:
        rule_id = _rule(ctx, "email", "Заказ отправлен", "order_posted")
    cid, deal_id = _client(uow)  # no e-mail anywhere
    with uow("ivanov") as ctx:
        doc(ctx, "order", cid, deal_id, "900")  # posted: nothing raised
        run = _run(ctx, deal_id, rule_id)
        assert run.result == "skipped"
        assert run.message == ("У клиента «ООО «Водоканалсервис»» нет адреса e-mail: письмо по "
                               "шаблону «Заказ отправлен» не отправлено.")
    with uow("ivanov") as ctx:
        from crmdesk.services.clients import create_client as cc

        other = cc(ctx, {"name": "ИП Сомов", "emails": ["somov@example.ru"]}).id
        deal = deals.create_deal(ctx, other, "Котёл")
        doc(ctx, "order", other, deal.id, "500")
        run = _run(ctx, deal.id, rule_id)
        assert run.result == "skipped" and "Почта не настроена" in run.message
        assert ctx.session.scalar(select(Interaction).where(
            Interaction.kind == "mail_out")) is None
        assert [r["result"] for r in pipeline.rule_log(ctx, deal.id)] == ["Не выполнено"]
    assert smtp_server.items == []


def test_a_refused_recipient_is_recorded_with_the_servers_reason(uow, relay):  # noqa: F811
    with uow() as ctx:
        rule_id = _rule(ctx, "email", "Счёт отправлен")
    relay.refuse.add("office@vodokanal.example")
    cid, deal_id = _client(uow, emails=["office@vodokanal.example"])
    with uow("ivanov") as ctx:
        doc(ctx, "invoice", cid, deal_id, "100")
        assert _run(ctx, deal_id, rule_id).message.endswith(": в очереди.")
    with uow("ivanov") as ctx:  # the letter left after the posting committed
        run = _run(ctx, deal_id, rule_id)
        assert run.result == "skipped"
        assert run.message.startswith("Письмо на office@vodokanal.example не отправлено:")
        row = ctx.session.get(OutboxMessage, run.outbox_id)
        assert row.status == "failed" and row.reason
        assert ctx.session.scalar(select(Interaction).where(
            Interaction.kind == "mail_out")) is None
        assert ctx.session.scalar(select(Deal.stage_id).where(Deal.id == deal_id)) == \
            ctx.session.scalar(select(Stage.id).where(Stage.code == "invoicing",
                                                      Stage.process_id == 1))


def test_a_posting_rolled_back_sends_nothing_and_a_left_pending_row_goes_later(
        uow, relay, team, monkeypatch):  # noqa: F811
    with uow() as ctx:
        rule_id = _rule(ctx, "email", "Счёт отправлен")
    cid, deal_id = _client(uow, emails=["office@vodokanal.example"])
    try:
        with uow("ivanov") as ctx:
            doc(ctx, "invoice", cid, deal_id, "100")
            raise RuntimeError("the desktop fell")
    except RuntimeError:
        pass
    assert relay.items == []
    with uow("ivanov") as ctx:
        assert _run(ctx, deal_id, rule_id) is None
    # a row queued by a program that stopped before sending: the next check sends it
    from crmdesk.services import rule_messages

    monkeypatch.setattr(rule_messages, "send_queued", lambda engine: [])
    with uow("ivanov") as ctx:
        doc(ctx, "invoice", cid, deal_id, "100")
    monkeypatch.undo()
    assert relay.items == []
    with uow() as ctx:
        pipeline.check_rules(ctx)
    (_, rcpts, _), = relay.items
    assert rcpts == ["office@vodokanal.example"]
    with uow("ivanov") as ctx:
        assert _run(ctx, deal_id, rule_id).message.startswith("Письмо «Счёт на оплату")
    assert rule_messages.send_queued(team) == []  # nothing pending is sent twice


@pytest.fixture
def provider(uow, sms_server, keyring_store):  # noqa: F811
    with uow() as ctx:
        sms.set_provider(ctx, sms_server.kind, "test-key", sms_server.url, "TeploDom",
                         "office" if sms_server.kind == "smsc" else None)
    return sms_server


def test_a_paid_invoice_sends_an_sms_to_the_clients_phone(uow, provider):
    with uow() as ctx:
        rule_id = _rule(ctx, "sms", "Напоминание о долге (SMS)", "invoice_paid")
    cid, deal_id = _client(uow, phones=["+7 916 555-44-33"])
    with uow("ivanov") as ctx:
        deals.move_deal(ctx, deal_id, "invoicing")
        inv = doc(ctx, "invoice", cid, deal_id, "3000")
        doc(ctx, "payment", cid, deal_id, "3000", basis_id=inv.id)
    path, params = provider.requests[-1]
    assert (params.get("to") or params.get("phones")) == "79165554433"
    text = params.get("msg") or params.get("mes")
    assert "задолженность 0,00 руб." in text
    with uow("ivanov") as ctx:
        run = _run(ctx, deal_id, rule_id)
        assert run.result == "done" and "+79165554433" in run.message
        item = ctx.session.scalar(select(Interaction).where(Interaction.kind == "sms_out"))
        assert (item.client_id, item.deal_id) == (cid, deal_id) and text in item.gist
        row = ctx.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "sms"))
        assert row.status == "sent" and row.external_id


def test_sms_without_a_phone_or_with_a_refusing_provider(uow, provider):
    with uow() as ctx:
        rule_id = _rule(ctx, "sms", "Напоминание о долге (SMS)")
    cid, deal_id = _client(uow)
    provider.global_error = 201 if provider.kind == "smsru" else 3  # no money
    with uow("ivanov") as ctx:
        doc(ctx, "invoice", cid, deal_id, "100")
        assert _run(ctx, deal_id, rule_id).message.startswith(
            "У клиента «ООО «Водоканалсервис»» нет телефона")
        other = create_client(ctx, {"name": "ИП Сомов", "phones": ["+79160001122"]}).id
        deal = deals.create_deal(ctx, other, "Котёл")
        doc(ctx, "invoice", other, deal.id, "100")
        deal_id = deal.id
    with uow("ivanov") as ctx:
        run = _run(ctx, deal_id, rule_id)
        assert run.result == "skipped" and "средств" in run.message
        assert ctx.session.get(OutboxMessage, run.outbox_id).status == "failed"
        assert ctx.session.scalar(select(Interaction).where(
            Interaction.kind == "sms_out")) is None


def test_the_rule_needs_a_template_of_its_channel(uow):
    with uow() as ctx:
        pid = deals.default_process(ctx).id
        sms_tpl = templates.get_template(ctx, "Напоминание о долге (SMS)")
        with pytest.raises(ValidationError, match="«Шаблон».*не заполнено"):
            processes.save_rule(ctx, {"process_id": pid, "name": "x", "event": "order_posted",
                                      "action": "email"})
        with pytest.raises(ValidationError, match="шаблон для SMS"):
            processes.save_rule(ctx, {"process_id": pid, "name": "x", "event": "order_posted",
                                      "action": "email", "template_id": sms_tpl.id})


def test_two_desktops_sending_at_once_send_a_left_pending_letter_once(
        uow, relay, team, monkeypatch):  # noqa: F811
    import threading

    from crmdesk.services import rule_messages

    with uow() as ctx:
        _rule(ctx, "email", "Счёт отправлен")
    cid, deal_id = _client(uow, emails=["office@vodokanal.example"])
    monkeypatch.setattr(rule_messages, "send_queued", lambda engine: [])
    with uow("ivanov") as ctx:  # queued by a program that stopped before sending
        doc(ctx, "invoice", cid, deal_id, "100")
    monkeypatch.undo()
    # both desktops list the row as pending before either takes it
    listed = threading.Barrier(2)

    def send():
        rule_messages.send_queued(team)

    original = rule_messages.unit_of_work
    calls = threading.local()

    def pausing(engine, *args, **kwargs):
        calls.n = getattr(calls, "n", 0) + 1
        if calls.n == 2:  # the second unit of work is the taking one: both have listed
            listed.wait(10)
        return original(engine, *args, **kwargs)

    monkeypatch.setattr(rule_messages, "unit_of_work", pausing)
    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(relay.items) == 1  # one letter, not two
