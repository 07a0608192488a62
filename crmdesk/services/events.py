"""The hook point between the documents and whoever follows them (the pipeline's event
rules): ``emit(ctx, event, **data)`` after a document is posted, a deal's documents are
received… Handlers live in the modules of ``HANDLER_MODULES``, imported on the first emit;
each registers itself with ``subscribe``. A handler runs inside the caller's unit of work:
what it does commits or rolls back with the posting that caused it."""

from __future__ import annotations

import importlib
from collections.abc import Callable

HANDLER_MODULES = ("crmdesk.services.pipeline",)
_handlers: dict[str, list[Callable]] = {}
_loaded = False


def subscribe(event: str, handler: Callable) -> None:
    if handler not in _handlers.setdefault(event, []):
        _handlers[event].append(handler)


def emit(ctx, event: str, **data) -> None:
    """Call every handler of ``event`` with (ctx, **data)."""
    global _loaded
    if not _loaded:
        for name in HANDLER_MODULES:
            importlib.import_module(name)
        _loaded = True
    for handler in _handlers.get(event, ()):
        handler(ctx, **data)
