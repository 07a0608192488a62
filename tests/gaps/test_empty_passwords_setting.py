"""«Разрешить вход без пароля» in Администрирование → Настройки: the administrator's check
box writes ``allow_empty_passwords``, and signing in follows it; left untouched on a base
where it was never set, saving the other settings does not freeze it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from crmdesk.services.context import unit_of_work
from crmdesk.services.errors import AccessDenied
from crmdesk.services.settings import get_setting
from crmdesk.services.users import ALLOW_EMPTY, authenticate, set_password


def _open_settings(window):
    window.choose_section("admin")
    items = [window.functions.item(i) for i in range(window.functions.count())]
    item = next(w for w in items if w.text() == "Настройки")
    window._function_chosen(item)
    form = window.mdi.activeSubWindow().widget()
    assert form.entity_name == "settings"
    return form


def _setting(engine):
    with unit_of_work(engine) as ctx:
        return get_setting(ctx.session, ALLOW_EMPTY)


def _signs_in_empty(engine, login):
    with unit_of_work(engine) as ctx:
        try:
            authenticate(ctx.session, login, "")
            return True
        except AccessDenied:
            return False


def test_the_check_box_governs_signing_in_without_a_password(make_shell, team, qtbot):
    with unit_of_work(team) as ctx:  # a password set: empty ones refused
        set_password(ctx.session, "head", "Секрет-1")
    assert not _signs_in_empty(team, "ivanov")
    window = make_shell(team)
    form = _open_settings(window)
    box = form.editors["allow_empty_passwords"].edit
    assert isinstance(box, QCheckBox) and not box.isChecked()
    note = form.editors["allow_empty_passwords"].note  # a long explanation wraps beside it
    assert "без пароля" in (note.text() if note is not None else box.text())
    assert note is None or note.isVisible()
    form.grab().save(str(qtbot_shot_dir(team) / "settings.png"))

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().topLeft() + _inside())
    assert box.isChecked()
    assert form.modified
    next(a for a in form.bar.actions() if a.text() == "Записать").trigger()  # the button
    assert not form.modified and form.messages.isHidden(), form.messages.text()
    assert _setting(team) is True
    assert _signs_in_empty(team, "ivanov")

    box.setChecked(False)
    assert form.write()
    assert _setting(team) is False
    assert not _signs_in_empty(team, "ivanov")
    reopened = _open_settings(window)
    assert not reopened.editors["allow_empty_passwords"].get()


def test_untouched_it_stays_unset_and_follows_the_passwords(make_shell, engine):
    form = _open_settings(make_shell(engine))
    assert form.editors["allow_empty_passwords"].get()  # nobody has a password yet
    form.editors["invoice_due_days"].set(7)
    assert form.write(), form.messages.text()
    assert _setting(engine) is None
    with unit_of_work(engine) as ctx:
        set_password(ctx.session, "admin", "Пароль-1")
        assert get_setting(ctx.session, "invoice_due_days") == 7
    assert not _signs_in_empty(engine, "admin")


def test_a_manager_has_no_settings_form(make_shell, team):
    window = make_shell(team, "ivanov")
    window.choose_section("admin")
    assert window.section != "admin"
    from crmdesk.ui.forms.admin import SettingsForm

    with unit_of_work(team, "ivanov") as ctx, pytest.raises(Exception) as refused:
        SettingsForm.store(SettingsForm.__new__(SettingsForm), ctx, 1, {}, None)
    assert "Администр" in str(refused.value) or "прав" in str(refused.value)


def _inside():
    from PySide6.QtCore import QPoint

    return QPoint(6, 6)


def qtbot_shot_dir(engine):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.gettempdir()) / "h13-shots" / engine.dialect.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
