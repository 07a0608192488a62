"""The desktop side, driven through the real main window (pytest-qt, offscreen): the call
window pops up on the desk whose extension rings, and only there."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from sqlalchemy import select  # noqa: E402

from crmdesk.models import Call, Client, Interaction  # noqa: E402
from crmdesk.services.calllistener import external_event  # noqa: E402
from crmdesk.services.context import unit_of_work  # noqa: E402
from tests.telephony.conftest import ANSWERED_FROM  # noqa: E402


@pytest.fixture
def desks(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from crmdesk.app import make_qt_app
    from crmdesk.ui.session import AppSession
    from crmdesk.ui.shell.mainwindow import MainWindow

    monkeypatch.setenv("CRMDESK_HOME", str(tmp_path / "home"))
    shown: list[str] = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, lambda _p, _t, text, *a, **k: shown.append(text))
    make_qt_app()
    made = []

    def make(engine, login):
        window = MainWindow(AppSession(engine, login), restore=False)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        made.append(window)
        return window

    make.messages = shown
    yield make
    for window in made:  # while the database is still there: stop listening, let timers run
        window.telephony.stop()
        for sub in window.mdi.subWindowList():
            if hasattr(sub.widget(), "modified"):
                sub.widget().modified = False
    qtbot.wait(200)
    import shiboken6

    for window in made:
        if shiboken6.isValid(window):
            window.close()
    qtbot.wait(50)


def _windows(shell):
    return {k: w for k, w in shell.telephony.windows.items() if w.isVisible()}


def test_the_call_window_pops_up_on_the_ringing_desk_only(pbx, ami, desks, qtbot):
    ivanov, petrov = desks(pbx, "ivanov"), desks(pbx, "petrov")
    ami.wait_clients(2)
    qtbot.waitUntil(lambda: ivanov.telephony.indicator.text() == "АТС: на связи")
    ami.play("incoming_answered")
    qtbot.waitUntil(lambda: bool(_windows(ivanov)), timeout=10000)
    window = _windows(ivanov)["1764576000.84"]
    html = window.text.toHtml()
    assert "ООО «Ромашка»" in html and "Иванов Иван Иванович" in html
    assert window.client_button.isHidden() and not window.save_button.isHidden()
    qtbot.waitUntil(lambda: "завершён, 2:05" in window.state.text(), timeout=10000)
    assert _windows(petrov) == {}
    window.gist.setPlainText("Хотят 20 коробок к пятнице")
    window.next_step.setText("Выставить счёт")
    qtbot.waitUntil(lambda: _stored(pbx), timeout=10000)
    window.save_button.click()
    with unit_of_work(pbx, read_only=True) as ctx:
        item = ctx.session.scalar(select(Interaction))
        assert (item.gist, item.next_step) == ("Хотят 20 коробок к пятнице", "Выставить счёт")
    if os.environ.get("CRMDESK_SHOTS"):
        window.grab().save(os.path.join(os.environ["CRMDESK_SHOTS"], "call-window.png"))


def _stored(engine):
    with unit_of_work(engine, read_only=True) as ctx:
        return ctx.session.scalar(select(Call.state)) == "answered"


def test_unknown_caller_offers_a_new_client_with_the_number(pbx, ami, desks, qtbot):
    ivanov = desks(pbx, "ivanov")
    ami.wait_clients(1)
    ami.play("missed")
    qtbot.waitUntil(lambda: bool(_windows(ivanov)), timeout=10000)
    window = next(iter(_windows(ivanov).values()))
    assert "Номер не найден" in window.text.toPlainText()
    assert not window.client_button.isHidden() and window.save_button.isHidden()
    qtbot.waitUntil(lambda: "пропущен" in window.state.text(), timeout=10000)
    window.client_button.click()
    form = ivanov.mdi.activeSubWindow().widget()
    phones = form.editors["phones"].get()
    assert phones == ["+7 (926) 111-22-33"]


def test_desk_without_its_own_pbx_link_pops_up_from_the_database(team, desks, qtbot):
    with unit_of_work(team) as ctx:
        from crmdesk.services import telephony
        from crmdesk.services.clients import create_client

        telephony.set_extension(ctx, "ivanov", "101")
        create_client(ctx, {"name": "ООО «Ромашка»", "phones": [ANSWERED_FROM],
                            "owner": "ivanov"})
        create_client(ctx, {"name": "ООО «Чужой»", "phones": ["+79260000001"], "owner": "petrov"})
    ivanov = desks(team, "ivanov")
    assert ivanov.telephony.indicator.text() == "АТС: события через базу"
    with unit_of_work(team) as ctx:
        external_event(ctx, "in", "89131234567", "101", "ringing", "w1")
        external_event(ctx, "in", "89131234567", "102", "ringing", "w2")
    qtbot.waitUntil(lambda: bool(_windows(ivanov)), timeout=5000)
    assert list(_windows(ivanov)) == ["ext:w1"]
    assert "ООО «Ромашка»" in _windows(ivanov)["ext:w1"].text.toHtml()
    with unit_of_work(team) as ctx:
        external_event(ctx, "in", "+79260000001", "101", "ringing", "w3")
    qtbot.waitUntil(lambda: "ext:w3" in _windows(ivanov), timeout=5000)
    other = _windows(ivanov)["ext:w3"]
    text = other.text.toPlainText()
    assert "другого менеджера: Петров Пётр Петрович" in text and "Чужой" not in text
    assert other.client_button.isHidden()


def test_dial_button_of_a_phone_field_rings_the_users_extension(pbx, ami, desks, qtbot):
    from PySide6.QtWidgets import QPushButton

    ivanov = desks(pbx, "ivanov")
    ami.wait_clients(1)
    with unit_of_work(pbx, read_only=True) as ctx:
        client_id = ctx.session.scalar(select(Client.id).where(Client.name == "ООО «Ромашка»"))
    from crmdesk.ui.generic.registry import entity

    form = entity("client").open(ivanov, client_id, None)
    button = form.editors["phones"].findChild(QPushButton, "dial")
    assert button is not None
    button.click()
    qtbot.waitUntil(lambda: any(a.get("Action") == "Originate" for a in ami.actions))
    originate = next(a for a in ami.actions if a.get("Action") == "Originate")
    assert originate["Channel"] == "PJSIP/101" and originate["Exten"] == "89131234567"
    qtbot.waitUntil(lambda: _stored(pbx), timeout=10000)  # the outgoing call, logged


def test_missed_calls_list_is_in_the_crm_section(pbx, desks, qtbot):
    with unit_of_work(pbx) as ctx:
        external_event(ctx, "in", "+79261112233", "101", "ended", "m")
    head = desks(pbx, "head")
    form = head.open_list("missed_calls")
    qtbot.waitUntil(lambda: form.model.rowCount() == 1)
    from crmdesk.ui.shell.sections import SECTIONS

    crm = next(items for code, _t, _i, items in SECTIONS if code == "crm")
    assert {"calls", "missed_calls"} <= {i.target for i in crm}


def test_phone_panel_dials_the_typed_number(pbx, ami, desks, qtbot):
    from PySide6.QtWidgets import QPushButton

    petrov = desks(pbx, "petrov")
    ami.wait_clients(1)
    petrov.phone.number.setText("8 (495) 987-65-43")
    petrov.phone.findChild(QPushButton, "dial").click()
    qtbot.waitUntil(lambda: any(a.get("Action") == "Originate" for a in ami.actions))
    originate = next(a for a in ami.actions if a.get("Action") == "Originate")
    assert (originate["Channel"], originate["Exten"]) == ("PJSIP/102", "84959876543")
    assert "102" in petrov.statusBar().currentMessage()
    qtbot.waitUntil(lambda: "Найдено: 1" in petrov.phone.hint.text())  # the panel's caller ID


def test_queue_call_pops_up_on_every_ringing_desk_and_says_who_answered(pbx, ami, desks,
                                                                       qtbot):
    ivanov, petrov = desks(pbx, "ivanov"), desks(pbx, "petrov")
    ami.wait_clients(2)
    ami.play("queue_call")
    qtbot.waitUntil(lambda: bool(_windows(ivanov)) and bool(_windows(petrov)), timeout=10000)
    mine, theirs = _windows(petrov)["1764579600.90"], _windows(ivanov)["1764579600.90"]
    assert "Сидоров Семён" in mine.text.toPlainText() and "ООО «Лютик»" in mine.text.toPlainText()
    qtbot.waitUntil(lambda: "завершён" in mine.state.text(), timeout=10000)
    assert "1:00" in mine.state.text()
    qtbot.waitUntil(lambda: "(102)" in theirs.state.text(), timeout=10000)  # who answered
    assert "Лютик" not in theirs.text.toPlainText()  # petrov's client: ivanov sees no card
    assert "другого менеджера: Петров Пётр Петрович" in theirs.text.toPlainText()


def test_the_indicator_follows_the_connection(pbx, ami, desks, qtbot):
    ivanov = desks(pbx, "ivanov")
    indicator = ivanov.telephony.indicator
    qtbot.waitUntil(lambda: indicator.text() == "АТС: на связи", timeout=10000)
    ami.wait_clients(1)  # the server lists a client only after its answer has gone out
    ami.secret = "changed"  # the PBX's password changed: the reconnection is refused
    ami.drop()
    qtbot.waitUntil(lambda: indicator.text() == "АТС: ошибка", timeout=10000)
    assert "Authentication failed" in indicator.toolTip()
    ami.secret = "s3cret"
    qtbot.waitUntil(lambda: indicator.text() == "АТС: на связи", timeout=15000)


def test_administrator_sets_the_pbx_up_in_the_desktop(team, ami, keyring_memory, desks, qtbot):
    from sqlalchemy import text

    from crmdesk.ui.shell.sections import SECTIONS

    admin = desks(team, "admin")
    assert admin.telephony.indicator.text() == "АТС: не настроена"
    item = next(i for code, _t, _i, items in SECTIONS if code == "admin" for i in items
                if i.target == "telephony_settings")
    form = admin.run_item(item)
    for key, value in (("host", "127.0.0.1"), ("port", ami.port), ("user", "crm"),
                       ("secret", "s3cret")):
        form.editors[key].set(value)
    assert form.write()
    qtbot.waitUntil(lambda: admin.telephony.indicator.text() == "АТС: на связи", timeout=10000)
    qtbot.waitUntil(lambda: ami.logins == 1)  # the server counts after its answer is sent
    assert list(keyring_memory.store.values()) == ["s3cret"]
    with team.connect() as conn:
        stored = " ".join(str(v) for (v,) in conn.execute(text("SELECT value FROM settings")))
    assert "127.0.0.1" in stored and "s3cret" not in stored
    form.editors["host"].set("")
    assert not form.write()  # the message names the field; nothing changes
    assert form.field_error("Адрес АТС") and "не заполнено" in form.messages.text()
    with unit_of_work(team, read_only=True) as ctx:
        from crmdesk.services import telephony

        assert telephony.ami_config(ctx.session)["host"] == "127.0.0.1"


def test_extension_is_set_from_the_users_list(team, desks, qtbot, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from crmdesk.models import User

    admin = desks(team, "admin")
    users = admin.open_list("users")
    qtbot.waitUntil(lambda: users.model.rowCount() >= 5)
    row = next(r for r in range(users.model.rowCount())
               if "ivanov" in [users.model.index(r, c).data()
                               for c in range(users.model.columnCount())])
    users.view.setCurrentIndex(users.model.index(row, 0))
    command = next(c for c in users.entity.list_commands if c.text == "Внутренний номер…")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("105", True))
    users._run_extra(command)
    with unit_of_work(team, read_only=True) as ctx:
        assert ctx.session.scalar(select(User.extension).where(User.login == "ivanov")) == "105"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("10x", True))
    users._run_extra(command)  # refused with the field named, in a message box
    assert any("«Внутренний номер»" in m for m in desks.messages)
