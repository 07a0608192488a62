"""Users and passwords, tasks and reminders, interactions, attachments."""

from datetime import timedelta

import pytest

from crmdesk.models import utcnow
from crmdesk.services.attachments import attach, attachments
from crmdesk.services.clients import create_client
from crmdesk.services.errors import AccessDenied, ValidationError
from crmdesk.services.interactions import client_history, record_interaction
from crmdesk.services.tasks import complete_task, create_task, due_reminders, list_tasks
from crmdesk.services.users import authenticate, create_user, hash_password, verify_password


def test_passwords_are_salted_scrypt_hashes():
    a, b = hash_password("секрет"), hash_password("секрет")
    assert a != b and a.startswith("scrypt$") and "секрет" not in a
    assert verify_password("секрет", a) and not verify_password("Секрет", a)


def test_login_with_password(uow):
    with uow() as ctx:
        create_user(ctx.session, "kassa", "Кассир", "operator", password="1234")
        assert authenticate(ctx.session, "kassa", "1234").login == "kassa"
        with pytest.raises(AccessDenied, match="Неверное имя пользователя или пароль"):
            authenticate(ctx.session, "kassa", "12345")
        with pytest.raises(ValidationError, match="уже существует"):
            create_user(ctx.session, "kassa", "Другой", "operator")


def test_overdue_is_derived_and_reminders_come_on_time(uow):
    now = utcnow()
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Задачный"}).id
        late = create_task(
            ctx,
            "Перезвонить",
            deadline=now - timedelta(hours=1),
            client_id=cid,
            remind_at=now - timedelta(hours=2),
        )
        soon = create_task(
            ctx,
            "Отправить КП",
            deadline=now + timedelta(days=1),
            remind_at=now + timedelta(hours=1),
        )
        assert late.is_overdue() and not soon.is_overdue()
        assert [t.title for t in due_reminders(ctx)] == ["Перезвонить"]
        assert [t.title for t in due_reminders(ctx, now + timedelta(hours=2))] == [
            "Перезвонить",
            "Отправить КП",
        ]
        complete_task(ctx, late.id)
        assert not late.is_overdue()
        assert [t.title for t in list_tasks(ctx, only_open=True)] == ["Отправить КП"]


def test_manager_cannot_give_tasks_to_others_but_head_can(uow):
    with uow() as ctx:
        from crmdesk.services.users import find_user

        petrov = find_user(ctx.session, "petrov").id
    with uow("ivanov") as ctx, pytest.raises(AccessDenied):
        create_task(ctx, "Тебе", executor_id=petrov)
    with uow("head") as ctx:
        assert create_task(ctx, "Тебе", executor_id=petrov).executor.login == "petrov"
    with uow("ivanov") as ctx:
        assert list_tasks(ctx) == []


def test_interactions_make_the_clients_history_newest_first(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "Историчный"}).id
        record_interaction(
            ctx,
            cid,
            "call_in",
            "Спросил про сроки",
            next_step="Выслать КП",
            when=utcnow() - timedelta(days=1),
            duration_min=5,
        )
        record_interaction(ctx, cid, "meeting", "Обсудили договор")
        with pytest.raises(ValidationError, match="«Суть»"):
            record_interaction(ctx, cid, "call_out", " ")
        with pytest.raises(ValidationError, match="«Вид»"):
            record_interaction(ctx, cid, "telegram", "x")
        history = client_history(ctx, cid)
        assert [(i.kind, i.gist) for i in history] == [
            ("meeting", "Обсудили договор"),
            ("call_in", "Спросил про сроки"),
        ]
        assert history[1].user.login == "ivanov" and history[1].next_step == "Выслать КП"


def test_files_attach_to_a_client_and_only_its_managers_see_them(uow):
    with uow("ivanov") as ctx:
        cid = create_client(ctx, {"name": "С файлами"}).id
        attach(ctx, "client", cid, "договор.pdf", b"%PDF-1.4 test")
    with uow("ivanov") as ctx:
        (a,) = attachments(ctx, "client", cid)
        assert (a.name, a.mime, a.size, a.data) == (
            "договор.pdf",
            "application/pdf",
            13,
            b"%PDF-1.4 test",
        )
    with uow("petrov") as ctx, pytest.raises(AccessDenied):
        attachments(ctx, "client", cid)


def test_list_tasks_narrows_to_a_client_an_executor_and_a_deadline(uow):
    with uow("ivanov") as ctx:
        a = create_client(ctx, {"name": "ООО «Задачи А»"}).id
        b = create_client(ctx, {"name": "ООО «Задачи Б»"}).id
    now = utcnow()
    with uow("ivanov") as ctx:
        for n in range(250):  # more than the quick card ever read before
            create_task(ctx, f"Б-{n}", deadline=now, client_id=b)
        create_task(ctx, "А-поздняя", deadline=now + timedelta(days=30), client_id=a)
        found = list_tasks(ctx, only_open=True, client_id=a, limit=5)
        assert [t.title for t in found] == ["А-поздняя"]
        soon = list_tasks(
            ctx, only_open=True, executor_id=ctx.user.id, due_before=now + timedelta(days=1),
            limit=1000,
        )
        assert len(soon) == 250 and all(t.client_id == b for t in soon)
