"""The client card warns of duplicates with links; «Объединение клиентов» merges two cards."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from crmdesk.models import Client, Interaction
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.interactions import record_interaction
from crmdesk.ui.forms import entity
from crmdesk.ui.forms.merge import DuplicatesDialog, MergeForm

INN = "7707083893"
SHOTS = Path(os.environ.get("CRMDESK_SHOTS", "/tmp/crmdesk-shots"))


def _clients(engine):
    with unit_of_work(engine) as ctx:
        first = create_client(ctx, {"name": "ООО «Дубль»", "inn": INN, "kpp": "770701001",
                                    "phones": ["+7 912 000-55-66"]}).id
        second = create_client(ctx, {"name": "Дубль (старая карточка)",
                                     "phones": ["+7 495 000-55-66"], "comment": "Оптовик",
                                     "contacts": [{"name": "Петрова Анна"}]}).id
        record_interaction(ctx, second, "call_in", "Спрашивали про доставку")
    return first, second


def _when_dialog(qtbot, act):
    """Run ``act(dialog)`` on the duplicates dialog once it is shown."""
    seen = []

    def look():
        dialog = next((w for w in QApplication.topLevelWidgets()
                       if isinstance(w, DuplicatesDialog) and w.isVisible()), None)
        if dialog is None:
            QTimer.singleShot(20, look)
            return
        seen.append(dialog.label.text())
        act(dialog)

    QTimer.singleShot(0, look)
    return seen


def test_a_phone_of_another_client_is_named_with_a_link_and_may_be_saved(shell, qtbot):
    first, _ = _clients(shell.app.engine)
    form = entity("client").open(shell, None, None)
    form.editors["name"].set("ООО «Новый»")
    form.editors["phones"].set(["8 912 000 55 66"])
    seen = _when_dialog(qtbot, lambda d: d.save_button.click())
    assert form.write()
    assert f'href="client:{first}"' in seen[0] and "ООО «Дубль»" in seen[0]
    assert "Телефон +7 (912) 000-55-66 уже есть" in seen[0]
    with unit_of_work(shell.app.engine) as ctx:
        assert ctx.session.scalar(select(Client.id).where(Client.name == "ООО «Новый»"))
    # written once with the warning: writing again with the same phone does not ask again
    form.editors["comment"].set("без вопросов")
    assert form.write()


def test_the_same_inn_cannot_be_saved_and_the_link_opens_the_other_client(shell, qtbot):
    first, _ = _clients(shell.app.engine)
    form = entity("client").open(shell, None, None)
    form.editors["name"].set("Дубль по ИНН")
    form.editors["inn"].set(INN)
    form.editors["kpp"].set("770701001")

    def follow_link(dialog):
        assert not hasattr(dialog, "save_button")  # no «Записать»: one firm, one card
        dialog.label.linkActivated.emit(f"client:{first}")

    seen = _when_dialog(qtbot, follow_link)
    assert not form.write()
    assert "Записать нельзя" in seen[0]
    assert shell.form(f"client:{first}") is not None  # the other client's card opened
    with unit_of_work(shell.app.engine) as ctx:
        assert ctx.session.scalar(select(Client.id).where(Client.name == "Дубль по ИНН")) is None
    # a branch (another KPP) is only warned about
    form.editors["kpp"].set("771001001")
    seen = _when_dialog(qtbot, lambda d: d.save_button.click())
    assert form.write() and "другой КПП" in seen[0]


def test_merge_form_from_the_clients_list(shell, qtbot, monkeypatch):
    first, second = _clients(shell.app.engine)
    clients_list = shell.open_list("clients")
    clients_list.model.set_search("дубль")
    qtbot.waitUntil(lambda: clients_list.model.rowCount() == 2, timeout=3000)
    row = clients_list.model.find_row(second)
    clients_list.view.selectRow(row)
    merge_action = next(a for a in clients_list.actions() if a.text() == "Объединить…")
    merge_action.trigger()
    form = shell.form(MergeForm.form_key)
    assert isinstance(form, MergeForm) and form.other.get() == second
    form.keep.set((first, "ООО «Дубль»"))
    form.compare()
    titles = [form.table.item(r, 0).text() for r in range(form.table.rowCount())]
    assert titles[:2] == ["Наименование", "Вид"] and "Взаимодействия" in titles
    assert set(form.ticks) >= {"name", "comment"}
    assert form.ticks["comment"].isChecked() and not form.ticks["name"].isChecked()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for w, h in ((1366, 768), (1920, 1080)):
        shell.resize(w, h)
        QApplication.processEvents()
        shell.grab().save(str(SHOTS / f"merge-{w}x{h}.png"))
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    assert form.run()
    with unit_of_work(shell.app.engine) as ctx:
        kept, other = ctx.session.get(Client, first), ctx.session.get(Client, second)
        assert kept.comment == "Оптовик" and other.deletion_mark
        assert [p.name for p in kept.contacts] == ["Петрова Анна"]
        assert ctx.session.scalar(select(func.count()).select_from(Interaction)
                                  .where(Interaction.client_id == first)) == 1
    assert shell.form(f"client:{first}") is not None  # the kept client is shown
    assert form.other.get() is None and not form.merge_button.isEnabled()
