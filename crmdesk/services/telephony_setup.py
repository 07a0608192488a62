"""Telephony settings: where the PBX's manager interface is, its secret, users' extensions.

The secret never goes into the database: ``configure`` puts it in the secret store under
``secret_key(database_id, "ami", user)``; the CLI and the headless process may give it in
``CRMDESK_AMI_SECRET`` instead.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crmdesk.models import User
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.settings import database_id, get_setting, set_setting

AMI_ENV = "CRMDESK_AMI_SECRET"


def ami_secret_key(session: Session, ami_user: str) -> str:
    from crmdesk.services.secrets import secret_key

    return secret_key(database_id(session), "ami", ami_user)


def configure(
    ctx: Context, host: str, port: int | str, ami_user: str, secret: str | None = None,
    channel: str | None = None, context: str | None = None,
) -> dict:
    """Remember where the PBX's manager interface is; the secret goes to the secret store."""
    from crmdesk.services.secrets import store_secret

    ctx.require(rights.ADMIN)
    if not (host or "").strip():
        raise ValidationError("Адрес АТС", "не заполнено")
    try:
        port = int(port)
        if not 0 < port < 65536:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError("Порт", f"«{port}» — нужно число от 1 до 65535") from None
    if not (ami_user or "").strip():
        raise ValidationError("Пользователь AMI", "не заполнено")
    data = {
        "host": host.strip(), "port": port, "user": ami_user.strip(),
        "channel": channel or "PJSIP/{ext}", "context": context or "from-internal",
    }
    set_setting(ctx.session, "telephony_ami", data)
    stored = None
    if secret:
        stored = store_secret(ami_secret_key(ctx.session, data["user"]), secret)
    return {**data, "secret_stored": stored}


def ami_config(session: Session) -> dict | None:
    data = get_setting(session, "telephony_ami")
    return dict(data) if data else None


def ami_connect_params(session: Session) -> dict:
    """host, port, user and the secret (CRMDESK_AMI_SECRET, the store, or this session)."""
    from crmdesk.services.secrets import require_secret

    cfg = ami_config(session)
    if cfg is None:
        raise NotFound(
            "Телефония не настроена: выполните «crmdesk telephony setup --host … --port 5038 "
            "--ami-user …» или укажите АТС в настройках."
        )
    key = ami_secret_key(session, cfg["user"])
    cfg["secret"] = require_secret(key, f"пароль пользователя AMI «{cfg['user']}»", AMI_ENV)
    return cfg


def set_extension(ctx: Context, login: str, ext: str | None) -> User:
    if login != ctx.user.login:
        ctx.require(rights.ADMIN)
    user = ctx.session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(f"Пользователь «{login}» не найден.")
    ext = (ext or "").strip() or None
    if ext is not None:
        if not ext.isdigit() or len(ext) > 8:
            raise ValidationError("Внутренний номер", f"«{ext}» — нужны только цифры, до 8")
        other = ctx.session.scalar(select(User).where(User.extension == ext, User.id != user.id))
        if other is not None:
            raise ValidationError(
                "Внутренний номер", f"{ext} уже у пользователя {other.login} ({other.full_name})"
            )
    user.extension = ext
    ctx.session.flush()
    return user


def user_by_ext(session: Session, ext: str | None) -> User | None:
    if not ext:
        return None
    return session.scalar(select(User).where(User.extension == ext))
