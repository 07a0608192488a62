"""The second round of requests and housing through the real main window over the housing
demo: amber registry rows, the board's columns paged («Ещё…»), the housing items hidden while
the module is off and shown when «Настройки обслуживания» switch it on, «Заявка» on the phone
panel, a resident caller's readings from the call window, the production calendar form,
verification reminders from the timer, the act printed from a request. Screenshots at
1366×768 and 1920×1080 go to the test's folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import date, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QInputDialog  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from crmdesk.models import Task, utcnow  # noqa: E402
from crmdesk.services import requests as rq  # noqa: E402
from crmdesk.services.context import unit_of_work  # noqa: E402
from tests.service.test_requests_ui import active, housing_template, window  # noqa: F401
from tests.ui.conftest import home, make_shell  # noqa: F401 — desktop fixtures

pytest.importorskip("pytestqt")

SIZES = ((1366, 768), (1920, 1080))


def shots(shell, qtbot, folder, name, widget=None):
    for size in SIZES:
        shell.resize(*size)
        qtbot.wait(30)
        assert (widget or shell).grab().save(str(folder / f"{name}_{size[0]}.png"))


def _titles(shell):
    return [shell.functions.item(i).text() for i in range(shell.functions.count())]


def test_near_deadline_rows_are_amber_in_the_registry(window, qtbot, tmp_path):  # noqa: F811
    from crmdesk.ui.generic.listmodel import AMBER, RED

    shell, engine = window
    with unit_of_work(engine) as ctx:
        rid = rq.create_request(ctx, {"description": "Скоро срок", "applicant_name": "Ким",
                                      "deadline": utcnow() + timedelta(hours=3)}).id
    registry = shell.open_list("requests")
    row = registry.model.find_row(rid)
    index = registry.model.index(row, 0)
    assert registry.model.data(index, Qt.ItemDataRole.ForegroundRole).color() == AMBER
    colours = {registry.model.data(registry.model.index(r, 0),
                                   Qt.ItemDataRole.ForegroundRole).color().name()
               for r in range(min(100, registry.model.rowCount()))
               if registry.model.data(registry.model.index(r, 0),
                                      Qt.ItemDataRole.ForegroundRole) is not None}
    assert RED.name() in colours  # the demo's overdue ones stay red
    shots(shell, qtbot, tmp_path, "registry_amber")


def test_board_pages_its_columns(window, qtbot, tmp_path):  # noqa: F811
    from crmdesk.ui.shell.sections import Item

    shell, engine = window
    with unit_of_work(engine) as ctx:
        for i in range(150):
            rq.create_request(ctx, {"description": f"Проверить подвал {i}",
                                    "applicant_name": "Обход"})
        total = ctx.session.scalar(select(func.count()).select_from(
            rq.ServiceRequest).where(rq.ServiceRequest.status == "new"))
    board = shell.run_item(Item("requests_board", "requests", "", "kanban"))
    column = board.lists["new"]
    head = board.heads["new"].text()
    assert head == f"Новая ({total:,})".replace(",", " ")
    assert column.cards() == 100 and column.more_item().text() == "Ещё…"
    column.itemClicked.emit(column.more_item())  # «Ещё…» brings the next page
    assert column.cards() == min(200, total)
    assert board.heads["new"].text() == head  # the count is the column's whole count
    column.scrollToBottom()
    qtbot.waitUntil(lambda: column.cards() == total)
    assert column.more_item() is None
    ids = [column.item(i).data(Qt.ItemDataRole.UserRole) for i in range(column.count())]
    assert len(set(ids)) == total  # no card twice, none missing
    board.refresh()  # a change elsewhere: the pages read stay read
    assert column.cards() == total
    shots(shell, qtbot, tmp_path, "board_paged")


def test_housing_items_follow_the_module_switch(window, make_shell, qtbot, tmp_path):  # noqa: F811
    from crmdesk.services import housing
    from crmdesk.ui.generic.registry import entity

    _shell, engine = window
    with unit_of_work(engine) as ctx:
        housing.set_enabled(ctx, False)
    shell = make_shell(engine)
    shell.choose_section("service")
    assert not any(t.startswith("ЖКХ:") for t in _titles(shell))
    assert "Заявки" in _titles(shell)
    entity("request").open(shell, None, None)
    form = active(shell)
    assert "premises" not in form.editors  # no «Помещение (ЖКХ)» for a trading company
    form.close_form()
    shell.choose_section("admin")
    assert "Настройки обслуживания" in _titles(shell)
    shell.run_item(next(shell.functions.item(i).data(Qt.ItemDataRole.UserRole)
                        for i in range(shell.functions.count())
                        if shell.functions.item(i).text() == "Настройки обслуживания"))
    settings = active(shell)
    shots(shell, qtbot, tmp_path, "service_settings")
    settings.editors["housing_enabled"].set(True)
    settings.modified = True
    assert settings.write()
    shell.choose_section("service")
    assert "ЖКХ: Помещения" in _titles(shell)  # at once, no restart
    with unit_of_work(engine, read_only=True) as ctx:
        assert housing.enabled(ctx.session)


def _resident_with_phone(engine, phone="+79127776655"):
    from crmdesk.models import ClientPhone
    from crmdesk.models.service import Resident

    with unit_of_work(engine) as ctx:
        resident = ctx.session.scalars(select(Resident).order_by(Resident.id)).first()
        ctx.session.add(ClientPhone(client_id=resident.client_id, e164=phone))
        return resident.client_id, resident.premises_id


def test_request_from_the_phone_panel(window, qtbot):  # noqa: F811
    shell, engine = window
    client_id, _premises = _resident_with_phone(engine)
    shell.phone.number.setText("8 912 777-66-55")
    assert shell.phone.lookup() == [client_id]
    shell.phone.request_button.click()
    form = active(shell)
    assert form.entity_name == "request" and form.obj_id is None
    assert form.editors["client"].get() == client_id
    assert form.editors["applicant_phone"].get() == "8 912 777-66-55"
    form.editors["description"].set("Не работает домофон")
    form.modified = True
    assert form.write()
    with unit_of_work(engine, read_only=True) as ctx:
        r = rq.get_request(ctx, form.obj_id)
        assert (r.client_id, r.applicant_phone, r.channel) == (client_id, "+79127776655",
                                                                "call")


def test_readings_of_a_resident_caller(window, qtbot, tmp_path):  # noqa: F811
    from crmdesk.models.service import Meter, MeterReading
    from crmdesk.ui.shell.calls import CallWindow

    shell, engine = window
    client_id, premises_id = _resident_with_phone(engine)
    call = CallWindow(shell, "1764576000.77", "89127776655", "in")
    qtbot.addWidget(call)
    button = next(b for b, _shown in call.extra_buttons if b.text() == "Показания счётчиков")
    assert not button.isHidden()
    button.click()
    dialog = call.readings_dialog
    qtbot.addWidget(dialog)
    with unit_of_work(engine, read_only=True) as ctx:
        meters = ctx.session.scalars(select(Meter).where(Meter.premises_id == premises_id)
                                     .order_by(Meter.kind, Meter.serial)).all()
        last = {m.id: ctx.session.scalar(select(MeterReading.value).where(
            MeterReading.meter_id == m.id).order_by(MeterReading.period.desc()).limit(1))
            for m in meters}
    assert dialog.table.rowCount() == len(meters) > 0
    first = dialog.meters[0]
    assert dialog.table.item(0, 2).text() == first["serial"]
    assert dialog.table.item(0, 3).text().startswith(
        f"{last[first['meter_id']].normalize():f}".replace(".", ","))
    dialog.resize(900, 300)
    dialog.grab().save(str(tmp_path / "call_readings.png"))
    dialog.set_value(0, str(last[first["meter_id"]] - 1))
    assert dialog.save() is False
    assert dialog.message.text().startswith("Строка 1: Поле «Показание» заполнено неверно:")
    assert "меньше предыдущего" in dialog.message.text()
    dialog.set_value(0, str(last[first["meter_id"]] + Decimal("2.5")))
    assert dialog.save() is True
    with unit_of_work(engine, read_only=True) as ctx:
        taken = ctx.session.scalar(select(MeterReading).where(
            MeterReading.meter_id == first["meter_id"],
            MeterReading.period == date.today().replace(day=1)))
        assert (taken.value, taken.source) == (last[first["meter_id"]] + Decimal("2.5"), "call")


def test_production_calendar_form(window, qtbot, monkeypatch, tmp_path):  # noqa: F811
    from crmdesk.models.service import CalendarDay
    from crmdesk.services import calendar

    shell, engine = window
    shell.choose_section("admin")
    item = next(shell.functions.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(shell.functions.count())
                if shell.functions.item(i).text() == "Производственный календарь")
    form = shell.run_item(item)
    form.year.setValue(2026)
    assert form.summary.text() == "Рабочих дней: 247, выходных и праздничных: 118"
    titles = [form.table.item(r, 2).text() for r in range(form.table.rowCount())]
    assert "День народного единства" in titles
    shots(shell, qtbot, tmp_path, "calendar", form)
    form.choose(date(2026, 12, 30))
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("Перенос (приказ № 12)", True)))
    form.holiday_button.click()
    assert form.summary.text() == "Рабочих дней: 246, выходных и праздничных: 119"
    assert "30.12.2026 (ср): выходной — Перенос (приказ № 12)" == form.day_label.text()
    form.choose(date(2026, 12, 26))
    form.workday_button.click()
    with unit_of_work(engine, read_only=True) as ctx:
        rows = {d.day: (d.kind, d.name) for d in ctx.session.scalars(select(CalendarDay))}
        assert rows == {date(2026, 12, 30): ("holiday", "Перенос (приказ № 12)"),
                        date(2026, 12, 26): ("workday", None)}
        assert not calendar.is_working_day(ctx.session, date(2026, 12, 30))
        assert calendar.is_working_day(ctx.session, date(2026, 12, 26))
    form.choose(date(2026, 12, 30))
    form.normal_button.click()
    assert form.summary.text() == "Рабочих дней: 248, выходных и праздничных: 117"


def test_verification_reminders_from_the_timer(window, make_shell, qtbot):  # noqa: F811
    from crmdesk.models.service import Meter

    _shell, engine = window
    with unit_of_work(engine) as ctx:
        from crmdesk.services.settings import set_setting
        from crmdesk.services.users import ALLOW_EMPTY

        set_setting(ctx.session, ALLOW_EMPTY, True)
        due = ctx.session.scalar(select(func.count()).select_from(Meter).where(
            Meter.verified_until <= date.today() + timedelta(days=30)))
    shell = make_shell(engine, "dispetcher")
    assert due > 0
    shell.check_reminders()
    window_ = shell.reminder_window
    rows = [window_.table.item(r, 1).text() for r in range(window_.table.rowCount())]
    assert sum(r.startswith("Поверка счётчика") for r in rows) == due
    shell._periodic_at = None  # as if an hour had passed: nothing is made twice
    shell.check_reminders()
    with unit_of_work(engine, read_only=True) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Task).where(
            Task.title.like("Поверка счётчика%"))) == due


def test_act_printed_from_a_free_request(window, qtbot, tmp_path):  # noqa: F811
    from crmdesk.ui.generic.registry import open_entity

    shell, engine = window
    with unit_of_work(engine) as ctx:
        r = rq.create_request(ctx, {"description": "Не закрывается дверь", "applicant_name":
                                    "Ли", "category": "Сантехника"})
        rq.complete(ctx, r.id, "Отрегулирован доводчик")
        rid, number = r.id, r.number
    form = open_entity(shell, "request", rid)
    next(a for a in form.bar.actions() if a.text() == "Печать: Акт выполненных работ").trigger()
    preview = active(shell)
    assert preview.windowTitle() == "Печать: Акт выполненных работ"
    assert preview.page_count() == 1
    path = preview.save("pdf", str(tmp_path / "act.pdf"))
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert f"Акт № {number}" in text and "Отрегулирован доводчик" in text
    shots(shell, qtbot, tmp_path, "act_preview")


def test_deadline_control_from_the_dispatchers_timer(window, make_shell, qtbot):  # noqa: F811
    """A dispatcher's desk runs the deadline control by itself: a request past its deadline
    becomes the dispatcher's task in the reminders window, once; an executor's desk, which
    may not dispatch, makes nothing."""
    _shell, engine = window
    with unit_of_work(engine) as ctx:
        from crmdesk.services.settings import set_setting
        from crmdesk.services.users import ALLOW_EMPTY

        set_setting(ctx.session, ALLOW_EMPTY, True)
        late = rq.create_request(ctx, {"description": "Течёт кран", "applicant_name": "Ким",
                                       "deadline": utcnow() - timedelta(hours=2)})
        number = late.number
    shell = make_shell(engine, "dispetcher")
    shell.check_reminders()
    rows = [shell.reminder_window.table.item(r, 1).text()
            for r in range(shell.reminder_window.table.rowCount())]
    assert f"Просрочена заявка № {number}" in rows
    shell._periodic_at = None  # as if an hour had passed: nothing is made twice
    shell.check_reminders()
    with unit_of_work(engine, read_only=True) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Task).where(
            Task.title == f"Просрочена заявка № {number}")) == 1
