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
    return url


def resolve_db_url(cli_url: str | None = None) -> str:
    return normalize_url(cli_url or os.environ.get("CRMDESK_DB") or default_db_url())


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
