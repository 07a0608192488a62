import pytest

from crmdesk.services import search
from crmdesk.services.clients import create_client, update_client

CLIENTS = [
    ("ООО «Ёлка»", ["+7 912 345-67-89"], "7707083893", ["sales@elka.ru"]),
    ("Фёдоров Пётр", ["8 (495) 111-22-33 доб. 7"], None, []),
    ("ЗАО ЕЛОВЫЙ ЛЕС", ["+7 (343) 222-33-44"], None, ["les@forest.ru"]),
    ("ИП Smith John", ["+44 20 7946 0958"], None, []),
]


@pytest.fixture
def filled(uow):
    with uow("head") as ctx:
        ids = [
            create_client(ctx, {"name": n, "phones": p, "inn": inn, "emails": e}).id
            for n, p, inn, e in CLIENTS
        ]
    return ids


def names(ctx, text):
    return [c.name for c in search.find_clients(ctx.session, ctx.user, text)]


def test_cyrillic_search_ignores_case_and_yo(uow, filled):
    with uow("head") as ctx:
        assert names(ctx, "елка") == ["ООО «Ёлка»"]
        assert names(ctx, "ЁЛК") == ["ООО «Ёлка»"]
        assert names(ctx, "федоров") == ["Фёдоров Пётр"]
        assert names(ctx, "пётр") == ["Фёдоров Пётр"]
        assert names(ctx, "еловый") == ["ЗАО ЕЛОВЫЙ ЛЕС"]
        assert names(ctx, "ел") == []  # a 2-letter query is a prefix of the name only
        assert names(ctx, "зао") == ["ЗАО ЕЛОВЫЙ ЛЕС"]
        assert names(ctx, "smith") == ["ИП Smith John"]


def test_search_by_inn_email_and_any_phone_fragment(uow, filled):
    with uow("head") as ctx:
        assert names(ctx, "7707083893") == ["ООО «Ёлка»"]
        assert names(ctx, "elka.ru") == ["ООО «Ёлка»"]
        assert names(ctx, "345-67") == ["ООО «Ёлка»"]
        assert names(ctx, "8912345") == ["ООО «Ёлка»"]
        assert names(ctx, "+7912 345") == ["ООО «Ёлка»"]
        assert names(ctx, "4951112233") == ["Фёдоров Пётр"]
        assert names(ctx, "222 33 44") == ["ЗАО ЕЛОВЫЙ ЛЕС"]
        assert names(ctx, "100%_") == []


def test_search_follows_changes_to_name_and_phones(uow, filled):
    with uow("head") as ctx:
        update_client(ctx, filled[0], {"name": "ООО «Сосна»", "phones": ["+79990001122"]})
    with uow("head") as ctx:
        assert names(ctx, "елка") == []
        assert names(ctx, "сосн") == ["ООО «Сосна»"]
        assert names(ctx, "345-67") == []
        assert names(ctx, "0001122") == ["ООО «Сосна»"]


@pytest.mark.parametrize(
    "typed",
    ["+79123456789", "8 912 345 67 89", "8(912)3456789", "9123456789", "+7 (912) 345-67-89"],
)
def test_caller_id_finds_the_client_whatever_the_format(uow, filled, typed):
    with uow("head") as ctx:
        found = search.by_phone(ctx.session, ctx.user, typed)
        assert [(c.name, p, e) for c, p, e in found] == [("ООО «Ёлка»", None, "+79123456789")]


def test_caller_id_finds_contact_persons(uow, filled):
    with uow("head") as ctx:
        update_client(
            ctx, filled[1], {"contacts": [{"name": "Секретарь", "phones": ["8 903 000 11 22"]}]}
        )
    with uow("head") as ctx:
        ((client, contact, e164),) = search.by_phone(ctx.session, ctx.user, "+79030001122")
        assert (client.name, contact.name, e164) == ("Фёдоров Пётр", "Секретарь", "+79030001122")
