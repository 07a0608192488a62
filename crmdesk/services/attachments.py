"""Files attached to clients, deals and documents, stored in the database."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from sqlalchemy import select

from crmdesk.models import Attachment, Client, Deal, Document
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError

OWNERS = {"client": Client, "deal": Deal, "document": Document}
MAX_SIZE = 50 * 1024 * 1024
# owners whose files are not a client's: owner_type → check(ctx, owner_id, write) that raises
# NotFound / AccessDenied (service requests register theirs: services/requests.py)
ACCESS_CHECKS: dict = {}


def _owner_client(ctx: Context, owner_type: str, owner_id: int) -> Client:
    model = OWNERS.get(owner_type)
    if model is None:
        raise ValidationError("Владелец файла", f"неизвестен вид «{owner_type}»")
    owner = ctx.session.get(model, owner_id)
    if owner is None:
        raise NotFound(f"Объект {owner_type} с кодом {owner_id} не найден.")
    return owner if isinstance(owner, Client) else owner.client


def attach(
    ctx: Context, owner_type: str, owner_id: int, name: str, data: bytes, mime: str | None = None
) -> Attachment:
    if owner_type in ACCESS_CHECKS:
        ACCESS_CHECKS[owner_type](ctx, owner_id, True)
    else:
        rights.check_write_client(ctx.user, _owner_client(ctx, owner_type, owner_id))
    if not name.strip():
        raise ValidationError("Имя файла", "не заполнено")
    if len(data) > MAX_SIZE:
        raise ValidationError("Файл", f"больше {MAX_SIZE // 1024 // 1024} МБ")
    item = Attachment(
        owner_type=owner_type,
        owner_id=owner_id,
        name=name.strip(),
        mime=mime or mimetypes.guess_type(name)[0],
        size=len(data),
        data=data,
        added_by_id=ctx.user.id,
    )
    ctx.session.add(item)
    ctx.session.flush()
    return item


def attach_file(ctx: Context, owner_type: str, owner_id: int, path: str | Path) -> Attachment:
    path = Path(path)
    return attach(ctx, owner_type, owner_id, path.name, path.read_bytes())


def attachments(ctx: Context, owner_type: str, owner_id: int) -> list[Attachment]:
    if owner_type in ACCESS_CHECKS:
        ACCESS_CHECKS[owner_type](ctx, owner_id, False)
    else:
        rights.check_read_client(ctx.user, _owner_client(ctx, owner_type, owner_id))
    return list(
        ctx.session.scalars(
            select(Attachment)
            .where(Attachment.owner_type == owner_type, Attachment.owner_id == owner_id)
            .order_by(Attachment.id)
        )
    )
