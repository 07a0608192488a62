"""The working forms: one short declaration per entity on top of ui/generic."""

from __future__ import annotations

from crmdesk.ui.generic.base import Entity

_ENTITIES: dict[str, Entity] = {}


def register(e: Entity) -> Entity:
    _ENTITIES[e.name] = e
    return e


def entity(name: str) -> Entity:
    if not _ENTITIES:
        _load()
    return _ENTITIES[name]


def entities() -> dict[str, Entity]:
    if not _ENTITIES:
        _load()
    return dict(_ENTITIES)


def _load() -> None:
    from crmdesk.ui.forms import (  # noqa: F401  (each module registers its entities)
        admin,
        catalog,
        clients,
        design,
        documents,
        planning,
    )


def opener(form_cls):
    """How an entity opens: its form in the shell, one window per object."""

    def open_(shell, obj_id=None, initial=None):
        key = f"{form_cls.entity_name}:{obj_id}" if obj_id else None
        if key and shell.activate(key):
            return None
        form = form_cls(shell, obj_id, initial)
        shell.show_form(form)
        return form

    return open_
