"""Requests: registration with the category's proposal, allowed status changes and their log,
rights of the dispatcher and the executor, deadline control, completion and the order's act;
on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from crmdesk.models import Task
from crmdesk.models.service import RequestStatusChange
from crmdesk.services import lists
from crmdesk.services import requests as rq
from crmdesk.services.clients import create_client
from crmdesk.services.errors import AccessDenied, InvalidData, NotFound, ValidationError
from crmdesk.services.requestlists import REQUESTS, registry_state

WED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday morning


def _new(ctx, **kw):
    data = {"description": "Течёт кран на кухне", "applicant_name": "Иванова Мария",
            "applicant_phone": "8 912 345-67-89", "category": "Сантехника",
            "registered_at": WED}
    data.update(kw)
    return rq.create_request(ctx, data)


def test_category_proposes_executor_and_deadline(uow, service):
    with uow("disp") as ctx:
        r = _new(ctx)
        assert r.number.startswith("ЗВ-2026-")
        assert r.executor_id == service["fixer"] and r.status == "assigned"
        assert r.applicant_phone == "+79123456789"
        local = r.deadline.astimezone()
        assert (local.date().isoformat(), local.hour) == ("2026-12-04", 18)  # Fri close
        urgent = _new(ctx, category="Авария")
        assert urgent.deadline == WED + timedelta(hours=4) and urgent.status == "new"
        log = ctx.session.scalars(select(RequestStatusChange.to_status).where(
            RequestStatusChange.request_id == r.id).order_by(RequestStatusChange.id)).all()
        assert log == ["new", "assigned"]


def test_registration_names_the_missing_fields(uow, service):
    with uow("disp") as ctx, pytest.raises(InvalidData) as err:
        rq.create_request(ctx, {"description": "  ", "category": "Нет такой"})
    text = str(err.value)
    assert "Поле «Описание» не заполнено" in text
    assert "нет категории «Нет такой»" in text
    with uow("disp") as ctx, pytest.raises(ValidationError, match="Заявитель"):
        rq.create_request(ctx, {"description": "Нет света"})
    with uow("disp") as ctx, pytest.raises(ValidationError, match="Телефон заявителя"):
        _new(ctx, applicant_phone="12")


def test_statuses_follow_the_allowed_changes(uow, service):
    with uow("disp") as ctx:
        rid = _new(ctx).id
    with uow("fixer") as ctx:
        rq.change_status(ctx, rid, "in_work")
        with pytest.raises(ValidationError, match="Что сделано"):
            rq.change_status(ctx, rid, "done")
        with pytest.raises(ValidationError, match="из «В работе» нельзя перейти в «Закрыта»"):
            rq.change_status(ctx, rid, "closed")
        rq.complete(ctx, rid, "Заменена прокладка смесителя")
        with pytest.raises(AccessDenied, match="диспетчер"):
            rq.change_status(ctx, rid, "closed")
    with uow("disp") as ctx:
        other = _new(ctx).id
        with pytest.raises(ValidationError, match="укажите причину"):
            rq.change_status(ctx, other, "postponed")
        assert rq.change_status(ctx, other, "postponed", "нет доступа в квартиру").status == (
            "postponed")
    with uow("disp") as ctx:
        rq.confirm(ctx, rid, "по телефону")
        r = rq.change_status(ctx, rid, "closed", "закрыта")
        assert r.closed_at is not None and r.confirmed_at is not None
        with pytest.raises(ValidationError, match="можно: никакой"):
            rq.change_status(ctx, rid, "in_work")
        log = ctx.session.execute(select(RequestStatusChange.from_status,
                                         RequestStatusChange.to_status)
                                  .where(RequestStatusChange.request_id == rid)
                                  .order_by(RequestStatusChange.id)).all()
    assert [tuple(x) for x in log] == [(None, "new"), ("new", "assigned"),
                                       ("assigned", "in_work"), ("in_work", "done"),
                                       ("done", "done"), ("done", "closed")]


def test_executor_sees_own_dispatcher_sees_all(uow, service):
    with uow("disp") as ctx:
        mine = _new(ctx).id
        other = _new(ctx, category=None, executor_id=service["fixer2"]).id
    with uow("fixer") as ctx:
        assert rq.get_request(ctx, mine).id == mine
        with pytest.raises(NotFound):
            rq.get_request(ctx, other)
        rows = lists.fetch(ctx, REQUESTS, registry_state(), 0, 50)
        assert [r.id for r in rows] == [mine]
        with pytest.raises(AccessDenied):
            rq.assign(ctx, mine, executor_id=service["fixer2"])
        with pytest.raises(AccessDenied):
            rq.create_request(ctx, {"description": "x", "applicant_name": "y"})
    with uow("disp") as ctx:
        rows = lists.fetch(ctx, REQUESTS, registry_state(), 0, 50)
        assert sorted(r.id for r in rows) == sorted([mine, other])
        only = lists.fetch(ctx, REQUESTS, registry_state(executor_id=service["fixer2"]), 0, 50)
        assert [r.id for r in only] == [other]


def test_overdue_filter_and_deadline_control(uow, service):
    now = datetime.now(UTC)
    with uow("disp") as ctx:
        late = _new(ctx, deadline=now - timedelta(hours=1)).id
        soon = _new(ctx, deadline=now + timedelta(hours=2)).id
        later = _new(ctx, deadline=now + timedelta(days=5)).id
        rows = lists.fetch(ctx, REQUESTS, registry_state(overdue=True), 0, 50)
        assert [(r.id, r.alert) for r in rows] == [(late, True)]
        made = rq.check_deadlines(ctx, now)
        assert made == {"reminders": 1, "escalations": 1}
        assert rq.check_deadlines(ctx, now) == {"reminders": 0, "escalations": 0}
        tasks = {t.title: t.executor_id for t in ctx.session.scalars(select(Task))}
        flags = {i: (rq.get_request(ctx, i).reminded, rq.get_request(ctx, i).escalated)
                 for i in (late, soon, later)}
    assert flags == {late: (False, True), soon: (True, False), later: (False, False)}
    assert any(t.startswith("Просрочена заявка") and e == service["disp"]
               for t, e in tasks.items())
    assert any(t.startswith("Срок заявки") and e == service["fixer"] for t, e in tasks.items())


def test_paid_request_makes_an_order_and_its_act(uow, service):
    from crmdesk.reports import print_document

    with uow("admin") as ctx:
        cid = create_client(ctx, {"name": "Сидоров Пётр Ильич", "kind": "person"}).id
        r = _new(ctx, client_id=cid, paid=True)
        rq.complete(ctx, r.id, "Заменён смеситель", [
            {"description": "Смеситель для кухни", "quantity": 1, "price": "3450.50"},
            {"description": "Работа сантехника, час", "quantity": "1.5", "price": 1200},
        ])
        assert rq.total(r) == Decimal("5250.50")
        with pytest.raises(ValidationError, match="Строка 1: Поле «Количество»"):
            rq.complete(ctx, r.id, "x", [{"description": "y", "quantity": "много"}])
        order = rq.create_order(ctx, r.id)
        assert order.total == Decimal("5250.50")
        pdf = print_document(ctx, "act", order.id, "pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Смеситель для кухни" in text and "Работа сантехника, час" in text
    assert "5 250,50" in text


def test_notification_hook_gets_registration_and_completion(uow, service, monkeypatch):
    seen = []
    monkeypatch.setattr(rq, "NOTIFY", [lambda ctx, req, ev: seen.append(
        (ev, rq.notice_text(req, ev)))])
    with uow("disp") as ctx:
        r = _new(ctx)
        rq.complete(ctx, r.id, "Сделано")
    assert seen[0][0] == "registered" and r.number in seen[0][1]
    assert "04.12.2026" in seen[0][1]
    assert seen[1][0] == "done"


def test_files_of_a_request_follow_its_rights(uow, service):
    with uow("disp") as ctx:
        rid = _new(ctx).id
        other = _new(ctx, category=None, executor_id=service["fixer2"]).id
    with uow("fixer") as ctx:
        rq.attach_file(ctx, rid, "кран.jpg", b"\xff\xd8photo")
        assert [f.name for f in rq.files(ctx, rid)] == ["кран.jpg"]
        with pytest.raises(NotFound):
            rq.attach_file(ctx, other, "чужая.jpg", b"x")
    with uow("fixer2") as ctx, pytest.raises(NotFound):
        rq.files(ctx, rid)
    with uow("disp") as ctx:
        assert rq.files(ctx, rid)[0].data == b"\xff\xd8photo"


def test_request_from_an_incoming_letter_with_its_files(uow, service):
    from crmdesk.models import Attachment, Letter, LetterFile

    with uow("admin") as ctx:
        cid = create_client(ctx, {"name": "Соколова Ирина", "kind": "person"}).id
        letter = Letter(direction="in", from_address="sokolova@example.ru",
                        from_name="Ирина Соколова", subject="Протекает крыша",
                        body="Над кухней мокрое пятно, фото во вложении.", client_id=cid)
        ctx.session.add(letter)
        ctx.session.flush()
        photo = Attachment(owner_type="client", owner_id=cid, name="пятно.jpg", size=4,
                           data=b"\xff\xd8ok", mime="image/jpeg")
        ctx.session.add(photo)
        ctx.session.flush()
        ctx.session.add(LetterFile(letter_id=letter.id, attachment_id=photo.id))
        letter_id = letter.id
    with uow("disp") as ctx:
        r = rq.register_from_letter(ctx, letter_id, category="Сантехника")
        assert (r.channel, r.client_id, r.applicant_name) == ("email", cid, "Ирина Соколова")
        assert r.description.startswith("Протекает крыша\n\nНад кухней")
        assert [f.name for f in rq.files(ctx, r.id)] == ["пятно.jpg"]
        with pytest.raises(NotFound):
            rq.register_from_letter(ctx, 10**6)
