"""The desktop: the statement review form and the contracts through the real main window."""

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402
from sqlalchemy import select  # noqa: E402

from crmdesk.models import BankPayment, Client, Contract  # noqa: E402
from crmdesk.services import documents  # noqa: E402
from crmdesk.services.context import unit_of_work  # noqa: E402
from crmdesk.services.settings import set_setting  # noqa: E402
from tests.bank.statement import payment, statement  # noqa: E402
from tests.ui.conftest import home, make_shell  # noqa: E402, F401, F811 — desktop fixtures

pytest.importorskip("pytestqt")

SHOTS = Path(os.environ.get("CRMDESK_SHOTS", "/tmp/crmdesk-shots"))


@pytest.fixture
def bank_engine(bank_base, team):
    with unit_of_work(team) as ctx:  # the window opens as the administrator without a password
        set_setting(ctx.session, "allow_empty_passwords", True)
    return team


@pytest.fixture
def window(make_shell, bank_engine):  # noqa: F811
    if bank_engine.dialect.name != "sqlite":
        pytest.skip("the desktop is tested on SQLite")
    return make_shell(bank_engine)


def _open_import(window):
    item = next(i for _c, _t, _i, items in __import__(
        "crmdesk.ui.shell.sections", fromlist=["SECTIONS"]).SECTIONS for i in items
        if i.kind == "bank_import")
    window.run_item(item)
    return window.form("bank_import:bank")


def test_review_choose_by_hand_and_load(window, bank_engine, bank_base, tmp_path, monkeypatch,
                                        qtbot):
    infos = []
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda parent, title, text, *a, **k: infos.append(text)))
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(statement([
        payment(1, "7777.00", "Оплата по счету 45", payer_inn="7736207543",
                payer_name='ООО "Вектор"', payer_account="40702810600000000411"),
        payment(2, "5000.00", "Оплата", payer_inn="7702070139", payer_name='ООО "Новый"',
                payer_account="40702810100000000777"),
        payment(3, "300.00", "Аванс", payer_inn="7704217370", payer_name='ООО "Третий"',
                payer_account="40702810100000000888"),
    ]))
    form = _open_import(window)
    form.open_file(path)
    table = form.table
    assert table.rowCount() == 3
    assert table.item(0, 7).text() == "Оплата счёта" and table.item(0, 9).text().endswith("45")
    assert table.item(1, 7).text() == "Неизвестный плательщик"
    assert table.item(0, 0).checkState() == Qt.CheckState.Checked
    assert table.item(1, 0).checkState() == Qt.CheckState.Unchecked
    # line 2: Ромашка chosen by hand with its invoice 44
    table.selectRow(1)
    form.client_editor.set_ref(bank_base["romashka"], 'ООО "Ромашка"')
    index = next(i for i in range(form.invoice_box.count())
                 if form.invoice_box.itemData(i) == bank_base["inv44"])
    form.invoice_box.setCurrentIndex(index)
    form.apply_button.click()
    assert table.item(1, 7).text() == "Оплата счёта" and table.item(1, 8).text() == 'ООО "Ромашка"'
    # line 3: a new client from the statement's requisites, in one click
    table.selectRow(2)
    assert form.client_action.isEnabled()
    form.client_action.trigger()
    assert table.item(2, 7).text() == "Оплата от клиента"
    assert "Новый клиент создан из реквизитов выписки" in form.detail.text()
    for size in ((1366, 768), (1920, 1080)):
        window.resize(*size)
        window.mdi.activeSubWindow().showMaximized()
        qtbot.wait(50)
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"bank_import_{size[0]}.png"))
    form.load_action.trigger()
    assert infos and "Загружено платежей: 3" in infos[0]
    assert [table.item(r, 7).text() for r in range(3)] == ["Уже загружено"] * 3
    journal = window.open_list("bank_payments")  # «Деньги → Загруженные платежи банка»
    assert journal is not None and journal.model.rowCount() == 3
    with unit_of_work(bank_engine) as ctx:
        assert len(ctx.session.scalars(select(BankPayment)).all()) == 3
        assert documents.invoice_remaining(ctx, bank_base["inv44"]) == 0
        assert ctx.session.scalar(select(Client).where(Client.inn == "7704217370")) is not None


def test_a_bad_file_is_a_message_in_the_form(window, tmp_path):
    bad = tmp_path / "не выписка.txt"
    bad.write_text("привет", encoding="utf-8")
    form = _open_import(window)
    form._run(lambda: form.open_file(bad))
    assert not form.messages.isHidden()
    assert "не выписка в формате обмена" in form.messages.text()


def test_contract_card_from_the_sales_section(window, bank_engine, bank_base, qtbot, tmp_path):
    from crmdesk.ui.generic.registry import entity

    assert window.open_list("contracts") is not None

    form = entity("contract").open(window, None, None)
    form.editors["number"].set("17/26")
    assert form.editors["date"].get() is not None  # a new contract is dated today
    form.editors["client"].set((bank_base["vector"], 'ООО "Вектор"'))
    form.editors["subject"].set("Монтаж отопления")
    form.modified = True
    form.write()
    assert form.obj_id is not None
    scan = tmp_path / "Договор 17-26.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    form.attach_path(scan)
    assert form.editors["file_name"].get() == "Договор 17-26.pdf"
    window.resize(1366, 768)
    qtbot.wait(50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "contract_1366.png"))
    with unit_of_work(bank_engine) as ctx:
        c = ctx.session.scalar(select(Contract))
        assert (c.number, c.client_id, c.subject) == ("17/26", bank_base["vector"],
                                                      "Монтаж отопления")
        assert c.end_date is None
