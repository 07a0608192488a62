"""A manager signs in through the login dialog, typing the password, and sees only their
own clients in the list, the search and the quick card (SQLite and PostgreSQL)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from crmdesk.services import clients as client_rules
from crmdesk.services.context import unit_of_work
from crmdesk.services.users import set_password
from crmdesk.ui.shell.login import LoginDialog


def test_a_manager_signs_in_and_sees_only_their_clients(team, make_shell, qtbot, type_text):
    engine = team
    with unit_of_work(engine) as ctx:
        set_password(ctx.session, "ivanov", "Весна-2026")
    with unit_of_work(engine, "ivanov") as ctx:
        mine = client_rules.create_client(ctx, {"name": "ООО «Иванов и партнёры»"}).id
    with unit_of_work(engine, "petrov") as ctx:
        client_rules.create_client(ctx, {"name": "ООО «Петров и сыновья»"})

    dialog = LoginDialog(engine)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.login_combo.setCurrentText("ivanov")
    dialog.password_edit.setFocus()
    type_text(dialog.password_edit, "неверный")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert dialog.isVisible() and not dialog.message.isHidden()  # a wrong password: stay
    type_text(dialog.password_edit, "Весна-2026")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.login_user() == "ivanov"

    window = make_shell(engine, dialog.login_user())
    clients = window.open_list("clients")
    names = [clients.model.data(clients.model.index(r, 0)) for r in range(clients.model.rowCount())]
    assert names == ["ООО «Иванов и партнёры»"]
    clients.view.setFocus()
    clients.view.setCurrentIndex(clients.model.index(0, 0))
    qtbot.waitUntil(lambda: window.quick_card.client_id == mine, timeout=3000)
    assert "Иванов Иван Иванович" in window.status_user.text()
    window.global_search.setText("Петров")
    window.run_global_search()
    found = window.mdi.activeSubWindow().widget()
    assert [found.list.item(i).text() for i in range(found.list.count())] == ["Ничего не найдено"]
