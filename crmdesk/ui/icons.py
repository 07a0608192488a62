"""The bundled icon set: ``icon("add")`` gives a QIcon by one of the names in ``NAMES``.

The pictures live in ``resources/icons/NAME.svg`` (Breeze icons, LGPL-3+, and the
application icon drawn for crmdesk; see resources/icons/README.md for which file is which).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from crmdesk.config import resources_dir

ICONS_DIR = resources_dir() / "icons"

log = logging.getLogger(__name__)

# every name the UI may ask for; tests check that each one loads
NAMES = (
    # list and form commands
    "add", "copy", "edit", "mark_deletion", "marked", "posted", "unposted", "post", "unpost",
    "refresh", "find", "find_clear", "print", "print_preview", "save", "save_close",
    "export_xlsx", "export_pdf", "basis", "filter", "columns", "attachment",
    # navigation and the shell
    "back", "forward", "favourite", "history", "home", "close", "settings", "search", "logout",
    # objects
    "user", "users", "role", "client", "company", "person", "contact", "group", "product",
    "proposal", "order", "invoice", "payment", "task", "task_overdue", "reminder", "call",
    "meeting", "letter", "note", "report", "chart", "deal", "kanban", "mail", "sms", "phone",
    "organization",
    # administration
    "import", "backup", "restore",
    # sections
    "section_main", "section_crm", "section_sales", "section_money", "section_reports",
    "section_catalogs", "section_admin",
    "app",
)  # fmt: skip


@cache
def icon(name: str) -> QIcon:
    """The icon called ``name``; an empty icon (and a logged warning) when there is none."""
    found = QIcon()
    for suffix in (".svg", ".png"):
        path = ICONS_DIR / f"{name}{suffix}"
        if path.is_file():
            found.addFile(str(path))
    if found.isNull():
        log.warning("icon %r not found in %s", name, ICONS_DIR)
    return found


def app_icon_path(suffix: str = ".png") -> Path:
    """The application icon as a file (``.png`` 256 px, ``.ico``, ``.svg``) for installers."""
    return ICONS_DIR / f"app{suffix}"
