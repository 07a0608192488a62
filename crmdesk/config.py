"""Where the database is: --db URL, else CRMDESK_DB, else an SQLite file in the data folder."""

from __future__ import annotations

import os
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
    return url


def resolve_db_url(cli_url: str | None = None) -> str:
    return normalize_url(cli_url or os.environ.get("CRMDESK_DB") or default_db_url())
