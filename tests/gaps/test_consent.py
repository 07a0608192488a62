"""Issue 12: consent to advertising mailings on the client card and the contact person form
(e-mail, SMS, the opt-out and its date), and read by the import from columns such as
«Согласие на рассылку», «Согласие e-mail», «Согласие SMS»."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt
from sqlalchemy import select

from crmdesk.models import Client, ContactPerson
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.imports import import_clients
from crmdesk.services.imports.columns import match_header
from crmdesk.services.mailings import set_consent


def _click(qtbot, editor):
    box = editor.edit
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center().__class__(6, 6))


def _save(form):
    next(a for a in form.bar.actions() if a.text() == "Записать").trigger()
    assert not form.modified, form.messages.text()


def test_client_card_writes_consent_and_the_opt_out(day, qtbot):
    with unit_of_work(day.engine) as ctx:
        cid = create_client(ctx, {"name": "ООО «Рассылка»"}).id
    day.window.open_key(f"client:{cid}")
    card = day.active()
    assert card.entity_name == "client" and card.obj_id == cid
    assert not card.editors["consent_email"].get() and not card.editors["opt_out"].get()
    _click(qtbot, card.editors["consent_email"])
    _click(qtbot, card.editors["consent_sms"])
    _save(card)
    day.shot("client-consent")
    with unit_of_work(day.engine) as ctx:
        c = ctx.session.get(Client, cid)
        assert (c.consent_email, c.consent_sms, c.opt_out_at) == (True, True, None)

    _click(qtbot, card.editors["opt_out"])  # the client withdrew: consents go, date kept
    _save(card)
    with unit_of_work(day.engine) as ctx:
        c = ctx.session.get(Client, cid)
        assert (c.consent_email, c.consent_sms) == (False, False) and c.opt_out_at is not None
        shown = f"{c.opt_out_at.astimezone():%d.%m.%Y %H:%M}"
    assert card.editors["opt_out_at"].get() == shown
    assert not card.editors["consent_email"].get() and card.editors["opt_out"].get()

    _click(qtbot, card.editors["opt_out"])  # consent given again
    _click(qtbot, card.editors["consent_sms"])
    _save(card)
    with unit_of_work(day.engine) as ctx:
        c = ctx.session.get(Client, cid)
        assert (c.consent_email, c.consent_sms, c.opt_out_at) == (False, True, None)
    assert card.editors["opt_out_at"].get() == ""


def test_contact_person_form_writes_its_own_consent(day, qtbot, type_text):
    from PySide6.QtWidgets import QApplication

    with unit_of_work(day.engine) as ctx:
        cid = create_client(ctx, {"name": "ООО «Контакты»"}).id
    day.window.open_key(f"client:{cid}")
    card = day.active()
    tab = card.related[0]  # «Контактные лица»
    card.tab_widget.setCurrentWidget(tab)
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_Insert)
    contact = day.active()
    assert contact.entity_name == "contact"
    type_text(QApplication.focusWidget(), "Орлова Нина")
    _click(qtbot, contact.editors["consent_email"])
    _save(contact)
    day.shot("contact-consent")
    with unit_of_work(day.engine) as ctx:
        p = ctx.session.scalar(select(ContactPerson).where(ContactPerson.client_id == cid))
        assert (p.name, p.consent_email, p.consent_sms) == ("Орлова Нина", True, False)
        c = ctx.session.get(Client, cid)
        assert not c.consent_email  # the person's consent is not the client's


@pytest.mark.parametrize(
    "header,code",
    [
        ("Согласие на рассылку", "consent"),
        ("Согласие e-mail", "consent_email"),
        ("Согласие SMS", "consent_sms"),
        ("Согласие на рассылку СМС", "consent_sms"),
        ("E-mail", "email"),
        ("Телефон", "phone"),
    ],
)
def test_consent_headers(header, code):
    assert match_header(header) == code


def _book(path, header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_import_reads_consent(engine, tmp_path):
    path = _book(
        tmp_path / "clients.xlsx",
        ["Наименование", "Телефон", "Согласие e-mail", "Согласие SMS", "Согласие на рассылку"],
        [
            ["ООО «Да»", "+7 912 000-00-01", "да", "+", None],
            ["ООО «Нет»", "+7 912 000-00-02", "нет", 0, None],
            ["ООО «Общее»", "+7 912 000-00-03", None, None, "Yes"],
            ["ООО «Пусто»", "+7 912 000-00-04", None, None, None],
            ["ООО «Криво»", "+7 912 000-00-05", "может быть", 1, None],
        ],
    )
    report = import_clients(engine, path)
    assert report.created == 5
    warned = [i for i in report.items if i.kind == "warning"]
    assert [(i.row, i.field, i.value) for i in warned] == [(6, "Согласие e-mail", "может быть")]
    assert "Строка 6" in warned[0].message and "«Согласие e-mail»" in warned[0].message
    with unit_of_work(engine) as ctx:
        got = {
            c.name: (c.consent_email, c.consent_sms)
            for c in ctx.session.scalars(select(Client).where(Client.name.like("ООО «%")))
        }
    assert got == {
        "ООО «Да»": (True, True),
        "ООО «Нет»": (False, False),
        "ООО «Общее»": (True, True),
        "ООО «Пусто»": (False, False),
        "ООО «Криво»": (False, True),
    }


def test_import_into_stored_clients_never_overrides_an_opt_out(engine, tmp_path):
    with unit_of_work(engine) as ctx:
        a = create_client(ctx, {"name": "ООО «Было»", "phones": ["+79120000011"]}).id
        b = create_client(ctx, {"name": "ООО «Отказ»", "phones": ["+79120000012"]}).id
        c = create_client(ctx, {"name": "ООО «Согласен»", "phones": ["+79120000013"]}).id
        set_consent(ctx, b, opt_out=True)
        set_consent(ctx, c, email=True, sms=True)
    path = _book(
        tmp_path / "again.xlsx",
        ["Наименование", "Телефон", "Согласие на рассылку"],
        [["ООО «Было»", "+79120000011", "да"], ["ООО «Отказ»", "+79120000012", "да"],
         ["ООО «Согласен»", "+79120000013", "нет"]],
    )
    report = import_clients(engine, path)
    assert report.merged == 3
    with unit_of_work(engine) as ctx:
        got = {i: ctx.session.get(Client, i) for i in (a, b, c)}
        assert (got[a].consent_email, got[a].consent_sms) == (True, True)
        assert (got[b].consent_email, got[b].consent_sms) == (False, False)
        assert got[b].opt_out_at is not None
        assert (got[c].consent_email, got[c].consent_sms) == (True, True)
