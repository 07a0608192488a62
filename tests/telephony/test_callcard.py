"""The caller's card: what the call window shows about a number, as the rights allow."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from crmdesk.services.callcard import caller_card, card_text
from crmdesk.services.calllistener import external_event
from crmdesk.services.clients import create_client
from crmdesk.services.deals import create_deal
from crmdesk.services.documents import create_document, post
from crmdesk.services.interactions import record_interaction
from crmdesk.services.tasks import create_task
from tests.telephony.conftest import ANSWERED_FROM


def test_card_has_manager_debt_overdue_deals_contacts_and_tasks(uow):
    line = [{"description": "Насос", "quantity": 1, "price": "1000.50"}]
    today = date.today()
    with uow("ivanov") as ctx:
        c = create_client(ctx, {"name": "ООО «Ромашка»", "phones": ["8 913 123-45-67"]})
        late = create_document(ctx, "invoice", c.id, {"lines": line,
                                                     "due_date": today - timedelta(days=3)})
        fresh = create_document(ctx, "invoice", c.id, {"lines": line,
                                                      "due_date": today + timedelta(days=3)})
        post(ctx, late.id)
        post(ctx, fresh.id)
        create_deal(ctx, c.id, "Поставка насосов", "5000")
        record_interaction(ctx, c.id, "call_out", "Обсудили цены", "Выслать КП")
        create_task(ctx, "Выслать КП", executor_id=ctx.user.id, client_id=c.id)
        call = external_event(ctx, "in", ANSWERED_FROM, "101", "ringing", "k1")
    with uow("ivanov") as ctx:
        card = caller_card(ctx, "+7 (913) 123-45-67", call.linkedid)
    cl = card["client"]
    assert card["display"] == "+7 (913) 123-45-67" and cl["name"] == "ООО «Ромашка»"
    assert cl["manager"] == "Иванов Иван Иванович"
    assert cl["debt"] == Decimal("2001.00") and cl["overdue"] == Decimal("1000.50")
    assert [d["title"] for d in cl["deals"]] == ["Поставка насосов"]
    assert [i["gist"] for i in cl["interactions"]] == ["Обсудили цены"]  # not this call
    assert [t["title"] for t in cl["tasks"]] == ["Выслать КП"]
    text = card_text(card).replace("\xa0", " ")
    assert "Долг: 2 001,00" in text and "просрочено: 1 000,50" in text


def test_someone_elses_client_shows_only_its_manager(uow):
    with uow("petrov") as ctx:
        create_client(ctx, {"name": "ООО «Чужой»", "phones": [ANSWERED_FROM]})
    with uow("ivanov") as ctx:
        card = caller_card(ctx, "89131234567")
        unknown = caller_card(ctx, "89990001122")
        garbage = caller_card(ctx, "anonymous")
    assert card["client"] is None and card["other_manager"] == "Петров Пётр Петрович"
    assert unknown["client"] is None and unknown["other_manager"] is None
    assert garbage["display"] == "anonymous" and garbage["client"] is None


def test_a_call_row_does_not_name_a_client_the_user_may_not_see(uow):
    from crmdesk.services import telephony

    with uow("petrov") as ctx:
        create_client(ctx, {"name": "ООО «Чужой»", "phones": [ANSWERED_FROM]})
    with uow("ivanov") as ctx:
        call = external_event(ctx, "in", ANSWERED_FROM, "101", "ringing", "r1")
        assert call.client.name == "ООО «Чужой»"  # logged on the client all the same
        row = telephony.call_row(call, ctx.user)
        assert row["client"] is None and row["number"] == "+7 (913) 123-45-67"
        assert telephony.list_calls(ctx) == []  # nor listed to him
    with uow("petrov") as ctx:
        [mine] = telephony.list_calls(ctx)
        assert telephony.call_row(mine, ctx.user)["client"] == "ООО «Чужой»"


def test_lead_from_an_unknown_callers_number(uow):
    from crmdesk.models.comms import Lead
    from crmdesk.services import telephony

    with uow("ivanov") as ctx:
        lead = ctx.session.get(Lead, telephony.lead_from_call(ctx, "8 926 111-22-33"))
        assert (lead.phone, lead.source, lead.manager_id) == ("+79261112233", "Телефон",
                                                              ctx.user.id)
        assert "+7 (926) 111-22-33" in lead.name
