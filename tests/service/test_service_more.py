"""The second round of requests and housing, on SQLite and PostgreSQL: the registry's amber
rows near a deadline, the act printed from a free request and read back, meter verification
reminders made once, readings read out by a calling resident (all or none), the service's
settings."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from crmdesk.models import Task, utcnow
from crmdesk.models.service import MeterReading
from crmdesk.services import housing, lists, requestcatalog
from crmdesk.services import requests as rq
from crmdesk.services.clients import create_client
from crmdesk.services.errors import AccessDenied, InvalidData, ValidationError
from crmdesk.services.requestlists import REQUESTS, near_limit
from crmdesk.services.settings import set_setting


def test_near_deadline_rows_are_the_lists_warn_rows(uow, service):
    now = utcnow()
    with uow("disp") as ctx:
        made = {}
        for key, deadline in (("near", now + timedelta(hours=2)),
                              ("far", now + timedelta(days=40)),
                              ("late", now - timedelta(hours=1))):
            made[key] = rq.create_request(ctx, {"description": f"Заявка {key}",
                                                "applicant_name": "Ким",
                                                "deadline": deadline}).id
        done = rq.create_request(ctx, {"description": "Уже сделано", "applicant_name": "Ли",
                                       "deadline": now + timedelta(hours=2)})
        rq.complete(ctx, done.id, "Сделано")
        rows = {r.id: r for r in lists.fetch(ctx, REQUESTS, lists.ListState(), 0, 100)}
    assert (rows[made["near"]].warn, rows[made["near"]].alert) == (True, False)
    assert (rows[made["far"]].warn, rows[made["far"]].alert) == (False, False)
    assert (rows[made["late"]].warn, rows[made["late"]].alert) == (False, True)
    assert rows[done.id].warn is False  # a done request has no deadline to meet


def test_near_limit_counts_working_days(uow, service):
    from datetime import datetime

    with uow("disp") as ctx:
        friday = datetime(2026, 12, 4, 15, 0).astimezone()
        assert near_limit(ctx.session, friday) == datetime(2026, 12, 7, 15, 0).astimezone()
        eve = datetime(2026, 12, 30, 10, 0).astimezone()  # 31.12 is a transferred day off
        assert near_limit(ctx.session, eve).date() == date(2027, 1, 11)


def test_act_of_a_free_request_read_back(uow, service):
    from crmdesk.reports.request_act import request_act_pdf, request_act_xlsx

    with uow("disp") as ctx:
        cid = create_client(ctx, {"name": "Сидорова Анна Петровна", "kind": "person"}).id
        r = rq.create_request(ctx, {"description": "Течёт кран", "client_id": cid,
                                    "address": "г. Пермь, ул. Ленина, 5, кв. 12",
                                    "category": "Сантехника"})
        with pytest.raises(ValidationError, match="акт печатается по выполненной заявке"):
            request_act_pdf(ctx, r.id)
        rq.complete(ctx, r.id, "Заменена прокладка", [
            {"description": "Замена прокладки смесителя", "quantity": 1},
            {"description": "Прокладка резиновая", "quantity": 2, "unit": "шт"}])
        number = r.number
        pdf = request_act_pdf(ctx, r.id)
        xlsx = request_act_xlsx(ctx, r.id)
        bare = rq.create_request(ctx, {"description": "Не горит лампа", "applicant_name":
                                       "Орлова Вера", "applicant_phone": "+79125554433"})
        rq.complete(ctx, bare.id, "Заменена лампа в подъезде")
        bare_pdf = request_act_pdf(ctx, bare.id)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Акт № {number} от" in text
    assert "Сидорова Анна Петровна" in text and "Основание:" in text
    assert f"Заявка № {number}" in text and "г. Пермь, ул. Ленина, 5, кв. 12" in text
    assert "Замена прокладки смесителя" in text and "Прокладка резиновая" in text
    assert "Ноль рублей 00 копеек" in text and "Без налога (НДС)" in text
    assert "претензий по объему, качеству и срокам" in " ".join(text.split())
    assert "Работы выполнил: Слесарев Семён." in text
    cells = [str(c) for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows(
        values_only=True) for c in row if c is not None]
    assert any(c.startswith(f"Акт № {number}") for c in cells)
    assert "Прокладка резиновая" in cells
    bare_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bare_pdf)).pages)
    assert "Орлова Вера, тел.: +7 (912) 555-44-33" in bare_text
    assert "Заменена лампа в подъезде" in bare_text  # no lines: what was done is the work


def _premises_with_meter(ctx, verified_until=None):
    house = housing.create_house(ctx, "г. Пермь, ул. Мира, 1")
    flat = housing.create_premises(ctx, house.id, "7", Decimal("54.2"))
    resident = create_client(ctx, {"name": "Жильцова Ирина", "kind": "person"})
    housing.add_resident(ctx, flat.id, resident.id)
    cold = housing.add_meter(ctx, flat.id, "cold_water", "ХВ-001", verified_until)
    hot = housing.add_meter(ctx, flat.id, "hot_water", "ГВ-001")
    return resident.id, cold, hot


def test_verification_reminded_once_per_date(uow, service):
    today = date.today()
    with uow("disp") as ctx:
        _cid, cold, _hot = _premises_with_meter(ctx, today + timedelta(days=20))
        set_setting(ctx.session, "meter_verify_days", 10)
        assert housing.verification_reminders(ctx) == 0  # 20 days off: not yet
        set_setting(ctx.session, "meter_verify_days", 30)
        assert housing.verification_reminders(ctx) == 1
        assert housing.verification_reminders(ctx) == 0  # every tick after: nothing new
        task = ctx.session.scalars(select(Task).where(Task.title.like("Поверка счётчика%")))\
            .one()
        assert task.remind_at is not None and task.executor_id == service["disp"]
        assert "ХВ-001" in task.title and f"{cold.verified_until:%d.%m.%Y}" in task.title
        cold.verified_until = today + timedelta(days=25)  # verified again: a new date
        assert housing.verification_reminders(ctx) == 1
        count = ctx.session.scalar(select(func.count()).select_from(Task).where(
            Task.title.like("Поверка счётчика%")))
        assert count == 2


def test_readings_from_a_call_all_or_none(uow, service):
    with uow("disp") as ctx:
        cid, cold, hot = _premises_with_meter(ctx)
        last_month = date.today().replace(day=1) - timedelta(days=1)
        housing.enter_reading(ctx, cold.id, "100", last_month)
    with uow("disp") as ctx:
        meters = housing.caller_meters(ctx, cid)
        assert [(m["serial"], m["previous"]) for m in meters] == [
            ("ХВ-001", Decimal("100")), ("ГВ-001", None)]
        assert meters[0]["premises"] == "г. Пермь, ул. Мира, 1, кв. 7"
    with uow("disp") as ctx, pytest.raises(InvalidData) as err:
        housing.enter_readings(ctx, [(cold.id, "90"), (hot.id, "абв")])
    text = str(err.value)
    assert "Строка 1: Поле «Показание» заполнено неверно: 90 меньше предыдущего (100" in text
    assert "Строка 2" in text
    with uow("disp") as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(MeterReading)) == 1
        with pytest.raises(ValidationError, match="не заполнено ни одно показание"):
            housing.enter_readings(ctx, [(cold.id, ""), (hot.id, None)])
    with uow("fixer") as ctx:  # an executor (no «interactions» right) takes none
        with pytest.raises(AccessDenied):
            housing.enter_readings(ctx, [(cold.id, "105")])
    with uow("disp") as ctx:
        checks = housing.enter_readings(ctx, [(cold.id, "105,5"), (hot.id, "12")])
        assert [c.status for c in checks] == ["ok", "ok"]
        stored = ctx.session.scalars(select(MeterReading).where(
            MeterReading.source == "call").order_by(MeterReading.meter_id)).all()
        assert [r.value for r in stored] == [Decimal("105.5"), Decimal("12")]


def test_service_settings(uow, service):
    with uow() as ctx:
        with pytest.raises(ValidationError, match="Напоминать о поверке счётчиков за, дней"):
            requestcatalog.save_service_settings(ctx, {"meter_verify_days": 0})
        requestcatalog.save_service_settings(ctx, {"housing_enabled": False,
                                                   "requests_notify_email": True,
                                                   "meter_verify_days": "45"})
        assert requestcatalog.service_settings(ctx.session) == {
            "housing_enabled": False, "requests_notify_sms": False,
            "requests_notify_email": True, "meter_verify_days": 45}
        assert housing.verify_days(ctx.session) == 45
    with uow("disp") as ctx, pytest.raises(AccessDenied):
        requestcatalog.save_service_settings(ctx, {"housing_enabled": True})
