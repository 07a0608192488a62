"""«Отправить по почте», the mail settings with «Проверить», a mailing with progress, leads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from crmdesk.models import Interaction
from crmdesk.services import mail
from crmdesk.ui.generic.registry import open_entity


def _shot(widget, name: str) -> None:
    """Pictures for a person to look at: CRMDESK_SHOTS=dir, at 1366×768 and 1920×1080."""
    if not os.environ.get("CRMDESK_SHOTS"):
        return
    window = widget.window()
    for w, h in ((1366, 768), (1920, 1080)):
        window.resize(w, h)
        QApplication.processEvents()
        window.grab().save(str(Path(os.environ["CRMDESK_SHOTS"]) / f"{name}-{w}.png"))


def _action(form, text):
    return next(a for a in form.actions() if a.text() == text)


def test_invoice_sent_from_its_form(shell, office, relay, qtbot):
    form = open_entity(shell, "invoice", office.invoice)
    _action(form, "Отправить по почте").trigger()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if w.__class__.__name__ == "SendMailDialog" and w.isVisible())
    assert office.invoice_number in dialog.subject.text()
    assert dialog.address() == "zakaz@stroymarket.example"
    dialog.to.setCurrentIndex(dialog.to.findData("kotova@stroymarket.example"))
    assert "Ирина Сергеевна" in dialog.body.toPlainText()
    dialog.body.setPlainText(dialog.body.toPlainText() + "\nP.S. Доставка бесплатно.")
    _shot(dialog, "send-mail")
    assert dialog.send()
    (_, rcpts, msg), = relay.items
    assert rcpts == ["kotova@stroymarket.example"]
    assert "P.S. Доставка бесплатно." in msg.get_body(("plain",)).get_content()
    with office.uow() as ctx:
        assert ctx.session.scalar(select(Interaction).where(Interaction.kind == "mail_out"))


def test_send_failure_stays_in_the_dialog(shell, office, relay):
    relay.refuse.add("kotova@stroymarket.example")
    form = open_entity(shell, "invoice", office.invoice)
    form.send_by_mail()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if w.__class__.__name__ == "SendMailDialog" and w.isVisible())
    dialog.to.setEditText("kotova@stroymarket.example")
    assert not dialog.send()
    assert "550" in dialog.messages.text() and dialog.isVisible()
    dialog.reject()


def test_mail_settings_saved_and_checked(shell, office, smtp_server, boxes, keyring_store):
    shell.app.permissions = set(shell.app.permissions) | {"admin"}
    with office.uow() as ctx:
        from crmdesk.models import Role, User

        ivanov = ctx.session.scalar(select(User).where(User.login == "ivanov"))
        ivanov.role = ctx.session.scalar(select(Role).where(Role.code == "admin"))
    form = open_entity(shell, "mail_settings")
    form.editors["smtp"].set(f"smtp://127.0.0.1:{smtp_server.port}")
    form.editors["from_address"].set("office@teplodom.example")
    form.editors["from_name"].set("ООО «ТеплоДом»")
    form.modified = True
    form.check()
    assert boxes and boxes[-1][0] == "information" and "соединение установлено" in boxes[-1][1]
    _shot(form, "mail-settings")
    form.editors["smtp"].set("smtps://office@127.0.0.1:1")
    form.editors["password"].set("x")
    form.modified = True
    form.check()
    assert "соединение отклонено" in form.messages.text()


def test_mailing_sent_in_the_background(shell, office, relay, qtbot, tmp_path):
    form = open_entity(shell, "mailing")
    form.template.setCurrentIndex(form.template.findData("Заявка зарегистрирована"))
    assert form.prepare()
    assert form.table.rowCount() == 2
    form.table.setCurrentCell(0, 0)
    assert "обращение зарегистрировано" in form.text.toPlainText()
    form.send()
    assert form.stop_button.isEnabled()
    qtbot.waitUntil(lambda: form.thread is None, timeout=20000)
    assert "Отправлено: 2" in form.summary.text()
    assert len(relay.items) == 2
    _shot(form, "mailing")
    path = form.save_xlsx(str(tmp_path / "r.xlsx"))
    assert Path(path).stat().st_size > 0


def test_lead_list_and_conversion(shell, office, mailbox, smtp_server, keyring_store, qtbot):
    samples = Path(__file__).resolve().parents[1] / "samples"
    with office.uow() as ctx:
        mail.set_account(ctx, f"smtp://127.0.0.1:{smtp_server.port}", "office@teplodom.example",
                         imap_url=f"imap://office@127.0.0.1:{mailbox.port}",
                         password=mailbox.password, lead_manager="ivanov")
    mailbox.deliver((samples / "05_unknown_sender_lead.eml").read_bytes())
    from crmdesk.models.comms import Lead
    from crmdesk.ui.forms.leads import fetcher

    background = fetcher(shell)  # what the window's timer and «Забрать почту» run
    background.fetch()
    qtbot.waitUntil(lambda: background.thread is None, timeout=20000)
    assert "новых обращений 1" in shell.statusBar().currentMessage()
    with office.uow() as ctx:
        (lead_id,) = ctx.session.scalars(select(Lead.id)).all()
    got = type("Got", (), {"lead_id": lead_id})
    listform = shell.open_list("leads")
    assert listform is not None
    _shot(listform, "leads")
    form = open_entity(shell, "lead", got.lead_id)
    assert "монтаж отопления" in form.editors["letters"].get()
    form.convert()
    client = shell.form(f"client:{got.lead_id + 2}") or next(
        f for f in shell.forms() if getattr(f, "entity_name", "") == "client")
    assert client is not None
    assert "Стал клиентом" in form.editors["status"].get()


def test_sms_from_the_client_card(shell, office, sms_server, keyring_store, qtbot):
    from PySide6.QtWidgets import QPushButton

    from crmdesk.services import sms

    with office.uow() as ctx:
        sms.set_provider(ctx, sms_server.kind, "test-key", sms_server.url, "TeploDom",
                         "office" if sms_server.kind == "smsc" else None)
    card = open_entity(shell, "client", office.market)
    button = next(b for b in card.findChildren(QPushButton) if b.objectName() == "sms")
    button.click()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if w.__class__.__name__ == "SmsDialog" and w.isVisible())
    assert dialog.number.text() == "+7 (912) 345-67-89"
    dialog.text.setPlainText("Ваш заказ готов к отгрузке")
    assert "частей SMS: 1 (по 70)" in dialog.parts.text()
    assert dialog.send()
    with office.uow() as ctx:
        item = ctx.session.scalar(select(Interaction).where(Interaction.kind == "sms_out"))
        assert item.client_id == office.market  # found by the number it was sent to


def test_templates_list_form_and_consent_dialog(shell, office, boxes, monkeypatch):
    from crmdesk.models import Client
    from crmdesk.ui.forms.templates import ConsentDialog

    listform = shell.open_list("message_templates")
    assert listform is not None
    form = open_entity(shell, "message_template")
    form.editors["name"].set("Акция")
    form.editors["subject"].set("Скидка для {Клиент}")
    form.editors["body"].set("{Обращение} Скидка 10 %. {Неизвестное}")
    form.modified = True
    assert not form.write()
    assert "{Неизвестное}" in form.messages.text() or any(
        "Неизвестное" in e.text() for e in form.errors.values())
    form.editors["body"].set("{Обращение} Скидка 10 % до конца месяца.")
    assert form.write()
    _shot(form, "template")

    class Chosen:
        def __init__(self, *a, **k):
            self.result_id = office.market

        def exec(self):
            return True

    monkeypatch.setattr("crmdesk.ui.generic.listform.ChoiceDialog", Chosen)
    form.preview()
    assert boxes[-1][0] == "information" and "Скидка для ООО «СтройМаркет»" in boxes[-1][1]
    dialog = ConsentDialog(shell, office.market)
    pid, email, sms, out = dialog.boxes[0]
    email.setChecked(True)
    assert dialog.save()
    with office.uow() as ctx:
        assert ctx.session.get(Client, office.market).consent_email


def test_sms_from_the_phone_panel(shell, office, sms_server, keyring_store, qtbot):
    from PySide6.QtWidgets import QPushButton

    from crmdesk.services import sms
    from crmdesk.ui.forms.mail import _extend_phone_panel

    with office.uow() as ctx:
        sms.set_provider(ctx, sms_server.kind, "test-key", sms_server.url, "TeploDom",
                         "office" if sms_server.kind == "smsc" else None)
    _extend_phone_panel()  # what the window's start does (the registry loads once per run)
    panel = next(w for w in shell.findChildren(QWidget) if type(w).__name__ == "PhonePanel")
    panel.number.setText("8 916 111-22-33")
    panel.findChild(QPushButton, "sms").click()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if w.__class__.__name__ == "SmsDialog" and w.isVisible())
    dialog.text.setPlainText("Перезвоните, пожалуйста")
    assert dialog.send()
    with office.uow() as ctx:
        item = ctx.session.scalar(select(Interaction).where(Interaction.kind == "sms_out"))
        assert item.client_id == office.market and item.contact_id == office.kotova


def test_my_mail_box_is_the_users_own(shell, office, relay, smtp_server, keyring_store):
    from crmdesk.services.errors import AccessDenied

    form = open_entity(shell, "my_mail")
    assert "sms_kind" not in form.editors
    form.editors["smtp"].set(f"smtp://127.0.0.1:{smtp_server.port}")
    form.editors["from_address"].set("ivanov@teplodom.example")
    form.modified = True
    assert form.write()
    with office.uow("ivanov") as ctx:
        mail.send_document(ctx, office.invoice)
        with pytest.raises(AccessDenied):
            mail.set_account(ctx, "smtp://127.0.0.1:25", "x@teplodom.example", for_login="petrov")
    (sender, _, _), = relay.items
    assert sender == "ivanov@teplodom.example"  # the user's own box, not the office's
