"""What every form in the MDI area shares: the shell it lives in and how it reports errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtWidgets import QMessageBox, QWidget

from crmdesk.services.errors import CrmError, InvalidData
from crmdesk.ui.i18n import tr, tr_error

log = logging.getLogger("crmdesk.ui")


def error_text(exc: BaseException) -> str:
    """What the user reads: the rules' own text, or a plain sentence for anything else."""
    from crmdesk.services import errors

    if isinstance(exc, CrmError):
        return tr_error(exc)  # in the interface's language, values kept
    friendly = getattr(errors, "friendly", None)  # known library and system failures
    if friendly is not None:
        try:
            known = friendly(exc)
        except Exception:  # noqa: BLE001 — the message must be shown whatever happens
            log.exception("friendly() failed")
            known = None
        if known is not None:
            return tr_error(known)
    return tr("Непредвиденная ошибка: {0}. Подробности записаны в журнал программы.").format(
        type(exc).__name__
    )


def show_error(parent: QWidget | None, exc: Exception) -> None:
    if not isinstance(exc, CrmError):
        log.error("unexpected error", exc_info=exc)
        QMessageBox.critical(parent, tr("Ошибка"), error_text(exc))
        return
    QMessageBox.warning(parent, tr("crmdesk"), error_text(exc))


def guarded(parent: QWidget | None, run: Callable, *args):
    """Run ``run(*args)``; any error, expected or not, becomes a message box (returns None)."""
    try:
        return run(*args)
    except Exception as exc:  # noqa: BLE001 — no traceback or silence reaches the user
        show_error(parent, exc)
        return None


def error_list(exc: CrmError) -> list:
    return list(exc.errors) if isinstance(exc, InvalidData) else [exc]


class FormBase(QWidget):
    """A form hosted by the shell (the main window, or a stand-alone shell in tests)."""

    form_key = ""  # what identifies the form: reopening it activates the open one

    def __init__(self, shell, parent=None):
        super().__init__(parent)
        self.shell = shell
        self.app = shell.app

    def can_close(self) -> bool:
        return True

    def current_client(self) -> int | None:
        """The client this form is about now (the quick card shows it when it is active)."""
        return None


@dataclass
class Command:
    """An extra command of a list (post, create on basis, record a call…)."""

    icon: str
    text: str
    run: Callable  # (list_form, row_id)
    shortcut: object = None
    needs_row: bool = True


@dataclass
class Entity:
    """What the shell needs to know of a kind of object to list, open, copy and mark it."""

    name: str
    list_name: str
    icon: str
    open: Callable  # (shell, obj_id | None, initial values | None) -> None
    mark: Callable | None = None  # (ctx, obj_id, flag)
    copy: Callable | None = None  # (ctx, obj_id) -> initial values of a new one
    create_permission: str | None = None
    list_commands: list[Command] = field(default_factory=list)
    affects: tuple[str, ...] = ()  # other lists a change here alters

    def can_create(self, app) -> bool:
        return self.create_permission is None or app.can(self.create_permission)
