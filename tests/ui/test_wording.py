"""Wording: the rules layer's messages in the interface's language, role names instead of
codes, one term for e-mail, phones of users and of the organization formatted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QStyle, QToolButton
from sqlalchemy import func, select

from crmdesk.models import Client
from crmdesk.services import errors
from crmdesk.services.context import unit_of_work
from crmdesk.services.errors import AccessDenied, InvalidData, ValidationError
from crmdesk.ui.generic.objectform import ObjectForm
from crmdesk.ui.i18n import tr_error, tr_message
from tests.ui.conftest import translations_tool

# --- the rules layer's messages --------------------------------------------------------------


def test_service_messages_are_extracted_as_patterns_and_listed_for_the_ui():
    tool = translations_tool()
    texts = {t for _c, t, _f, _l in tool.service_texts()}
    assert errors.FIELD_EMPTY in texts and errors.FIELD_WRONG in texts  # errors.py itself
    assert "Недостаточно прав: у пользователя {0} нет права «{1}»." in texts  # rights refusal
    assert "в документе нет ни одной строки" in texts  # a posting refusal
    assert "Поле «Клиент»: клиент с кодом {0} не найден." in texts  # an f-string as pattern
    from crmdesk.ui.message_patterns import PATTERNS

    assert set(PATTERNS) == {t for t in texts if tool.PLACEHOLDER.search(t)}, "run update"


def test_russian_interface_keeps_the_messages_as_they_are(qapp):
    err = ValidationError("Наименование", "не заполнено")
    assert tr_error(err) == str(err) == "Поле «Наименование» не заполнено"
    text = "Недостаточно прав: у пользователя ivanov нет права «Справочники»."
    assert tr_message(text) == text


def test_english_messages_keep_their_values_and_translate_field_titles(english):
    assert tr_error(ValidationError("Наименование", "не заполнено")) == 'Field “Name” is empty'
    wrong = ValidationError("ИНН", "неверное контрольное число", row=3)
    assert tr_error(wrong) == "Line 3: Field “INN (Tax ID)” is invalid: wrong check digit"
    both = InvalidData([ValidationError("Клиент", "не заполнено"), wrong])
    assert tr_error(both).splitlines() == [
        "Field “Client” is empty",
        "Line 3: Field “INN (Tax ID)” is invalid: wrong check digit",
    ]
    # an f-string of the rules layer: translated by its pattern, the values kept
    refusal = AccessDenied("Недостаточно прав: у пользователя ivanov нет права «Справочники».")
    assert tr_error(refusal) == "Insufficient rights: user ivanov has no right “Catalogs”."
    assert tr_message("Поле «Клиент»: клиент с кодом 4711 не найден.") == (
        "Field “Client”: client with code 4711 not found."
    )
    # a value that is no known text (a client's name) stays as it is
    assert tr_message("клиент «ООО «Ромашка»» помечен на удаление") == (
        "client “ООО «Ромашка»” is marked for deletion"
    )
    posting = "Документ Счёт № 12 не проведён:\n" + str(ValidationError("Цена", "не заполнено", 2))
    assert tr_message(posting) == (
        "Document Счёт № 12 is not posted:\nLine 2: Field “Price” is empty"
    )
    unknown = "Сообщение, которого нет в переводе"
    assert tr_message(unknown) == unknown


def test_saving_a_client_without_a_name_says_so_in_english(english, make_shell, demo_engine,
                                                           qtbot):
    shell = make_shell(demo_engine)
    with unit_of_work(demo_engine) as ctx:
        before = ctx.session.scalar(select(func.count(Client.id)))
    clients = shell.open_list("clients")
    button = next(
        b for b in clients.bar.findChildren(QToolButton)
        if b.defaultAction() is clients.create_action and b.isVisible()
    )
    assert button.text() == "Create"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(shell.mdi.activeSubWindow().widget(), ObjectForm))
    card = shell.mdi.activeSubWindow().widget()
    assert isinstance(card, ObjectForm) and card.entity_name == "client"
    assert not card.write()
    assert card.messages.isVisible()
    assert 'Field “Name” is empty' in card.messages.text()
    assert not any("а" <= ch.lower() <= "я" for ch in card.messages.text())
    assert card.field_error("Наименование") == "is empty"  # under the field, in English too
    card.grab().save("/tmp/d2/client-no-name-en.png")
    with unit_of_work(demo_engine) as ctx:  # nothing half-written
        assert ctx.session.scalar(select(func.count(Client.id))) == before


def test_a_refusal_in_a_message_box_is_english(english, qapp, monkeypatch):
    from crmdesk.ui.generic import base

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: shown.append(text))
    base.show_error(None, AccessDenied("Недостаточно прав: это чужая задача."))
    assert shown == ["Insufficient rights: this is someone else's task."]


# --- roles by name, one term for e-mail, phones formatted --------------------------------------


def _column(form, title):
    model = form.view.model()
    titles = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    return titles.index(title)


def test_users_and_roles_show_names_formatted_phones_and_one_email_term(
    make_shell, demo_engine, qtbot
):
    from crmdesk.models import Organization, Role, User
    from crmdesk.services import records

    with unit_of_work(demo_engine) as ctx:  # as typed, before numbers were kept canonical
        admin = ctx.session.scalar(select(User).where(User.login == "admin"))
        admin.phone = "+74951234563"
        ctx.session.get(Organization, 1).phone = "8 495 765-43-21"
        codes = set(ctx.session.scalars(select(Role.code)))
    shell = make_shell(demo_engine)
    users = shell.open_list("users")
    row = users.model.find_row(admin.id)
    assert users.view.model().index(row, _column(users, "Телефон")).data() == "+7 (495) 123-45-63"
    assert users.view.model().index(row, _column(users, "Роль")).data() == "Администратор"
    assert "Эл. почта" in [users.view.model().headerData(i, Qt.Orientation.Horizontal)
                           for i in range(users.view.model().columnCount())]
    roles = shell.open_list("roles")
    shown = {roles.view.model().index(r, c).data()
             for r in range(roles.view.model().rowCount())
             for c in range(roles.view.model().columnCount()) if not roles.view.isColumnHidden(c)}
    assert "Администратор" in shown and not shown & codes  # names, not admin/manager/…
    from crmdesk.ui.generic.registry import open_entity

    open_entity(shell, "user", admin.id)
    card = shell.mdi.activeSubWindow().widget()
    assert card.values()["phone"] == "+7 (495) 123-45-63"
    assert "Эл. почта" in [label.text().rstrip(":* ") for label in card.findChildren(QLabel)]
    card.editors["phone"].edit.setText("8 (912) 345-67-89 доб. 12")
    assert card.write(), card.messages.text()
    with unit_of_work(demo_engine) as ctx:
        assert ctx.session.get(User, admin.id).phone == "+79123456789 доб. 12"
        org = records.values(ctx.session.get(Organization, 1), ("phone",))
    open_entity(shell, "organization", 1)
    org_card = shell.mdi.activeSubWindow().widget()
    assert org["phone"] == "8 495 765-43-21"
    assert org_card.values()["phone"] == "+7 (495) 765-43-21"
    org_card.grab().save("/tmp/d2/organization-card.png")


# --- the start page at 1366×768 --------------------------------------------------------------


def test_start_page_at_1366_dates_whole_and_no_empty_box_under_the_phone(
    make_shell, demo_engine, qtbot
):
    shell = make_shell(demo_engine)
    shell.resize(1366, 768)
    qtbot.wait(50)
    panel = shell.phone
    assert panel.result.isHidden()  # nothing looked up: no empty white list
    assert panel.height() <= panel.layout().sizeHint().height() + 4
    today = shell.today
    assert today.height() > panel.height()  # the docks above take the height
    with unit_of_work(demo_engine) as ctx:
        from crmdesk.models import ClientPhone

        number = ctx.session.scalar(select(ClientPhone.e164).order_by(ClientPhone.id))
    panel.number.setText(number)
    assert panel.lookup()
    assert panel.result.isVisible() and panel.result.count() >= 1
    invoices = shell.open_list("invoices")
    qtbot.wait(50)
    view, metrics = invoices.view, invoices.view.fontMetrics()
    column = _column(invoices, "Дата")
    text = view.model().index(0, column).data()
    icon = view.model().index(0, column).data(Qt.ItemDataRole.DecorationRole)
    assert icon is not None  # the posted tick beside the date
    small = view.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
    needed = metrics.horizontalAdvance(text) + small
    assert view.columnWidth(column) >= needed + 8, (text, view.columnWidth(column))
    shell.grab().save("/tmp/d2/start-1366.png")


def test_roles_are_named_in_english_under_the_english_interface(english, make_shell,
                                                                demo_engine):
    shell = make_shell(demo_engine)
    users = shell.open_list("users")
    column = _column(users, "Role")
    shown = {users.view.model().index(r, column).data()
             for r in range(users.view.model().rowCount())}
    assert "Administrator" in shown and "Администратор" not in shown
    roles = shell.open_list("roles")
    names = {roles.view.model().index(r, 0).data() for r in range(roles.view.model().rowCount())}
    assert {"Administrator", "Manager"} <= names


def test_posting_refusal_reads_english_under_the_english_interface(english, make_shell,
                                                                   demo_engine):
    from crmdesk.ui.generic.registry import open_entity

    shell = make_shell(demo_engine)
    shell.choose_section("money")
    open_entity(shell, "invoice")
    form = shell.mdi.activeSubWindow().widget()
    assert not form.post()
    text = form.messages.text()
    assert "Field “Client” is empty" in text, text
    assert not any("а" <= ch.lower() <= "я" for ch in text), text


def test_show_phone_reads_any_stored_form_and_leaves_other_text_alone():
    from crmdesk.services.phones import Phone, show_phone, stored_phone

    assert show_phone("+74951234563") == "+7 (495) 123-45-63"
    assert show_phone("8 (495) 123-45-63") == "+7 (495) 123-45-63"  # typed before
    assert show_phone("+74951234563 доб. 12") == "+7 (495) 123-45-63 доб. 12"
    assert show_phone(stored_phone(Phone("+74951234563", "12"))) == "+7 (495) 123-45-63 доб. 12"
    assert show_phone("+4930123456") == "+49 30 123456"
    assert show_phone("спросить у секретаря") == "спросить у секретаря"
    assert show_phone(None) == "" and show_phone("") == ""
