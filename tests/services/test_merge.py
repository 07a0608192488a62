"""Duplicates are named before a write; two cards of one client are merged into one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crmdesk.models import (
    AuditEntry,
    Client,
    ClientPhone,
    ContactPerson,
    Document,
    Interaction,
    Task,
)
from crmdesk.models.crm import Attachment
from crmdesk.services import merge, search
from crmdesk.services.clients import create_client, set_deletion_mark, update_client
from crmdesk.services.duplicates import find_duplicates
from crmdesk.services.errors import AccessDenied, ValidationError
from crmdesk.services.interactions import record_interaction

INN = "7707083893"


def test_same_inn_and_kpp_is_refused_a_branch_and_a_phone_are_warned(uow):
    with uow("head") as ctx:
        first = create_client(ctx, {"name": "ООО «Ромашка»", "inn": INN, "kpp": "770701001",
                                    "phones": ["+7 912 345-67-89"]}).id
    with uow("head") as ctx:
        data = {"name": "Ромашка", "inn": INN, "kpp": "770701001", "phones": ["89123456789"]}
        found = find_duplicates(ctx, data)
        assert [(d.client_id, d.field, d.blocking) for d in found] == [
            (first, "ИНН", True), (first, "Телефон", False)]
        assert found[0].message == (
            f"Клиент с ИНН {INN} уже есть: «ООО «Ромашка»» (код {first}). Один клиент — одна "
            "карточка; если это филиал, укажите его КПП.")
        assert found[1].message == (
            f"Телефон +7 (912) 345-67-89 уже есть у клиента «ООО «Ромашка»» (код {first}).")
        with pytest.raises(ValidationError, match="Поле «ИНН» заполнено неверно: Клиент с ИНН"):
            create_client(ctx, data)
        with pytest.raises(ValidationError, match="ИНН"):
            create_client(ctx, {**data, "kpp": None})
    with uow("head") as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Client)) == 1  # nothing half
        branch = {**data, "kpp": "771001001"}
        (dup, _) = find_duplicates(ctx, branch)
        assert (dup.blocking, dup.message) == (False, (
            f"ИНН {INN} уже есть у клиента «ООО «Ромашка»» (код {first}) (другой КПП: филиал?)."))
        other = create_client(ctx, branch).id  # a branch is saved
        # its own card is not its duplicate, and a change of KPP to the head office's is refused
        assert [d.field for d in find_duplicates(ctx, branch, other)] == ["ИНН", "Телефон"]
        with pytest.raises(ValidationError, match="ИНН"):
            update_client(ctx, other, {"kpp": "770701001"})
        update_client(ctx, other, {"name": "Ромашка, филиал"})  # INN untouched: no check
    with uow("head") as ctx:
        set_deletion_mark(ctx, first)
        assert [d.client_id for d in find_duplicates(ctx, data)] == [other, other]
        assert find_duplicates(ctx, {"inn": "", "phones": ["не телефон"]}) == []


def test_another_managers_duplicate_is_not_named(uow):
    with uow("ivanov") as ctx:
        create_client(ctx, {"name": "Тайный клиент", "inn": INN, "phones": ["+79123456789"]})
    with uow("petrov") as ctx:
        found = find_duplicates(ctx, {"inn": INN, "phones": ["+79123456789"]})
        assert [(d.client_id, d.name, d.visible) for d in found] == [(0, "", False)] * 2
        assert "Тайный" not in " ".join(d.message for d in found)
        with pytest.raises(ValidationError, match="другого менеджера"):
            create_client(ctx, {"name": "Мой", "inn": INN})


@pytest.fixture
def pair(uow):
    with uow("head") as ctx:
        keep = create_client(ctx, {
            "name": "ООО «Ромашка»", "inn": INN, "phones": ["+7 912 345-67-89"],
            "emails": ["info@romashka.ru"], "groups": ["Оптовые"],
            "contacts": [{"name": "Андреева Светлана"}]}).id
        other = create_client(ctx, {
            "name": "Ромашка (старая карточка)", "full_name": "ООО «Ромашка»",
            "phones": ["8 912 345 67 89", "+7 495 111-22-33"],
            "emails": ["INFO@romashka.ru", "buh@romashka.ru"], "groups": ["VIP", "Оптовые"],
            "comment": "Звонить после обеда",
            "contacts": [{"name": "Борисов Павел", "phones": ["+7 903 000-11-22"]}]}).id
        record_interaction(ctx, other, "call_in", "Спрашивали цены")
        ctx.session.add(Task(title="Перезвонить", client_id=other, author_id=ctx.user.id))
        ctx.session.add(Attachment(owner_type="client", owner_id=other, name="Договор.pdf",
                                   data=b"%PDF", size=4))
        from crmdesk.services.documents import create_document

        create_document(ctx, "invoice", other, {"lines": [
            {"description": "Услуга", "quantity": Decimal(1), "price": Decimal("100.00")}]})
    return keep, other


def test_compare_shows_the_two_cards_side_by_side(uow, pair):
    keep, other = pair
    with uow("head") as ctx:
        rows = {d.key: d for d in merge.compare(ctx, keep, other)}
        assert (rows["name"].keep, rows["name"].other) == ("ООО «Ромашка»",
                                                           "Ромашка (старая карточка)")
        assert (rows["inn"].keep, rows["inn"].other) == (INN, "")
        assert rows["owner_id"].keep == rows["owner_id"].other and not rows["owner_id"].differs
        assert rows["contacts"].other == "Борисов Павел"
        assert (rows["interactions"].keep, rows["interactions"].other) == ("0", "1")
        assert (rows["documents"].other, rows["files"].other, rows["tasks"].other) == ("1",) * 3


def test_merge_moves_everything_marks_the_other_and_logs_it(uow, pair):
    keep, other = pair
    with uow("head") as ctx:
        moved = merge.merge_clients(ctx, keep, other, take={"comment", "full_name"})
        assert moved["interactions"] == moved["documents"] == moved["tasks"] == 1
        assert moved["attachments"] == 1 and moved["contact_persons"] == 1
    with uow("head") as ctx:
        k, o = ctx.session.get(Client, keep), ctx.session.get(Client, other)
        assert (k.name, k.full_name, k.comment) == ("ООО «Ромашка»", "ООО «Ромашка»",
                                                    "Звонить после обеда")
        assert sorted(p.e164 for p in k.phones) == ["+74951112233", "+79123456789"]
        assert sorted(e.email for e in k.emails) == ["buh@romashka.ru", "info@romashka.ru"]
        assert sorted(g.name for g in k.groups) == ["VIP", "Оптовые"]
        assert sorted(p.name for p in k.contacts) == ["Андреева Светлана", "Борисов Павел"]
        assert o.deletion_mark and o.phones == [] and o.contacts == []
        for model in (Interaction, Task, Document):
            assert ctx.session.scalar(
                select(func.count()).select_from(model).where(model.client_id == other)) == 0
            assert ctx.session.scalar(
                select(func.count()).select_from(model).where(model.client_id == keep)) == 1
        files = ctx.session.scalars(select(Attachment.owner_id)).all()
        assert files == [keep]
        log = ctx.session.execute(
            select(AuditEntry.object_id, AuditEntry.old_value, AuditEntry.new_value)
            .where(AuditEntry.field == "(объединение)").order_by(AuditEntry.id)).all()
        assert log[0][:2] == (keep, f"«Ромашка (старая карточка)» (код {other})")
        assert "documents: 1" in log[0][2] and "interactions: 1" in log[0][2]
        assert log[1] == (other, None,
                          f"объединён с «ООО «Ромашка»» (код {keep}) и помечен на удаление")
        # the search finds the kept card by what the other had; caller ID only the kept one
        assert [c.id for c in search.find_clients(ctx.session, ctx.user, "борисов")] == [keep]
        assert [c.id for c, _, _ in search.by_phone(ctx.session, ctx.user, "+79123456789")] == [
            keep]
        assert ctx.session.scalar(select(func.count()).select_from(ContactPerson)) == 2
        assert ctx.session.scalar(select(func.count()).select_from(ClientPhone)) == 2


def test_merge_refuses_what_it_cannot_do_and_changes_nothing(uow, pair):
    keep, other = pair
    with uow("head") as ctx:
        with pytest.raises(merge.MergeError, match="сам с собой"):
            merge.merge_clients(ctx, keep, keep)
        with pytest.raises(merge.MergeError, match="не переносятся"):
            merge.merge_clients(ctx, keep, other, take={"search_text"})
        set_deletion_mark(ctx, other)
        with pytest.raises(merge.MergeError, match="помечен на удаление"):
            merge.merge_clients(ctx, keep, other)
    with uow("petrov") as ctx:  # a manager who may not change the head's clients
        with pytest.raises(AccessDenied):
            merge.merge_clients(ctx, keep, other)
    with uow("head") as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Interaction)
                                  .where(Interaction.client_id == other)) == 1


def test_merge_can_take_the_inn_of_the_other_card(uow):
    with uow("head") as ctx:
        keep = create_client(ctx, {"name": "Ромашка"}).id
        other = create_client(ctx, {"name": "ООО «Ромашка»", "inn": INN, "kpp": "770701001"}).id
        merge.merge_clients(ctx, keep, other, take={"inn", "kpp", "name"})
    with uow("head") as ctx:
        k = ctx.session.get(Client, keep)
        assert (k.name, k.inn, k.kpp) == ("ООО «Ромашка»", INN, "770701001")
        assert find_duplicates(ctx, {"inn": INN, "kpp": "770701001"}, keep) == []
