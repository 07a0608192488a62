"""What every flush does, whoever calls it: keep clients' search text, stamp who, log changes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from crmdesk.models import (
    AuditEntry,
    Client,
    ClientEmail,
    ClientPhone,
    ContactPerson,
    Deal,
    Document,
    Organization,
    Product,
    Task,
    User,
)
from crmdesk.models.base import Versioned
from crmdesk.services.search import client_search_name, client_search_text

AUDITED = {
    Client: "client",
    ContactPerson: "contact",
    Product: "product",
    Task: "task",
    Deal: "deal",
    Document: "document",
    Organization: "organization",
    User: "user",
}
SKIP = {"version", "updated_at", "updated_by_id", "search_name", "search_text", "password_hash"}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return f"<{len(value)} байт>"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, Decimal)):
        return str(value)
    return str(value)


def _audit(session: Session, obj, user_id: int | None, created: bool) -> None:
    kind = AUDITED.get(type(obj))
    if kind is None:
        return
    if created:
        session.info.setdefault("_audit_new", []).append((obj, kind))
        return
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in SKIP:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = _text(hist.deleted[0]) if hist.deleted else None
        new = _text(hist.added[0]) if hist.added else None
        if old != new:
            session.add(
                AuditEntry(
                    user_id=user_id,
                    object_type=kind,
                    object_id=obj.id,
                    field=attr.key,
                    old_value=old,
                    new_value=new,
                )
            )


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx, _instances) -> None:
    user_id = session.info.get("user_id")
    touched: set[Client] = set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Client):
            touched.add(obj)
        elif isinstance(obj, (ClientPhone, ClientEmail)) and obj.client is not None:
            touched.add(obj.client)
        if isinstance(obj, Versioned) and session.is_modified(obj):
            obj.updated_by_id = user_id
        if obj in session.new or session.is_modified(obj):
            _audit(session, obj, user_id, obj in session.new)
    for obj in session.deleted:
        client = (
            getattr(obj, "client", None) if isinstance(obj, (ClientPhone, ClientEmail)) else None
        )
        if client is not None and client not in session.deleted:
            touched.add(client)
    for client in touched:
        name, text = client_search_name(client), client_search_text(client)
        if client.search_name != name:
            client.search_name = name
        if client.search_text != text:
            client.search_text = text


def _label(obj) -> str | None:
    for key in ("name", "number", "title", "login"):
        if getattr(obj, key, None):
            return getattr(obj, key)
    return None


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx) -> None:
    created = session.info.pop("_audit_new", [])
    for obj, kind in created:
        session.add(
            AuditEntry(
                user_id=session.info.get("user_id"),
                object_type=kind,
                object_id=obj.id,
                field="(создан)",
                new_value=_text(_label(obj)),
            )
        )
