"""The clients list: every group of a client, the last contact and whom nobody called, and
Russian order (Ё with Е) in the lists — on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crmdesk.models import Product, utcnow
from crmdesk.services import lists
from crmdesk.services.clients import create_client
from crmdesk.services.errors import ValidationError
from crmdesk.services.interactions import record_interaction


def rows(ctx, spec, *filters, search="", sort=None, desc=False):
    state = lists.ListState(search=search, filters=list(filters), sort_key=sort, descending=desc)
    return lists.fetch(ctx, spec, state, 0, 100)


def names(ctx, spec, *filters, **kw):
    return [r.values[0] for r in rows(ctx, spec, *filters, **kw)]


def column(ctx, key, *filters, **kw):
    i = [c.key for c in lists.CLIENTS.columns].index(key)
    return {r.values[0]: r.values[i] for r in rows(ctx, lists.CLIENTS, *filters, **kw)}


@pytest.fixture
def grouped(uow):
    with uow("head") as ctx:
        create_client(ctx, {"name": "Альфа", "groups": ["VIP", "Оптовые"]})
        create_client(ctx, {"name": "Бета", "groups": ["Оптовые"]})
        create_client(ctx, {"name": "Гамма", "groups": ["Розница"]})
        create_client(ctx, {"name": "Дельта"})


def test_a_client_in_two_groups_is_in_either_groups_filter(uow, grouped):
    g = lists.Filter
    with uow("head") as ctx:
        assert names(ctx, lists.CLIENTS, g("group", "=", "Оптовые")) == ["Альфа", "Бета"]
        assert names(ctx, lists.CLIENTS, g("group", "=", "оптовые")) == ["Альфа", "Бета"]
        assert names(ctx, lists.CLIENTS, g("group", "=", "VIP")) == ["Альфа"]
        assert names(ctx, lists.CLIENTS, g("group", "!=", "Оптовые")) == ["Гамма", "Дельта"]
        assert names(ctx, lists.CLIENTS, g("group", "contains", "озн")) == ["Гамма"]
        assert names(ctx, lists.CLIENTS, g("group", "empty")) == ["Дельта"]
        assert names(ctx, lists.CLIENTS, g("group", "filled")) == ["Альфа", "Бета", "Гамма"]
        shown = column(ctx, "group")
        assert sorted(shown.pop("Альфа").split(", ")) == ["VIP", "Оптовые"]
        assert shown == {"Бета": "Оптовые", "Гамма": "Розница", "Дельта": None}
        state = lists.ListState(filters=[g("group", "=", "Оптовые")])
        assert lists.count(ctx, lists.CLIENTS, state) == 2


def test_last_contact_and_no_contact_for_n_days(uow):
    now = utcnow()
    with uow("head") as ctx:
        ids = {n: create_client(ctx, {"name": n}).id for n in ("Давний", "Недавний", "Никогда")}
        record_interaction(ctx, ids["Давний"], "call_out", "Звонок", when=now - timedelta(days=90))
        record_interaction(ctx, ids["Давний"], "meeting", "Встреча", when=now - timedelta(days=40))
        record_interaction(ctx, ids["Недавний"], "call_in", "Звонок", when=now - timedelta(days=3))
    stale = lists.Filter("last_contact", "older", "30")
    with uow("head") as ctx:
        shown = column(ctx, "last_contact")
        assert shown["Никогда"] is None
        assert abs(shown["Давний"] - (now - timedelta(days=40))) < timedelta(seconds=1)
        assert abs(shown["Недавний"] - (now - timedelta(days=3))) < timedelta(seconds=1)
        assert names(ctx, lists.CLIENTS, stale) == ["Давний", "Никогда"]
        assert names(ctx, lists.CLIENTS, lists.Filter("last_contact", "older", "100")) == [
            "Никогда"]
        assert names(ctx, lists.CLIENTS, lists.Filter("last_contact", "older", "1")) == [
            "Давний", "Недавний", "Никогда"]
        assert names(ctx, lists.CLIENTS, lists.Filter("last_contact", "empty")) == ["Никогда"]
        i = [c.key for c in lists.CLIENTS.columns].index("last_contact")
        assert lists.format_value(lists.CLIENTS.columns[i], shown["Недавний"]).count(".") == 2
        with pytest.raises(ValidationError, match="Последний контакт.*«месяц» — не число дней"):
            names(ctx, lists.CLIENTS, lists.Filter("last_contact", "older", "месяц"))


def test_older_than_works_for_any_date_column(uow):
    with uow("head") as ctx:
        create_client(ctx, {"name": "Новый"})
    with uow("head") as ctx:
        assert names(ctx, lists.CLIENTS, lists.Filter("created_at", "older", "10")) == []
        assert names(ctx, lists.CLIENTS, lists.Filter("created_at", "older", "0")) == ["Новый"]


RUSSIAN = ["АО «Ель»", "АО «АльфаИнвест»", "АО «ЁлочкаПлюс»", "АО «Жасмин»", "АО «Ежевика»"]


def test_russian_order_puts_yo_with_ye_in_lists(uow):
    with uow("head") as ctx:
        for name in reversed(RUSSIAN):
            create_client(ctx, {"name": name})
            ctx.session.add(Product(name=name.split("«")[1].rstrip("»"), price=1))
        ctx.session.add(Product(name="ёрш", price=1))
    with uow("head") as ctx:
        # ё is е: «ёлочка» between «ежевика» and «ель» (о before ь), not before «а»
        assert names(ctx, lists.CLIENTS) == ["АО «АльфаИнвест»", "АО «Ежевика»",
                                             "АО «ЁлочкаПлюс»", "АО «Ель»", "АО «Жасмин»"]
        assert names(ctx, lists.PRODUCTS) == ["АльфаИнвест", "Ежевика", "ЁлочкаПлюс", "Ель",
                                              "ёрш", "Жасмин"]
        assert names(ctx, lists.PRODUCTS, sort="name", desc=True)[:2] == ["Жасмин", "ёрш"]
        # the position of a row in that order (the list keeps its cursor on it)
        product = next(r for r in rows(ctx, lists.PRODUCTS) if r.values[0] == "ёрш")
        assert lists.row_index(ctx, lists.PRODUCTS, lists.ListState(), product.id) == 4


def test_russian_order_in_the_reports(uow):
    from decimal import Decimal

    from crmdesk.reports.gross_profit import gross_profit
    from crmdesk.reports.receivables import receivables
    from crmdesk.services.documents import create_document, post

    with uow("head") as ctx:
        for name in RUSSIAN:
            cid = create_client(ctx, {"name": name}).id
            line = {"description": "Услуга", "quantity": Decimal(1), "price": Decimal("10.00")}
            for kind in ("invoice", "order"):
                post(ctx, create_document(ctx, kind, cid, {"lines": [line]}).id)
    expected = ["АО «АльфаИнвест»", "АО «Ежевика»", "АО «ЁлочкаПлюс»", "АО «Ель»", "АО «Жасмин»"]
    with uow("head") as ctx:
        report = receivables(ctx)
        assert [r["client"] for g in report.groups for r in g.rows] == expected
        report = gross_profit(ctx, group_by="client")
        assert [r["client"] for g in report.groups for r in g.rows] == expected
