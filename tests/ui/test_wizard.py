"""The first-start wizard makes a working database; the login dialog lets the right user in."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import uuid  # noqa: E402

import psycopg  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QKeyEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QWizard  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from crmdesk.db import make_engine, session_factory  # noqa: E402
from crmdesk.models import Client, Organization, User  # noqa: E402
from crmdesk.services.access import login_without_dialog  # noqa: E402
from crmdesk.services.context import unit_of_work  # noqa: E402
from crmdesk.services.errors import AccessDenied  # noqa: E402
from crmdesk.services.setup import SetupRequest, create_database  # noqa: E402
from crmdesk.services.users import authenticate, create_user  # noqa: E402
from crmdesk.ui.shell.login import LoginDialog, needs_login  # noqa: E402
from crmdesk.ui.shell.wizard import FirstStartWizard  # noqa: E402

PG = os.environ.get("CRMDESK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NEXT, FINISH = QWizard.WizardButton.NextButton, QWizard.WizardButton.FinishButton

REQUISITES = {
    "name": "ООО «Ромашка»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "phone": "8 (495) 500-55-50",
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "corr_account": "30101810400000000225",
    "account": "40702810303800012345",
    "director": "Петров Пётр Петрович",
}


@pytest.fixture
def wizard(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path / "home"))
    w = FirstStartWizard(default_path=tmp_path / "office.sqlite")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def click(qtbot, button):
    """Click where a user would: on a check or radio button's mark, else in the middle."""
    pos = QPoint(8, button.height() // 2) if button.isCheckable() else button.rect().center()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=pos)


def type_into(qtbot, edit, text):
    """Clear the field, then type like a user (QTest itself types ASCII only)."""
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    for char in text:
        if char.isascii():
            qtbot.keyClick(edit, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                )


def fill_organization(qtbot, w, values):
    for key, text in values.items():
        type_into(qtbot, w.organization_page.edits[key], text)


def test_the_wizard_makes_a_database_with_the_organization_and_the_administrator(
    qtbot, wizard, tmp_path
):
    assert wizard.currentPage() is wizard.database_page
    assert wizard.database_page.path_edit.text() == str(tmp_path / "office.sqlite")
    click(qtbot, wizard.button(NEXT))

    assert wizard.currentPage() is wizard.organization_page
    fill_organization(qtbot, wizard, REQUISITES)
    mode = wizard.organization_page.vat_mode
    mode.setCurrentIndex(mode.findData("on_top"))
    click(qtbot, wizard.button(NEXT))

    page = wizard.admin_page
    assert wizard.currentPage() is page
    type_into(qtbot, page.login_edit, "boss")
    type_into(qtbot, page.name_edit, "Сидоров Сидор")
    type_into(qtbot, page.password_edit, "секрет 1")
    type_into(qtbot, page.repeat_edit, "секрет 1")
    qtbot.keyClick(page.repeat_edit, Qt.Key.Key_Return)  # Enter presses «Далее»

    assert wizard.currentPage() is wizard.demo_page
    assert "ООО «Ромашка»" in wizard.demo_page.summary.text()
    click(qtbot, wizard.demo_page.demo_check)
    type_into(qtbot, wizard.demo_page.clients_spin.lineEdit(), "5")
    with qtbot.waitSignal(wizard.accepted, timeout=60_000):
        click(qtbot, wizard.button(FINISH))

    assert wizard.database_url() == f"sqlite:///{tmp_path / 'office.sqlite'}"
    engine = make_engine(wizard.database_url())
    try:
        with session_factory(engine)() as s:
            org = s.scalar(select(Organization))
            assert (org.name, org.inn, org.kpp, org.account) == (
                "ООО «Ромашка»",
                "7707083893",
                "773601001",
                "40702810303800012345",
            )
            assert (org.phone, org.vat_mode) == ("+74955005550", "on_top")
            assert s.scalar(select(func.count(Client.id))) == 5
            boss = authenticate(s, "boss", "секрет 1")
            assert boss.full_name == "Сидоров Сидор" and boss.role.code == "admin"
            assert s.scalar(select(User).where(User.login == "admin")) is None  # renamed
            with pytest.raises(AccessDenied):
                authenticate(s, "boss", "")
        assert needs_login(engine)
    finally:
        engine.dispose()


def test_a_wrong_inn_is_named_beside_the_field_and_keeps_the_page(qtbot, wizard):
    click(qtbot, wizard.button(NEXT))
    page = wizard.organization_page
    fill_organization(qtbot, wizard, {"name": "ООО «Ромашка»", "inn": "7707083894"})
    click(qtbot, wizard.button(NEXT))

    assert wizard.currentPage() is page
    message = page.errors["inn"]
    assert message.isVisible()
    assert message.text() == "Поле «ИНН» заполнено неверно: неверное контрольное число"
    assert not page.errors["kpp"].isVisible()

    type_into(qtbot, page.edits["inn"], "7707083893")
    click(qtbot, wizard.button(NEXT))
    assert wizard.currentPage() is wizard.admin_page
    assert not message.isVisible()


def test_accounts_are_checked_with_the_bik(qtbot, wizard):
    click(qtbot, wizard.button(NEXT))
    wrong = dict(REQUISITES, account="40702810400000000001")
    fill_organization(qtbot, wizard, wrong)
    click(qtbot, wizard.button(NEXT))
    assert wizard.currentPage() is wizard.organization_page
    assert "неверный контрольный ключ для БИК 044525225" in (
        wizard.organization_page.errors["account"].text()
    )


def test_different_passwords_keep_the_administrator_page(qtbot, wizard):
    click(qtbot, wizard.button(NEXT))
    fill_organization(qtbot, wizard, {"name": "ИП Иванов"})
    click(qtbot, wizard.button(NEXT))
    page = wizard.admin_page
    type_into(qtbot, page.password_edit, "один")
    type_into(qtbot, page.repeat_edit, "два")
    click(qtbot, wizard.button(NEXT))
    assert wizard.currentPage() is page
    assert page.error_label.text() == "Пароли не совпадают."
    type_into(qtbot, page.login_edit, "")
    assert not wizard.button(NEXT).isEnabled()


def choose_server(qtbot, wizard, url):
    page = wizard.database_page
    click(qtbot, page.pg_radio)
    type_into(qtbot, page.url_edit, url)
    click(qtbot, page.check_button)
    return page


def test_a_server_that_does_not_answer_is_named_and_blocks_next(qtbot, wizard):
    page = choose_server(qtbot, wizard, "postgresql://postgres@127.0.0.1:1/office")
    text = page.result_label.text()
    assert page.result_label.isVisible()
    assert text.startswith("Не удалось подключиться к PostgreSQL 127.0.0.1:1, база «office»")
    click(qtbot, wizard.button(NEXT))
    assert wizard.currentPage() is page


def test_an_address_that_is_not_postgresql_is_refused(qtbot, wizard):
    page = choose_server(qtbot, wizard, "mysql://server/crm")
    assert "postgresql://" in page.result_label.text()


def test_the_test_server_answers(qtbot, wizard, pg_available):
    if not pg_available:
        pytest.skip("no PostgreSQL server answers")
    page = choose_server(qtbot, wizard, PG)
    assert page.result_label.text().startswith("Подключение установлено: PostgreSQL ")
    click(qtbot, wizard.button(NEXT))
    assert wizard.currentPage() is wizard.organization_page


@pytest.fixture
def empty_pg_database(pg_available):
    if not pg_available:
        pytest.skip("no PostgreSQL server answers")
    u = make_url(PG)
    conninfo = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    if u.password:
        conninfo += f" password={u.password}"
    name = f"crmdesk_wiz_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield u.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_wizard_makes_a_postgresql_database(qtbot, wizard, empty_pg_database):
    page = choose_server(qtbot, wizard, empty_pg_database)
    assert "база пустая" in page.result_label.text()
    click(qtbot, wizard.button(NEXT))
    fill_organization(qtbot, wizard, {"name": "ООО «Север»", "inn": "7707083893"})
    click(qtbot, wizard.button(NEXT))
    type_into(qtbot, wizard.admin_page.password_edit, "north-1")
    type_into(qtbot, wizard.admin_page.repeat_edit, "north-1")
    click(qtbot, wizard.button(NEXT))
    with qtbot.waitSignal(wizard.accepted, timeout=60_000):
        click(qtbot, wizard.button(FINISH))
    engine = make_engine(wizard.database_url())
    try:
        with session_factory(engine)() as s:
            assert s.scalar(select(Organization.inn)) == "7707083893"
            assert authenticate(s, "admin", "north-1").role.code == "admin"
            with pytest.raises(AccessDenied):
                authenticate(s, "admin", "")
        assert login_without_dialog(engine, None) is None
        assert login_without_dialog(engine, "admin") is None
    finally:
        engine.dispose()


def test_the_administrator_of_the_wizard_always_has_a_password(qtbot, wizard):
    click(qtbot, wizard.button(NEXT))
    fill_organization(qtbot, wizard, {"name": "ИП Иванов"})
    click(qtbot, wizard.button(NEXT))
    page = wizard.admin_page
    click(qtbot, wizard.button(NEXT))
    assert wizard.currentPage() is page
    assert page.error_label.text() == "Поле «Пароль» не заполнено."
    type_into(qtbot, page.password_edit, "x1")
    type_into(qtbot, page.repeat_edit, "x1")
    click(qtbot, wizard.button(NEXT))
    assert wizard.currentPage() is wizard.demo_page


def test_without_a_password_one_signs_in_only_where_the_setting_allows_it(tmp_path):
    from crmdesk.services.settings import set_setting

    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    create_database(SetupRequest(url, {"name": "ООО «Юг»"}, "admin", "Администратор", ""))
    engine = make_engine(url)
    try:
        # nobody has a password yet and nobody decided: refusing would lock the base for good
        assert login_without_dialog(engine, None) == "admin"
        with unit_of_work(engine) as ctx:
            create_user(ctx.session, "ivanov", "Иванов", "manager", password="p")
        assert login_without_dialog(engine, None) is None  # the first password ends that
        assert login_without_dialog(engine, "admin") is None
        with session_factory(engine)() as s:
            with pytest.raises(AccessDenied, match="вход без пароля запрещён"):
                authenticate(s, "admin", "")
        with unit_of_work(engine) as ctx:
            set_setting(ctx.session, "allow_empty_passwords", True)  # a one-person office
        assert login_without_dialog(engine, "admin") == "admin"
        assert login_without_dialog(engine, "ivanov") is None  # --user only chooses whose
        assert login_without_dialog(engine, None) is None  # someone has a password: ask
        with session_factory(engine)() as s:
            assert authenticate(s, "admin", "").login == "admin"
            with pytest.raises(AccessDenied):
                authenticate(s, "admin", "something")
        with unit_of_work(engine) as ctx:
            set_setting(ctx.session, "allow_empty_passwords", False)
            create_user(ctx.session, "solo", "Один", "manager")
        engine2 = make_engine(url)
        assert login_without_dialog(engine2, "admin") is None
        engine2.dispose()
    finally:
        engine.dispose()


@pytest.fixture
def with_passwords(engine):
    with unit_of_work(engine) as ctx:
        create_user(ctx.session, "ivanov", "Иванов Иван", "manager", password="пароль")
        create_user(ctx.session, "gone", "Уволен", "manager", password="x", active=False)
    return engine


def test_login_refuses_a_wrong_password_and_accepts_the_right_one(qtbot, with_passwords):
    assert needs_login(with_passwords)
    dialog = LoginDialog(with_passwords, login="ivanov")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    combo = dialog.login_combo
    # users by full name, as in 1C; the login behind each
    assert [combo.itemData(i) for i in range(combo.count())] == ["admin", "ivanov"]
    assert combo.currentText() != "ivanov" and dialog.chosen_login() == "ivanov"
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)

    type_into(qtbot, dialog.password_edit, "не тот")
    click(qtbot, ok)
    assert dialog.isVisible() and dialog.result() == 0
    assert dialog.message.isVisible()
    assert dialog.message.text() == "Неверное имя пользователя или пароль."
    assert dialog.password_edit.text() == ""

    type_into(qtbot, dialog.password_edit, "пароль")
    assert not dialog.message.isVisible()
    with qtbot.waitSignal(dialog.accepted):
        click(qtbot, ok)
    assert dialog.login_user() == "ivanov"


def test_login_refuses_an_unknown_user(qtbot, with_passwords):
    dialog = LoginDialog(with_passwords)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.login_combo.lineEdit(), "gone")
    qtbot.keyClicks(dialog.password_edit, "x")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.message.text() == "Неверное имя пользователя или пароль."
