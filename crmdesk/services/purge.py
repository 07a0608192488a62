"""«Удаление помеченных объектов»: delete what is marked, refuse what is still referenced."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select

from crmdesk.models import (
    Attachment,
    Client,
    ClientGroup,
    ContactPerson,
    Deal,
    Document,
    DocumentLine,
    Interaction,
    Product,
    Settlement,
    Task,
    client_group_links,
)
from crmdesk.services import rights
from crmdesk.services.context import Context

# (model, label, [(referencing column, what it is called)])
REFERENCES = [
    (
        Document,
        "Документ",
        [(Document.basis_id, "документ-основание"), (Settlement.invoice_id, "расчёты по счёту")],
    ),
    (Deal, "Сделка", [(Document.deal_id, "документ"), (Interaction.deal_id, "взаимодействие")]),
    (Task, "Задача", []),
    (Interaction, "Взаимодействие", []),
    (
        ContactPerson,
        "Контактное лицо",
        [(Document.contact_id, "документ"), (Interaction.contact_id, "взаимодействие")],
    ),
    (Product, "Номенклатура", [(DocumentLine.product_id, "строка документа")]),
    (
        Client,
        "Клиент",
        [
            (Document.client_id, "документ"),
            (Deal.client_id, "сделка"),
            (Interaction.client_id, "взаимодействие"),
            (Task.client_id, "задача"),
        ],
    ),
    (ClientGroup, "Группа клиентов", [(client_group_links.c.group_id, "клиент")]),
]


@dataclass
class PurgeResult:
    deleted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _label(obj) -> str:
    return (
        getattr(obj, "number", None)
        or getattr(obj, "name", None)
        or getattr(obj, "title", None)
        or str(obj.id)
    )


def purge_marked(ctx: Context) -> PurgeResult:
    """Delete every marked object no unmarked-or-surviving object refers to."""
    rights.require(ctx.user, rights.ADMIN)
    result = PurgeResult()
    for model, label, refs in REFERENCES:
        for obj in ctx.session.scalars(select(model).where(model.deletion_mark.is_(True))):
            used = []
            for col, what in refs:
                if col.table is model.__table__ and col is not None:
                    n = ctx.session.scalar(
                        select(func.count()).where(col == obj.id, model.id != obj.id)
                    )
                else:
                    n = ctx.session.scalar(
                        select(func.count()).select_from(col.table).where(col == obj.id)
                    )
                if n:
                    used.append(f"{what} ({n})")
            if used:
                result.refused.append(f"{label} «{_label(obj)}»: используется — {', '.join(used)}")
                continue
            kind = {Client: "client", Deal: "deal", Document: "document"}.get(model)
            if kind:
                ctx.session.execute(
                    delete(Attachment).where(
                        Attachment.owner_type == kind, Attachment.owner_id == obj.id
                    )
                )
            result.deleted.append(f"{label} «{_label(obj)}»")
            ctx.session.delete(obj)
            ctx.session.flush()
    return result
