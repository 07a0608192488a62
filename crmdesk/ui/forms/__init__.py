"""The working forms: one short declaration per entity on top of ui/generic.

``FORMS`` is the one explicit list of form modules; ``install()`` imports them once at
start (the main window calls it) and each registers its entities and special forms in
``crmdesk.ui.generic.registry``. Adding a form is one line in ``FORMS``.
"""

from __future__ import annotations

import importlib

from crmdesk.ui.generic.registry import (  # noqa: F401  (the forms' and tests' one import)
    entities,
    entity,
    opener,
    register,
    register_special,
)

FORMS: tuple[str, ...] = (
    "admin",
    "bank",
    "calls",
    "catalog",
    "clients",
    "contracts",
    "design",
    "documents",
    "planning",
    "printing",
    "board",
    "deals",
    "processes",
    "monitor",
    "plans",
    "leads",
    "mail",
    "mailings",
    "reports",
    "templates",
    "transfer",
    "requests",
    "housing",  # after «requests»: its items go into the «Обслуживание» section
)

_installed = False


def install() -> None:
    """Register every form of ``FORMS``; called once at start, harmless when repeated."""
    global _installed
    if _installed:
        return
    for name in FORMS:
        importlib.import_module(f"{__name__}.{name}")
    _installed = True
