"""A server database's password: kept in the credential store, never in a settings file.

The desktop remembers which database it opens (``ui-state.ini``) as a URL *without* the
password; the password goes to ``services.secrets`` under a key made of the user, server and
database (``crmdesk/connection/postgresql/USER@HOST:PORT/DB``: the database's own id cannot
name it, because reading that id needs the password). At start the password comes back from
the store, else from ``CRMDESK_DB_PASSWORD``, else the desktop asks for it.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from crmdesk.services import secrets

ENV = "CRMDESK_DB_PASSWORD"


def split_password(url: str) -> tuple[str, str | None]:
    """(the URL without its password, the password or None)."""
    u = make_url(url)
    if not u.password:
        return url, None
    return u._replace(password=None).render_as_string(hide_password=False), str(u.password)


def password_key(url: str) -> str:
    u = make_url(url)
    name = f"{u.username or ''}@{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"
    return secrets.secret_key("connection", u.get_backend_name(), name)


def keep_password(url: str) -> str:
    """Put the URL's password (if any) into the credential store; the URL to remember."""
    bare, password = split_password(url)
    if password:
        secrets.store_secret(password_key(bare), password)
    return bare


def with_password(url: str, password: str | None = None) -> str:
    """The URL to connect with: the given password, else the stored one, else as it is."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" or u.password:
        return url
    password = password or secrets.get_secret(password_key(url), ENV)
    if not password:
        return url
    return u.set(password=password).render_as_string(hide_password=False)


def password_refused(exc: BaseException) -> bool:
    """Whether connecting failed for want of the right password (then the desktop asks)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "password authentication failed" in text or "no password supplied" in text
