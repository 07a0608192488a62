"""Where the database is: --db URL, else CRMDESK_DB, else an SQLite file in the data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "crmdesk"


def data_dir() -> Path:
    path = Path(os.environ.get("CRMDESK_HOME") or user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'crmdesk.sqlite'}"


def normalize_url(url: str) -> str:
    """Accept a bare file path or a postgres URL the way users write them."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith(("sqlite:", "postgresql+psycopg:")):
        from crmdesk.services.errors import CrmError

        raise CrmError(
            f"Адрес базы данных «{url.split('://', 1)[0]}://…» не поддерживается: укажите путь "
            "к файлу SQLite или postgresql://пользователь@сервер:5432/база."
        )
    return url


def resolve_db_url(cli_url: str | None = None) -> str:
    return normalize_url(cli_url or os.environ.get("CRMDESK_DB") or default_db_url())


def describe_url(url: str) -> str:
    """How messages name a database: the file or the server, never the password."""
    from sqlalchemy.engine import make_url

    u = make_url(normalize_url(url))
    if u.get_backend_name() == "sqlite":
        return f"SQLite: {u.database}"
    return f"PostgreSQL: {u.host or 'localhost'}:{u.port or 5432}/{u.database}"


def private_files() -> None:
    """From here on every file this process creates — the SQLite database and its journal,
    backups, dumps, exports, settings, logs — is readable by the user only (umask 077). The
    command line and the desktop call it first thing; on Windows the user's profile folders
    are private already and this does nothing."""
    if os.name == "posix":
        os.umask(0o077)


def private_file(path: Path) -> Path:
    """Make a file readable and writable by its owner only (0600; no-op where chmod is not
    meaningful, as on Windows, whose user profile folders are private already)."""
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
    return path


def log_exception(exc: BaseException) -> Path | None:
    """Append an unexpected error's traceback (passwords cut out) to the program's error log,
    readable by the user only; returns the log's path, or None when it cannot be written."""
    import traceback
    from datetime import UTC, datetime

    from crmdesk.services.faults import scrub

    try:
        path = data_dir() / "crmdesk-errors.log"
        text = "".join(traceback.format_exception(exc))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now(UTC).isoformat()}\n{scrub(text)}\n")
        return path
    except Exception:  # noqa: BLE001 — the log is a help, never a second failure
        return None


def resources_dir() -> Path:
    """The folder with fonts/, icons/, translations/.

    In order: ``CRMDESK_RESOURCES``; a frozen build (PyInstaller, ``sys._MEIPASS``); an
    installed wheel (``crmdesk/resources``, mapped from the tree's ``resources/`` by
    pyproject.toml); the source tree or an editable install (``resources/`` beside the
    package).
    """
    here = Path(__file__).resolve().parent
    candidates = []
    if os.environ.get("CRMDESK_RESOURCES"):
        candidates.append(Path(os.environ["CRMDESK_RESOURCES"]))
    if getattr(sys, "_MEIPASS", None):
        candidates.append(Path(sys._MEIPASS) / "resources")
    candidates += [here / "resources", here.parent / "resources"]
    for path in candidates:
        if (path / "fonts").is_dir():
            return path
    raise FileNotFoundError(
        "Не найдена папка ресурсов crmdesk (fonts, icons, translations); искали в: "
        + ", ".join(str(p) for p in candidates)
    )
