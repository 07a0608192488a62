"""Secrets — mail passwords, SMS keys, the PBX secret, a server's database password.

They never sit in plain text in the database, settings files, logs, backups or dumps. A secret
lives in the operating system's credential store (Windows Credential Manager, the Secret
Service / KWallet on Linux, the macOS keychain) through ``keyring`` where the system has one;
where it has none, it is kept in this process's memory only, and the desktop asks for it at
its first use in a session (the command line reads an environment variable instead).

What the database keeps is only a *reference*: the key under which the secret is stored.
Keys are ``crmdesk/<database id>/<kind>/<name>`` so two databases on one computer never share
a secret; the database id is the ``database_id`` setting that ``setup.initialize`` creates.
"""

from __future__ import annotations

import os
import threading

from crmdesk.services.errors import CrmError

SERVICE = "crmdesk"

_memory: dict[str, str] = {}
_lock = threading.Lock()
_keyring_state: dict[str, object] = {}


class SecretMissing(CrmError):
    """A secret was asked for that is neither stored nor given in the environment."""

    def __init__(self, key: str, what: str, env: str | None = None):
        self.key, self.what, self.env = key, what, env
        hint = f" или задайте переменную окружения {env}" if env else ""
        super().__init__(
            f"Не задан секрет: {what}. На этом компьютере нет хранилища паролей системы, "
            f"поэтому его нужно ввести заново в каждом сеансе{hint}."
        )


def secret_key(database_id: str, kind: str, name: str) -> str:
    """The reference a setting or row stores instead of the secret itself."""
    return f"{SERVICE}/{database_id}/{kind}/{name}"


def _backend():
    """The keyring backend, or None where the system has no usable credential store."""
    if "backend" in _keyring_state:
        return _keyring_state["backend"]
    backend = None
    if os.environ.get("CRMDESK_NO_KEYRING") != "1":
        try:
            import keyring
            from keyring.backends import fail

            candidate = keyring.get_keyring()
            if not isinstance(candidate, fail.Keyring) and getattr(candidate, "priority", 1) > 0:
                backend = candidate
        except Exception:  # noqa: BLE001 — a broken keyring is the same as none
            backend = None
    _keyring_state["backend"] = backend
    return backend


def use_backend(backend) -> None:
    """Replace the credential store (tests give an in-memory keyring; None forgets it)."""
    _keyring_state["backend"] = backend


def keyring_available() -> bool:
    return _backend() is not None


def store_secret(key: str, value: str) -> str:
    """Keep a secret; returns where it went: ``"keyring"`` or ``"memory"`` (this session)."""
    if not value:
        forget_secret(key)
        return "memory"
    backend = _backend()
    if backend is not None:
        try:
            backend.set_password(SERVICE, key, value)
            with _lock:
                _memory.pop(key, None)
            return "keyring"
        except Exception:  # noqa: BLE001 — fall back to memory, never to a file
            pass
    with _lock:
        _memory[key] = value
    return "memory"


def get_secret(key: str, env: str | None = None) -> str | None:
    """The secret: the environment variable first (scripts, services), then the credential
    store, then what was typed in this session. None when it is nowhere."""
    if env and os.environ.get(env):
        return os.environ[env]
    with _lock:
        if key in _memory:
            return _memory[key]
    backend = _backend()
    if backend is not None:
        try:
            return backend.get_password(SERVICE, key)
        except Exception:  # noqa: BLE001
            return None
    return None


def require_secret(key: str, what: str, env: str | None = None) -> str:
    value = get_secret(key, env)
    if not value:
        raise SecretMissing(key, what, env)
    return value


def forget_secret(key: str) -> None:
    with _lock:
        _memory.pop(key, None)
    backend = _backend()
    if backend is not None:
        try:
            backend.delete_password(SERVICE, key)
        except Exception:  # noqa: BLE001 — nothing stored is the same as forgotten
            pass


def redact(text: str, *secrets: str | None) -> str:
    """The text with every given secret replaced by ***, for messages and logs."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text
