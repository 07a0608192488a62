from decimal import Decimal

import pytest
from sqlalchemy import select

from crmdesk.models import AuditEntry, Client
from crmdesk.services.clients import create_client, get_client, set_deletion_mark, update_client
from crmdesk.services.errors import ConflictError, InvalidData, ValidationError

ROMASHKA = {
    "name": "ООО «Ромашка»",
    "inn": "7707083893",
    "phones": ["8 (912) 345-67-89", {"number": "+7 495 123-45-67 доб. 105", "label": "офис"}],
    "emails": ["Info@Romashka.RU"],
    "groups": ["Оптовые"],
    "contacts": [{"name": "Сидоров Семён", "position": "закупщик", "phones": ["89031112233"]}],
    "bank_accounts": [
        {"bank_name": "ПАО Сбербанк", "bik": "044525225", "corr_account": "30101810400000000225"}
    ],
}


def test_created_client_keeps_normalized_phones_emails_and_contacts(uow):
    with uow("ivanov") as ctx:
        client_id = create_client(ctx, ROMASHKA).id
    with uow("ivanov") as ctx:
        c = get_client(ctx, client_id)
        assert [(p.e164, p.ext, p.label) for p in c.phones] == [
            ("+79123456789", None, None),
            ("+74951234567", "105", "офис"),
        ]
        assert [e.email for e in c.emails] == ["info@romashka.ru"]
        assert [g.name for g in c.groups] == ["Оптовые"]
        assert c.owner.login == "ivanov"
        assert c.contacts[0].phones[0].e164 == "+79031112233"
        assert "79123456789" in c.search_text and "89123456789" in c.search_text


def test_bad_inn_phone_and_email_are_all_reported_and_nothing_is_stored(uow):
    with uow("ivanov") as ctx, pytest.raises(InvalidData) as err:
        create_client(
            ctx, {"name": "Плохой", "inn": "7707083894", "phones": ["12"], "emails": ["нет@"]}
        )
    text = str(err.value)
    assert "Поле «ИНН» заполнено неверно: неверное контрольное число" in text
    assert "Поле «Телефон»" in text and "Поле «Эл. почта»" in text
    with uow() as ctx:
        assert ctx.session.scalar(select(Client).where(Client.name == "Плохой")) is None


def test_empty_name_is_refused_with_the_field_named(uow):
    with uow("ivanov") as ctx, pytest.raises(ValidationError, match="«Наименование»"):
        create_client(ctx, {"name": "  "})


def test_stale_copy_is_refused_with_who_changed_it(uow):
    with uow("ivanov") as ctx:
        c = create_client(ctx, {"name": "Версия"})
        cid, version = c.id, c.version
    with uow("head") as ctx:
        update_client(ctx, cid, {"comment": "звонил"}, expected_version=version)
    with uow("ivanov") as ctx, pytest.raises(ConflictError, match="Смирнова Ольга Петровна"):
        update_client(ctx, cid, {"comment": "моё"}, expected_version=version)
    with uow("ivanov") as ctx:
        assert get_client(ctx, cid).comment == "звонил"


def test_changes_are_written_to_the_audit_log_with_the_user(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Аудит", "comment": "было"}).id
    with uow("head") as ctx:
        update_client(ctx, cid, {"comment": "стало"})
    with uow() as ctx:
        rows = ctx.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "client", AuditEntry.object_id == cid
            )
        ).all()
        change = [r for r in rows if r.field == "comment"][0]
        assert (change.old_value, change.new_value) == ("было", "стало")
        assert change.user_id == ctx.session.scalar(
            select(Client.updated_by_id).where(Client.id == cid)
        )
        assert any(r.field == "(создан)" for r in rows)


def test_deletion_mark_is_a_mark_not_a_deletion(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Помеченный"}).id
        set_deletion_mark(ctx, cid)
    with uow("ivanov") as ctx:
        assert get_client(ctx, cid).deletion_mark is True


def test_money_columns_round_trip_exactly(uow):
    from crmdesk.models import Product

    with uow() as ctx:
        ctx.session.add(
            Product(name="Дорогой", price=Decimal("12345678901.23"), cost_price=Decimal("0.01"))
        )
    with uow() as ctx:
        p = ctx.session.scalar(select(Product).where(Product.name == "Дорогой"))
        assert p.price == Decimal("12345678901.23") and p.cost_price == Decimal("0.01")
