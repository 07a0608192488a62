"""Scheduled backups of a PostgreSQL base, each checked by restoring it.

``backup.backup`` makes the copy (``pg_dump -Fc``, rotation 7 daily + 4 weekly) and
checks that ``pg_restore --list`` reads it. ``verify_dump`` goes further: the copy is
restored into a scratch database on the same server (``crmdesk_verify_…``), opened and
counted as a restore would be (users present, schema brought up to date), then the scratch
database is dropped — a copy that would not restore is known the night it was made, not
the day it is needed. ``scheduled_backup`` is both, for cron / the Task Scheduler:

    crmdesk pg-backup --db postgresql+psycopg://crm@server/crm --to /srv/crm-backups

The password comes from the secret store or PGPASSWORD / ~/.pgpass, never the command line.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from crmdesk.services.backup import BackupResult, backup, backup_kind, restore
from crmdesk.services.errors import CrmError


@dataclass
class VerifyResult:
    file: Path
    clients: int
    documents: int
    schema: str | None
    seconds: float

    @property
    def message(self) -> str:
        return (f"Копия {self.file.name} восстанавливается: клиентов {self.clients}, "
                f"документов {self.documents}, схема {self.schema} ({self.seconds:.1f} с)")

    def as_dict(self) -> dict:
        return {"file": str(self.file), "clients": self.clients, "documents": self.documents,
                "schema": self.schema, "seconds": round(self.seconds, 2),
                "message": self.message}


def _admin_engine(url):
    from crmdesk.db import make_engine

    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    return make_engine(admin, isolation_level="AUTOCOMMIT")


def verify_dump(engine: Engine, file) -> VerifyResult:
    """Restore ``file`` (a pg_dump custom copy) into a scratch database of ``engine``'s
    server, check it, drop it. Raises CrmError naming what failed."""
    from crmdesk.db import make_engine
    from crmdesk.models import Document

    file = Path(file).expanduser()
    if engine.dialect.name != "postgresql":
        raise CrmError("Проверка восстановлением — для базы PostgreSQL; копии SQLite "
                       "проверяются integrity_check при создании.")
    if not file.is_file():
        raise CrmError(f"Файл {file} не найден.")
    if backup_kind(file) != "pg_dump":
        raise CrmError(f"{file.name}: это не копия pg_dump (формат custom).")
    started = time.monotonic()
    scratch = f"crmdesk_verify_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(engine.url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = engine.url.set(database=scratch).render_as_string(hide_password=False)
        try:
            result = restore(file, url)
        except CrmError as exc:
            raise CrmError(f"Копия {file.name} НЕ восстанавливается: {exc}") from None
        check = make_engine(url)
        try:
            with check.connect() as conn:
                documents = conn.scalar(select(func.count()).select_from(Document))
        finally:
            check.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()
    return VerifyResult(file, result.clients, documents, result.schema,
                        time.monotonic() - started)


def scheduled_backup(engine: Engine, to_dir=None, verify: bool = True,
                     rotate: bool = True) -> tuple[BackupResult, VerifyResult | None]:
    """The copy (with rotation) and, for a pg_dump copy, its check by restoring."""
    result = backup(engine, to_dir=to_dir, rotate=rotate)
    if not result.ok:
        raise CrmError(result.message)
    checked = None
    if verify and result.method == "pg_dump":
        checked = verify_dump(engine, result.path)
    return result, checked
