"""Duplicates: another client with the same INN or the same phone.

Before a client is written, the card asks ``find_duplicates`` and shows what it says, each
with a link to the other client. Saving anyway makes sense for a phone (a business centre's
switchboard, a person and the firm) and for an INN with a different KPP (a branch); the same
INN with the same KPP (or with none: a person, an ИП) is refused by the rules themselves
(``check_inn``, called by create_client and update_client) — one firm is one client; the
old card is merged into the new one with «Объединение клиентов» (``services/merge.py``).
Clients marked for deletion are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import select

from crmdesk.models import Client, ClientPhone
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.phones import format_phone, normalize_phone
from crmdesk.services.settings import phone_region

LIMIT = 5  # others named per INN or phone


@dataclass(frozen=True)
class Duplicate:
    """Another client sharing a key with the one being written."""

    client_id: int  # 0 and no name: another manager's client this user may not see
    name: str
    field: str  # «ИНН» or «Телефон»
    value: str  # the INN, or the phone as shown
    blocking: bool  # the write is refused
    visible: bool  # the user may open the other client

    @property
    def message(self) -> str:
        who = f"«{self.name}» (код {self.client_id})" if self.visible else "другого менеджера"
        if self.field == "ИНН" and self.blocking:
            return (
                f"Клиент с ИНН {self.value} уже есть: {who}. Один клиент — одна карточка; "
                "если это филиал, укажите его КПП."
            )
        if self.field == "ИНН":
            return f"ИНН {self.value} уже есть у клиента {who} (другой КПП: филиал?)."
        return f"Телефон {self.value} уже есть у клиента {who}."


def _same_inn(ctx: Context, inn: str, kpp: str | None, client_id: int | None):
    stmt = (
        select(Client.id, Client.name, Client.kpp, Client.owner_id)
        .where(Client.inn == inn, Client.deletion_mark.is_(False))
        .order_by(Client.id)
        .limit(LIMIT)
    )
    if client_id is not None:
        stmt = stmt.where(Client.id != client_id)
    out = []
    for cid, name, other_kpp, owner_id in ctx.session.execute(stmt):
        # a branch has its own KPP; without KPPs (a person, an ИП) the INN is the client
        blocking = not (kpp and other_kpp and kpp != other_kpp)
        out.append((cid, name, owner_id, blocking))
    return out


def _visible(ctx: Context, owner_id: int | None) -> bool:
    return rights.can_read_client(ctx.user, SimpleNamespace(owner_id=owner_id))


def _dup(ctx: Context, cid: int, name: str, owner_id, field: str, value: str, blocking: bool):
    """Nothing a user may not read leaves the rules: another manager's client is not named."""
    visible = _visible(ctx, owner_id)
    if not visible:
        cid, name = 0, ""
    return Duplicate(cid, name, field, value, blocking, visible)


def check_inn(ctx: Context, inn: str | None, kpp: str | None, client_id: int | None) -> None:
    """Refuse a second client with the same INN and KPP (the rules' part of the check)."""
    if not inn:
        return
    for cid, name, owner_id, blocking in _same_inn(ctx, inn, kpp, client_id):
        if blocking:
            raise ValidationError("ИНН", _dup(ctx, cid, name, owner_id, "ИНН", inn, True).message)


def _phones(ctx: Context, data: dict) -> list[str]:
    region = phone_region(ctx.session)
    out = []
    for item in data.get("phones") or []:
        raw = item.get("number") if isinstance(item, dict) else item
        try:
            phone = normalize_phone(raw, region=region)
        except ValidationError:
            continue  # the save will say what is wrong with it
        if phone and phone.e164 not in out:
            out.append(phone.e164)
    return out


def find_duplicates(ctx: Context, data: dict, client_id: int | None = None) -> list[Duplicate]:
    """Other clients with the INN or a phone of ``data`` (the fields of the client's card,
    as create_client takes them); ``client_id``: the client being changed, not counted."""
    found: list[Duplicate] = []
    inn = (data.get("inn") or "").strip()
    if inn:
        kpp = (data.get("kpp") or "").strip() or None
        for cid, name, owner_id, blocking in _same_inn(ctx, inn, kpp, client_id):
            found.append(_dup(ctx, cid, name, owner_id, "ИНН", inn, blocking))
    phones = _phones(ctx, data)
    if phones:
        stmt = (
            select(ClientPhone.e164, Client.id, Client.name, Client.owner_id)
            .join(Client, Client.id == ClientPhone.client_id)
            .where(ClientPhone.e164.in_(phones), Client.deletion_mark.is_(False))
            .order_by(Client.id)
            .limit(LIMIT * len(phones))
        )
        if client_id is not None:
            stmt = stmt.where(Client.id != client_id)
        seen = set()
        for e164, cid, name, owner_id in ctx.session.execute(stmt):
            if (cid, e164) not in seen:
                seen.add((cid, e164))
                shown = format_phone(e164)
                found.append(_dup(ctx, cid, name, owner_id, "Телефон", shown, False))
    return found
