"""The requests in the desktop, driven through the real main window over demo data with the
housing module: the «Обслуживание» section, the registry (overdue rows flagged), a request
typed in the form with the category proposing executor and deadline, status commands;
screenshots at 1366×768 and 1920×1080 go to the test's folder."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
from datetime import date  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QInputDialog  # noqa: E402

from crmdesk.db import checkpoint, make_engine, open_database  # noqa: E402
from crmdesk.services import requests as rq  # noqa: E402
from crmdesk.services.context import unit_of_work  # noqa: E402
from tests.ui.conftest import home, make_shell  # noqa: E402, F401, F811 — desktop fixtures

pytest.importorskip("pytestqt")


@pytest.fixture(scope="module")
def housing_template(tmp_path_factory):
    from crmdesk.services.demo import generate
    from crmdesk.services.demo_housing import generate_housing
    from crmdesk.services.setup import initialize

    path = tmp_path_factory.mktemp("housing") / "demo.sqlite"
    engine = open_database(f"sqlite:///{path}")
    initialize(engine)
    generate(engine, clients=20, seed=3, today=date(2026, 12, 1))
    generate_housing(engine, seed=3, today=date(2026, 12, 1))
    checkpoint(engine)
    engine.dispose()
    return path


@pytest.fixture
def window(housing_template, tmp_path, make_shell):  # noqa: F811
    path = tmp_path / "crm.sqlite"
    shutil.copy(housing_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield make_shell(engine), engine
    engine.dispose()


def active(shell):
    sub = shell.mdi.activeSubWindow()
    return sub.widget() if sub else None


def test_registry_from_the_section_and_a_new_request(window, qtbot, tmp_path):
    shell, engine = window
    shell.choose_section("service")
    titles = [shell.functions.item(i).text() for i in range(shell.functions.count())]
    assert titles[:2] == ["Заявки", "Заявка: создать"]
    registry = shell.open_list("requests")
    assert registry.model.rowCount() > 300
    for size in ((1366, 768), (1920, 1080)):
        shell.resize(*size)
        qtbot.wait(50)
        assert shell.grab().save(str(tmp_path / f"requests_{size[0]}.png"))
    shell.run_item(next(i for i in _items(shell) if i.target == "request"))
    form = active(shell)
    assert form.obj_id is None
    with unit_of_work(engine, read_only=True) as ctx:
        cat_id = rq.find_category(ctx, "Сантехника").id
    form.editors["applicant_name"].set("Орлова Вера")
    form.editors["applicant_phone"].set("+7 912 555-44-33")
    form.editors["description"].set("Не закрывается кран в ванной")
    form.editors["category"].set((cat_id, "Сантехника"))
    form.editors["category"].edited.emit()
    assert form.editors["executor"].get() is not None  # proposed by the category
    assert form.editors["deadline"].get() is not None
    form.modified = True
    assert form.write()
    form.grab().save(str(tmp_path / "request_form.png"))
    with unit_of_work(engine, read_only=True) as ctx:
        r = rq.get_request(ctx, form.obj_id)
        assert (r.status, r.executor.login, r.applicant_phone) == (
            "assigned", "slesar", "+79125554433")


def test_status_commands_and_refusals_in_the_form(window, qtbot, monkeypatch):
    shell, engine = window
    with unit_of_work(engine) as ctx:
        rid = rq.create_request(ctx, {"description": "Искрит розетка", "applicant_name": "Ким",
                                      "category": "Электрика"}).id
    from crmdesk.ui.generic.registry import open_entity

    form = open_entity(shell, "request", rid)
    actions = {a.text(): a for a in form.bar.actions()}
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        staticmethod(lambda *a, **k: ("Заменена розетка", True)))
    shown = []
    monkeypatch.setattr("crmdesk.ui.generic.base.QMessageBox.warning",
                        lambda parent, title, text: shown.append(text))
    actions["Закрыть заявку"].trigger()  # «Назначена» → «Закрыта» is not allowed
    assert shown == ["Поле «Статус» заполнено неверно: из «Назначена» нельзя перейти в "
                     "«Закрыта»; можно: «В работе», «Отклонена», «Отложена», «Новая»"]
    actions["В работу"].trigger()
    actions["Выполнена"].trigger()
    actions["Создать на основании: Заказ клиента"].trigger()  # a free request: refused
    assert "заявка бесплатная" in shown[-1]
    with unit_of_work(engine, read_only=True) as ctx:
        assert rq.get_request(ctx, rid).status == "done"
    assert "Выполнена" in form.windowTitle()


def _items(shell):
    from crmdesk.ui.shell.sections import SECTIONS

    return next(items for code, _t, _i, items in SECTIONS if code == "service")


def test_call_window_registers_a_request_with_the_caller(window, qtbot):
    """«Зарегистрировать заявку» of the call window: the resident who calls is the client
    and the number is the applicant's phone, in the request form."""
    from sqlalchemy import select

    from crmdesk.models import ClientPhone
    from crmdesk.models.service import Resident
    from crmdesk.ui.shell.calls import CallWindow

    shell, engine = window
    with unit_of_work(engine) as ctx:
        resident = ctx.session.scalars(select(Resident)).first()
        ctx.session.add(ClientPhone(client_id=resident.client_id, e164="+79127776655"))
        name = resident.client.name
        client_id = resident.client_id
    call = CallWindow(shell, "1764576000.99", "89127776655", "in")
    qtbot.addWidget(call)
    assert name in call.text.toPlainText()
    call.request_button.click()
    form = active(shell)
    assert form.entity_name == "request" and form.obj_id is None
    assert form.editors["client"].get() == client_id
    assert form.editors["applicant_phone"].get() == "+7 (912) 777-66-55"
    form.editors["description"].set("Нет горячей воды")
    form.modified = True
    assert form.write()
    with unit_of_work(engine, read_only=True) as ctx:
        r = rq.get_request(ctx, form.obj_id)
        assert (r.client_id, r.applicant_phone, r.channel) == (client_id, "+79127776655",
                                                                "call")


def test_housing_lists_and_the_premises_card(window, qtbot, monkeypatch, tmp_path):
    shell, engine = window
    shell.choose_section("service")
    titles = [shell.functions.item(i).text() for i in range(shell.functions.count())]
    assert "ЖКХ: Помещения" in titles and "ЖКХ: Загрузить показания из файла…" in titles
    premises = shell.open_list("premises")
    assert premises.model.rowCount() == 36
    premises.open_row(0)
    card = active(shell)
    assert card.entity_name == "premises"
    assert "собственник, доля 100 %" in card.editors["residents"].get()
    assert card.windowTitle().startswith("г. Пермь")
    card.grab().save(str(tmp_path / "premises_card.png"))
    meters = shell.open_list("meters")
    meters.open_row(0)
    meter = active(shell)
    with unit_of_work(engine, read_only=True) as ctx:
        from sqlalchemy import select

        from crmdesk.models.service import MeterReading

        last = ctx.session.scalars(select(MeterReading.value).where(
            MeterReading.meter_id == meter.obj_id).order_by(MeterReading.period.desc())).first()
    shown = []
    monkeypatch.setattr("crmdesk.ui.generic.base.QMessageBox.warning",
                        lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: (str(last - 1), True)))
    next(a for a in meter.bar.actions() if a.text() == "Внести показание…").trigger()
    assert shown and "меньше предыдущего" in shown[0]


def test_readings_import_form_checks_then_loads(window, qtbot, tmp_path):
    from openpyxl import Workbook, load_workbook

    from crmdesk.services import readings_io
    from crmdesk.ui.shell.sections import Item

    shell, engine = window
    with unit_of_work(engine, read_only=True) as ctx:
        data = readings_io.export_month(ctx, date(2026, 11, 1))
    (tmp_path / "nov.xlsx").write_bytes(data)
    row = next(r for r in load_workbook(tmp_path / "nov.xlsx").active.iter_rows(
        min_row=2, values_only=True) if r[5] is not None)
    wb = Workbook()
    wb.active.append(["Заводской номер", "Дата", "Показание"])
    wb.active.append([row[3], "20.11.2026", float(row[6]) + 1])
    wb.active.append([row[3] + "-нет", "20.11.2026", 1])
    wb.save(tmp_path / "in.xlsx")
    form = shell.run_item(Item("readings_import", "readings", "", "import"))
    form.check(tmp_path / "in.xlsx")
    assert "Загружается: 1, из них проверить 0; отклонено: 1." in form.text.toPlainText()
    assert "Строка 3: Поле «Заводской номер»" in form.text.toPlainText()
    form.load_button.click()
    assert "Загружено из файла in.xlsx" in form.text.toPlainText()
    with unit_of_work(engine, read_only=True) as ctx:
        again = readings_io.export_month(ctx, date(2026, 11, 1))
    (tmp_path / "after.xlsx").write_bytes(again)
    after = {r[3]: r[6] for r in load_workbook(tmp_path / "after.xlsx").active.iter_rows(
        min_row=2, values_only=True)}
    assert after[row[3]] == row[6] + 1


def test_every_item_of_the_service_section_opens(window, qtbot, monkeypatch):
    shell, _engine = window
    shown = []
    for name in ("warning", "critical"):
        monkeypatch.setattr(f"crmdesk.ui.generic.base.QMessageBox.{name}",
                            lambda parent, title, text: shown.append(text))
    shell.choose_section("service")
    for item in _items(shell):
        shell.run_item(item)
        assert active(shell) is not None, item
    assert shown == []


def test_board_by_status_moves_cards_as_the_rules_allow(window, qtbot, monkeypatch, tmp_path):
    from crmdesk.ui.shell.sections import Item

    shell, engine = window
    shown = []
    monkeypatch.setattr("crmdesk.ui.generic.base.QMessageBox.warning",
                        lambda parent, title, text: shown.append(text))
    board = shell.run_item(Item("requests_board", "requests", "", "kanban"))
    assert board.banner.text().startswith("Отключения: Отключение горячей воды")
    assert board.heads["assigned"].text().startswith("Назначена (")
    with unit_of_work(engine) as ctx:
        rid = rq.create_request(ctx, {"description": "Дверь подъезда не закрывается",
                                      "applicant_name": "Ли", "category": "Сантехника"}).id
    board.refresh()
    column = board.lists["assigned"]
    ids = [column.item(i).data(Qt.ItemDataRole.UserRole) for i in range(column.count())]
    assert rid in ids
    board.move_card(rid, "closed")
    assert shown and "из «Назначена» нельзя перейти в «Закрыта»" in shown[-1]
    board.move_card(rid, "in_work")
    qtbot.waitUntil(lambda: any(
        board.lists["in_work"].item(i).data(Qt.ItemDataRole.UserRole) == rid
        for i in range(board.lists["in_work"].count())))
    with unit_of_work(engine, read_only=True) as ctx:
        assert rq.get_request(ctx, rid).status == "in_work"
    shell.resize(1366, 768)
    board.grab().save(str(tmp_path / "board.png"))


def test_request_from_an_incoming_letter_in_the_interactions_list(window, qtbot):
    from crmdesk.models import Interaction, Letter
    from crmdesk.services.clients import create_client
    from crmdesk.ui.forms import entity

    shell, engine = window
    with unit_of_work(engine) as ctx:
        cid = create_client(ctx, {"name": "Ершова Нина", "kind": "person"}).id
        item = Interaction(client_id=cid, kind="mail_in", gist="Письмо: не работает домофон",
                           user_id=ctx.user.id)
        ctx.session.add(item)
        ctx.session.flush()
        ctx.session.add(Letter(direction="in", from_name="Нина Ершова", subject="Домофон",
                               body="Не работает домофон в 2 подъезде", client_id=cid,
                               interaction_id=item.id))
        iid = item.id
    listing = shell.open_list("interactions")
    command = next(c for c in entity("interaction").list_commands
                   if c.text == "Зарегистрировать заявку")
    command.run(listing, iid)
    form = active(shell)
    assert form.entity_name == "request"
    assert form.editors["description"].get().startswith("Домофон")
    assert form.editors["client"].get() == cid


def test_outage_form_mails_the_residents(window, qtbot, monkeypatch):
    from crmdesk.models import Mailing, OutboxMessage
    from crmdesk.models.service import Outage
    from crmdesk.services.templates import save_template
    from crmdesk.ui.generic.registry import open_entity

    shell, engine = window
    with unit_of_work(engine) as ctx:
        from sqlalchemy import func, select

        outage_id = ctx.session.scalar(select(Outage.id))
        save_template(ctx, {"name": "Отключение воды", "channel": "email",
                            "subject": "Отключение", "body": "Завтра не будет горячей воды."})
    form = open_entity(shell, "outage", outage_id)
    monkeypatch.setattr(QInputDialog, "getItem",
                        staticmethod(lambda *a, **k: ("Отключение воды", True)))
    shown = []
    monkeypatch.setattr("crmdesk.ui.generic.base.QMessageBox.warning",
                        lambda parent, title, text: shown.append(text))
    next(a for a in form.bar.actions() if a.text() == "Разослать жителям…").trigger()
    with unit_of_work(engine, read_only=True) as ctx:
        mailings = ctx.session.scalars(select(Mailing)).all()
        rows = ctx.session.scalar(select(func.count()).select_from(OutboxMessage))
    # no mail account in the demo: the mailing is refused with a message, nothing half-made
    assert shown == ["Почта не настроена: задайте учётную запись в «Администрирование → "
                     "Почта» или командой «crmdesk mail account»."]
    assert (mailings, rows) == ([], 0)


def test_my_requests_of_an_executor(housing_template, tmp_path, make_shell, qtbot):  # noqa: F811
    from crmdesk.ui.shell.sections import Item

    path = tmp_path / "crm.sqlite"
    shutil.copy(housing_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with unit_of_work(engine) as ctx:
        from crmdesk.services.settings import set_setting
        from crmdesk.services.users import ALLOW_EMPTY

        set_setting(ctx.session, ALLOW_EMPTY, True)
        expected = len([r for r in rq_all(ctx) if r.executor and r.executor.login == "slesar"])
    shell = make_shell(engine, "slesar")
    mine = shell.run_item(Item("my_requests", "requests", "", "task"))
    assert mine.windowTitle() == "Мои заявки"
    assert mine.model.rowCount() == expected > 0
    engine.dispose()


def rq_all(ctx):
    from sqlalchemy import select

    from crmdesk.models.service import ServiceRequest

    return ctx.session.scalars(select(ServiceRequest)).all()
