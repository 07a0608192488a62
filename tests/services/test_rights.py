import pytest
from sqlalchemy import select

from crmdesk.models import Client
from crmdesk.services import search
from crmdesk.services.clients import create_client, get_client, list_clients, update_client
from crmdesk.services.documents import create_document, get_document
from crmdesk.services.errors import AccessDenied
from crmdesk.services.interactions import record_interaction
from crmdesk.services.purge import purge_marked


@pytest.fixture
def two_clients(uow):
    with uow("ivanov") as ctx:
        mine = create_client(ctx, {"name": "Клиент Иванова", "phones": ["+79120000001"]}).id
    with uow("petrov") as ctx:
        other = create_client(ctx, {"name": "Клиент Петрова", "phones": ["+79120000002"]}).id
        doc = create_document(
            ctx,
            "invoice",
            other,
            {"lines": [{"description": "Услуга", "quantity": 1, "price": 100}]},
        ).id
    return mine, other, doc


def test_manager_sees_only_own_clients_through_every_function(uow, two_clients):
    mine, other, doc = two_clients
    with uow("ivanov") as ctx:
        assert [c.name for c in list_clients(ctx)] == ["Клиент Иванова"]
        assert [c.name for c in search.find_clients(ctx.session, ctx.user, "клиент")] == [
            "Клиент Иванова"
        ]
        assert search.by_phone(ctx.session, ctx.user, "89120000002") == []
        with pytest.raises(AccessDenied, match="другим менеджером"):
            get_client(ctx, other)
        with pytest.raises(AccessDenied):
            update_client(ctx, other, {"comment": "взлом"})
        with pytest.raises(AccessDenied):
            get_document(ctx, doc)
        with pytest.raises(AccessDenied):
            create_document(ctx, "order", other, {})
        with pytest.raises(AccessDenied):
            record_interaction(ctx, other, "call_in", "чужой")
    with uow() as ctx:
        assert ctx.session.scalar(select(Client.comment).where(Client.id == other)) is None


def test_head_and_operator_see_everyone_operator_cannot_change_others(uow, two_clients):
    mine, other, _ = two_clients
    with uow("head") as ctx:
        assert {c.name for c in list_clients(ctx)} == {"Клиент Иванова", "Клиент Петрова"}
        update_client(ctx, other, {"comment": "руководитель"})
    with uow("oper") as ctx:
        assert len(search.by_phone(ctx.session, ctx.user, "8 912 000-00-02")) == 1
        record_interaction(ctx, other, "call_in", "спрашивал цену")
        with pytest.raises(AccessDenied):
            update_client(ctx, other, {"comment": "оператор"})


def test_manager_cannot_give_a_client_away_without_the_right(uow, two_clients):
    mine, _, _ = two_clients
    with uow("ivanov") as ctx, pytest.raises(AccessDenied, match="Распределение"):
        update_client(ctx, mine, {"owner": "petrov"})
    with uow("head") as ctx:
        update_client(ctx, mine, {"owner": "petrov"})
    with uow("ivanov") as ctx:
        assert list_clients(ctx) == []


def test_only_administrator_purges(uow):
    with uow("head") as ctx, pytest.raises(AccessDenied, match="Администрирование"):
        purge_marked(ctx)


def test_a_refusal_never_names_a_client_one_may_not_see(uow, two_clients):
    from crmdesk.reports import print_document

    mine, other, doc = two_clients
    with uow("ivanov") as ctx:
        for attempt in (
            lambda: get_client(ctx, other),
            lambda: get_document(ctx, doc),
            lambda: update_client(ctx, other, {"comment": "взлом"}),
            lambda: print_document(ctx, "invoice", doc, "pdf"),
        ):
            with pytest.raises(AccessDenied) as refused:
                attempt()
            assert "Петрова" not in str(refused.value)
            assert "+7912" not in str(refused.value) and "79120000002" not in str(refused.value)
    with uow("oper") as ctx:  # the operator sees every client: being told which one is fine
        with pytest.raises(AccessDenied, match="Клиент Петрова"):
            update_client(ctx, other, {"comment": "правка"})


def test_a_user_record_is_the_administrators(uow):
    from crmdesk.models import User
    from crmdesk.services import records
    from crmdesk.services.users import set_password

    with uow() as ctx:
        set_password(ctx.session, "petrov", "пароль")
        petrov = ctx.session.scalar(select(User.id).where(User.login == "petrov"))
        values = records.values(records.get(ctx, "user", petrov), records.KINDS["user"].fields)
        assert values["login"] == "petrov" and "password_hash" not in values
    for login in ("ivanov", "oper", "head"):
        with uow(login) as ctx:
            with pytest.raises(AccessDenied, match="администратор"):
                records.get(ctx, "user", petrov)
    with uow("ivanov") as ctx:  # one's own record, without the hash
        own = ctx.user.id
        values = records.values(records.get(ctx, "user", own), records.KINDS["user"].fields)
        assert values["login"] == "ivanov" and "password_hash" not in values
