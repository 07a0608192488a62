"""The main window's menu bar, as in 1C: «Файл», «Вид» (the panels), «Сервис», «Справка».

Commands the user has no right to are not in the menus at all (the rules layer refuses
them anyway); a menu left empty is not shown.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QProcess
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from crmdesk.services import rights
from crmdesk.ui.generic.base import guarded
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon


def build_menus(window) -> None:
    bar = window.menuBar()
    view = getattr(window, "view_menu", None)
    file_menu = QMenu(tr("Файл"), window)
    file_menu.setObjectName("menu_file")
    switch = file_menu.addAction(icon("users"), tr("Сменить пользователя…"))
    switch.triggered.connect(lambda: switch_user(window))
    if window.app.can(rights.ADMIN):
        params = file_menu.addAction(icon("settings"), tr("Параметры…"))
        params.triggered.connect(lambda: _open(window, "settings"))
    file_menu.addSeparator()
    leave = file_menu.addAction(tr("Выход"))
    leave.setShortcut(QKeySequence("Alt+F4"))
    leave.triggered.connect(window.close)
    if view is not None:
        bar.insertMenu(view.menuAction(), file_menu)
    else:
        bar.addMenu(file_menu)

    service = bar.addMenu(tr("Сервис"))
    service.setObjectName("menu_service")
    for kind, target, text, name in (
        ("backup", "backup", "Резервное копирование…", "backup"),
        ("purge", "purge", "Удаление помеченных объектов…", "mark_deletion"),
    ):
        if window.app.can(rights.ADMIN):
            action = service.addAction(icon(name), tr(text))
            action.triggered.connect(
                lambda _=False, k=kind, t=target: window.open_special(k, t)
            )
    if window.app.can(rights.ADMIN):
        users = service.addAction(icon("users"), tr("Пользователи"))
        users.triggered.connect(lambda: window.open_list("users"))
    service.menuAction().setVisible(not service.isEmpty())

    help_menu = bar.addMenu(tr("Справка"))
    help_menu.setObjectName("menu_help")
    about = help_menu.addAction(tr("О программе…"))
    about.triggered.connect(lambda: QMessageBox.about(window, tr("О программе"),
                                                      about_text(window)))
    window.file_menu, window.service_menu, window.help_menu = file_menu, service, help_menu


def about_text(window) -> str:
    """Version, the database this window works with, the licence."""
    from importlib import metadata

    from crmdesk import __version__

    try:
        licence = metadata.metadata("crmdesk").get("License") or "Proprietary"
    except metadata.PackageNotFoundError:
        licence = "Proprietary"
    return "\n".join(
        [
            "crmdesk — " + tr("CRM для небольшого офиса"),
            tr("Версия: {0}").format(__version__),
            tr("База: {0}").format(window.app.database),
            tr("Лицензия: {0}").format(licence),
        ]
    )


def _open(window, name: str) -> None:
    from crmdesk.ui.generic.registry import entity

    guarded(window, lambda: entity(name).open(window, None, None))


def switch_user(window) -> None:
    """Close this window (its forms ask to save first) and start the program again: the
    login dialog then asks who works now."""
    args = [a for i, a in enumerate(sys.argv[1:], 1)
            if a != "--user" and sys.argv[i - 1] != "--user" and not a.startswith("--user=")]
    if not window.close():
        return
    QProcess.startDetached(sys.executable, [sys.argv[0], *args] if sys.argv[0] else args)
