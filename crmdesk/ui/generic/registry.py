"""The registry of entities and special forms, kept in the generic layer.

It is filled once at start from the explicit list in ``crmdesk.ui.forms.FORMS``
(``crmdesk.ui.forms.install()``); the generic pieces and the shell only read it here and
never import a form module, so the order in which forms are opened does not matter.
"""

from __future__ import annotations

from collections.abc import Callable

from crmdesk.services.errors import CrmError
from crmdesk.ui.generic.base import Entity, guarded

_ENTITIES: dict[str, Entity] = {}
_SPECIALS: dict[str, Callable] = {}  # kind -> (shell, target) -> form | None
_PRINT_FORMS: list[Callable] = []  # the provider: doc_type -> [(title, handler(shell, id))]


class FormNotFound(CrmError):
    """A form was asked for that is not in the registry."""

    def __init__(self, name: str):
        super().__init__(f"Форма «{name}» не найдена: она не зарегистрирована в программе.")


def register(e: Entity) -> Entity:
    _ENTITIES[e.name] = e
    return e


def register_special(kind: str, open_: Callable) -> Callable:
    """A form that is not an entity (report, import wizard…): ``open_(shell, target)``."""
    _SPECIALS[kind] = open_
    return open_


def register_print_forms(provider: Callable) -> None:
    _PRINT_FORMS[:] = [provider]


def print_forms(doc_type: str) -> list[tuple[str, Callable]]:
    """The Печать menu of a document type: (title, handler(shell, doc_id))."""
    return _PRINT_FORMS[0](doc_type) if _PRINT_FORMS else []


def entity(name: str) -> Entity:
    try:
        return _ENTITIES[name]
    except KeyError:
        raise FormNotFound(name) from None


def entities() -> dict[str, Entity]:
    return dict(_ENTITIES)


def entity_of_list(list_name: str) -> Entity:
    for e in _ENTITIES.values():
        if e.list_name == list_name:
            return e
    raise FormNotFound(list_name)


def special(kind: str) -> Callable:
    try:
        return _SPECIALS[kind]
    except KeyError:
        raise FormNotFound(kind) from None


def opener(form_cls):
    """How an entity opens: its form in the shell, one window per object."""

    def open_(shell, obj_id=None, initial=None):
        key = f"{form_cls.entity_name}:{obj_id}" if obj_id else None
        if key and shell.activate(key):
            return shell.form(key)
        form = form_cls(shell, obj_id, initial)
        shell.show_form(form)
        return form

    return open_


def open_entity(shell, name: str, obj_id: int | None = None, initial: dict | None = None):
    """Open an entity's form; any error becomes a message box. Returns the form or None."""
    parent = shell if hasattr(shell, "mdi") else None
    return guarded(parent, lambda: entity(name).open(shell, obj_id, initial))
