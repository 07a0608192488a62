"""«Структура подчинённости» of a document: the chain of documents created on the basis of
each other, from the first one down, as 1C shows it. Qt-free; read rights as for any
document (a document the user may not read is left out with its branch)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crmdesk.models import Document
from crmdesk.services.context import Context
from crmdesk.services.documents import get_document
from crmdesk.services.errors import AccessDenied, NotFound

MAX_DEPTH = 50  # a damaged chain (a loop) cannot hang the form


@dataclass(frozen=True)
class Node:
    id: int
    doc_type: str
    title: str
    posted: bool
    marked: bool
    depth: int
    current: bool  # the document the structure was asked for


def structure(ctx: Context, doc_id: int) -> list[Node]:
    """The tree as rows in display order (depth gives the level)."""
    doc = get_document(ctx, doc_id)
    root, seen = doc, {doc.id}
    while root.basis_id is not None and root.basis_id not in seen and len(seen) < MAX_DEPTH:
        try:
            root = get_document(ctx, root.basis_id)
        except (AccessDenied, NotFound):
            break
        seen.add(root.id)
    rows: list[Node] = []
    visited: set[int] = set()

    def walk(d: Document, depth: int) -> None:
        visited.add(d.id)
        rows.append(Node(d.id, d.doc_type, d.title, bool(d.posted), bool(d.deletion_mark),
                         depth, d.id == doc_id))
        if depth >= MAX_DEPTH:
            return
        children = ctx.session.scalars(
            select(Document.id).where(Document.basis_id == d.id).order_by(Document.date,
                                                                           Document.id)
        ).all()
        for child_id in children:
            if child_id in visited:
                continue
            try:
                child = get_document(ctx, child_id)
            except (AccessDenied, NotFound):
                continue
            walk(child, depth + 1)

    walk(root, 0)
    return rows
