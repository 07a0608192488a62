"""Backups and restore: consistent copies while the office works, rotated, checked.

SQLite: the online backup API copies the database in one step — a snapshot, even while
other connections write (WAL) — then ``PRAGMA integrity_check`` runs on the copy
(``quick_check`` on copies over 256 MB, unless asked for the full one).
PostgreSQL: ``pg_dump -Fc`` when it is on PATH, else crmdesk's exchange dump; the result
says which. Copies are ``crmdesk-YYYYMMDD-HHMMSS.{sqlite,dump,json}`` in the backup folder;
the newest copy of each of the last 7 days and of each of the last 4 weeks is kept. The
state of the last backup lives in the settings, so the desktop can warn when it is old
or failed. A restore goes into a new database and is opened and checked before it is
reported done; a working SQLite file is first copied aside, never overwritten blindly.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from crmdesk.config import data_dir, normalize_url, private_file
from crmdesk.db import make_engine, open_database, read_only, schema_state, session_factory
from crmdesk.services.errors import CrmError
from crmdesk.services.settings import get_setting, set_setting

NAME = re.compile(r"^crmdesk-(\d{8})-(\d{6})(?:-(\d+))?\.(sqlite|dump|json)$")
DEFAULTS = {
    "backup_keep_daily": 7,
    "backup_keep_weekly": 4,
    "backup_interval_hours": 24,
    "backup_auto": True,
}
STATE_KEY = "backup_last"
METHODS = {
    "sqlite": "SQLite online backup",
    "pg_dump": "pg_dump -Fc",
    "exchange": "файл обмена crmdesk (pg_dump недоступен)",
}


@dataclass
class BackupResult:
    ok: bool
    path: Path | None
    method: str  # sqlite | pg_dump | exchange
    message: str
    size: int = 0
    at: datetime | None = None
    seconds: float = 0.0
    removed: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "file": str(self.path) if self.path else None,
            "method": self.method,
            "message": self.message,
            "size": self.size,
            "at": self.at.isoformat() if self.at else None,
            "seconds": round(self.seconds, 2),
            "removed": [str(p) for p in self.removed],
        }


@dataclass
class RestoreResult:
    url: str
    method: str  # sqlite | pg_restore | exchange
    clients: int
    schema: str | None
    aside: Path | None  # where the database that was there before went
    message: str

    def as_dict(self) -> dict:
        return {
            "url": make_url(self.url).render_as_string(hide_password=True),
            "method": self.method,
            "clients": self.clients,
            "schema": self.schema,
            "aside": str(self.aside) if self.aside else None,
            "message": self.message,
        }


# -- settings ---------------------------------------------------------------------------
def _setting(engine: Engine, key: str):
    try:
        with session_factory(read_only(engine))() as s:  # never the SQLite write lock
            value = get_setting(s, key)
    except Exception:  # no settings table yet, server away: the defaults hold
        value = None
    return DEFAULTS.get(key) if value is None else value


def _store(engine: Engine, key: str, value) -> None:
    with session_factory(engine)() as s, s.begin():
        set_setting(s, key, value)


def backup_dir(engine: Engine) -> Path:
    """The "backup_dir" setting, else ``backups`` next to the SQLite file or in the data dir."""
    configured = _setting(engine, "backup_dir")
    if configured:
        return Path(configured).expanduser()
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database).resolve().parent / "backups"
    return data_dir() / "backups"


def last_backup(engine: Engine) -> dict | None:
    """{"at", "ok", "message", "file", "method", "last_ok_at"} of the last backup, or None."""
    value = _setting(engine, STATE_KEY)
    return value if isinstance(value, dict) else None


def backup_due(engine: Engine, now: datetime | None = None) -> bool:
    """True when no backup succeeded within the interval (a day by default)."""
    now = now or datetime.now().astimezone()
    state = last_backup(engine) or {}
    last_ok = state.get("last_ok_at")
    if not last_ok:
        return True
    hours = float(_setting(engine, "backup_interval_hours") or 24)
    return now - datetime.fromisoformat(last_ok) >= timedelta(hours=hours)


def auto_backup_if_due(engine: Engine, now: datetime | None = None) -> BackupResult | None:
    """The desktop calls this at start and hourly: a backup when one is due and allowed."""
    if not _setting(engine, "backup_auto") or not backup_due(engine, now):
        return None
    return backup(engine, now=now)


def backup_status(engine: Engine, now: datetime | None = None) -> dict:
    """What the desktop shows: the last backup, whether one is due, where they go."""
    return {
        "last": last_backup(engine),
        "due": backup_due(engine, now),
        "dir": str(backup_dir(engine)),
        "keep_daily": int(_setting(engine, "backup_keep_daily")),
        "keep_weekly": int(_setting(engine, "backup_keep_weekly")),
    }


# -- backup -------------------------------------------------------------------------------
def _target(folder: Path, now: datetime, suffix: str) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"crmdesk-{stamp}.{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"crmdesk-{stamp}-{n}.{suffix}"
    return path


FULL_CHECK_BYTES = 256 * 2**20  # copies up to this size get the full integrity_check


def integrity(path: Path, full: bool = True) -> str:
    """'ok', or what ``PRAGMA integrity_check`` (``quick_check`` with ``full=False``) found
    wrong in an SQLite file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pragma = "integrity_check" if full else "quick_check"
        rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}")]
    finally:
        conn.close()
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def _sqlite_copy(src: sqlite3.Connection, path: Path) -> None:
    """One-step online backup (a snapshot even while others write), as a single file,
    without the running office's sessions, locks and change counters."""
    from crmdesk.services.exchange import clear_runtime

    dst = sqlite3.connect(path)
    try:
        src.backup(dst)
        with dst:
            clear_runtime(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()


PART_GRACE_SECONDS = 60  # a *.part younger than this may be another backup still writing


def remove_leftovers(folder: Path, now: float | None = None) -> list[Path]:
    """Delete the ``crmdesk-*.part`` files interrupted backups left (kill -9, power cut, a
    full disk): they are never a usable copy and keep a full disk full. Other files in the
    folder are never touched; a part written in the last minute is left to its writer."""
    now = time.time() if now is None else now
    removed = []
    for p in Path(folder).glob("crmdesk-*.part"):
        try:
            if p.is_file() and now - p.stat().st_mtime >= PART_GRACE_SECONDS:
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return sorted(removed)


@contextmanager
def _part_of(path: Path):
    """The temporary name a copy is written under; removed whenever writing fails."""
    part = path.with_name(path.name + ".part")
    try:
        yield part
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _backup_sqlite(engine: Engine, path: Path, check: str = "auto") -> str:
    """The online copy, then its check: ``full`` (integrity_check: every page, every index
    entry against its row), ``quick`` (quick_check: every page and record, not the index
    contents — half a minute saved on a database of gigabytes; the copy is page for page
    the source, whose indexes SQLite keeps), ``auto``: full up to ``FULL_CHECK_BYTES``."""
    with _part_of(path) as part:
        raw = engine.raw_connection()
        try:
            _sqlite_copy(raw.driver_connection, part)
        finally:
            raw.close()
        full = check == "full" or (check == "auto" and part.stat().st_size <= FULL_CHECK_BYTES)
        found = integrity(part, full=full)
        if found != "ok":
            raise CrmError(f"копия не прошла проверку целостности: {found}")
        private_file(part).replace(path)  # copies are readable by their owner only
    return f"проверка копии ({'integrity_check' if full else 'quick_check'}): ok"


def _pg_args(engine: Engine) -> tuple[list[str], dict]:
    u = engine.url
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return args, env


def _backup_pg_dump(engine: Engine, path: Path, exe: str) -> str:
    from crmdesk.services.exchange import RUNTIME_TABLES

    part = path.with_name(path.name + ".part")
    args, env = _pg_args(engine)
    runtime = [f"--exclude-table-data={name}" for name in RUNTIME_TABLES]  # their schema only
    proc = subprocess.run(
        [exe, "-Fc", "-f", str(part), *args, *runtime, "-d", engine.url.database],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        part.unlink(missing_ok=True)
        raise CrmError(f"pg_dump: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
    listing = shutil.which("pg_restore")
    if listing:
        check = subprocess.run([listing, "--list", str(part)], capture_output=True, text=True)
        if check.returncode != 0:
            part.unlink(missing_ok=True)
            raise CrmError(f"копия pg_dump не читается: {check.stderr.strip()}")
    private_file(part).replace(path)  # copies are readable by their owner only
    return "pg_restore --list читает копию" if listing else "копия записана"


def _backup_exchange(engine: Engine, path: Path) -> str:
    from crmdesk.services.exchange import dump, verify_file

    with _part_of(path) as part:
        counts = dump(engine, part)
        verify_file(part)  # read back whole: the counts and checksum of what was written
        private_file(part).replace(path)  # copies are readable by their owner only
    return f"строк: {sum(counts.values())}"


def backup(
    engine: Engine,
    to_dir=None,
    now: datetime | None = None,
    rotate: bool = True,
    check: str = "auto",
) -> BackupResult:
    """Back the database up into ``to_dir`` (default: the backup folder), check, rotate.

    ``check`` (SQLite): "auto" (the full integrity_check up to 256 MB, quick_check above),
    "full" or "quick".

    Never raises for a failed copy: the result (and the stored state) says what failed.
    """
    now = now or datetime.now().astimezone()
    started = time.monotonic()
    folder = Path(to_dir).expanduser() if to_dir else backup_dir(engine)
    method, path, removed = "sqlite", None, []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        removed.extend(remove_leftovers(folder))
        if engine.dialect.name == "sqlite":
            path = _target(folder, now, "sqlite")
            detail = _backup_sqlite(engine, path, check)
        else:
            exe = shutil.which("pg_dump")
            detail = ""
            if exe:
                method, path = "pg_dump", _target(folder, now, "dump")
                try:
                    detail = _backup_pg_dump(engine, path, exe)
                except CrmError as exc:
                    method, detail = "exchange", f"pg_dump не сработал ({exc}); "
            else:
                method = "exchange"
            if method == "exchange":
                path = _target(folder, now, "json")
                detail += _backup_exchange(engine, path)
        ok, message = True, f"{METHODS[method]}: {path.name}; {detail}"
        if rotate:
            removed += rotate_backups(
                folder,
                int(_setting(engine, "backup_keep_daily")),
                int(_setting(engine, "backup_keep_weekly")),
            )
    except Exception as exc:  # the copy failed: say so, keep the state
        ok, message = False, f"Резервная копия не сделана ({METHODS[method]}): {exc}"
        path = None
    result = BackupResult(
        ok,
        path,
        method,
        message,
        path.stat().st_size if path else 0,
        now,
        time.monotonic() - started,
        removed,
    )
    _remember(engine, result)
    return result


def _remember(engine: Engine, result: BackupResult) -> None:
    state = dict(last_backup(engine) or {})
    state.update(
        at=result.at.isoformat(),
        ok=result.ok,
        message=result.message,
        file=str(result.path) if result.path else None,
        method=result.method,
    )
    if result.ok:
        state["last_ok_at"] = result.at.isoformat()
    try:
        _store(engine, STATE_KEY, state)
    except Exception:  # the database itself is failing: the result still tells
        pass


# -- rotation -----------------------------------------------------------------------------
def backup_time(path: Path) -> datetime | None:
    m = NAME.match(path.name)
    if not m:
        return None
    return datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S")


def choose_kept(times: list[datetime], keep_daily: int = 7, keep_weekly: int = 4) -> set[int]:
    """Indexes of the copies to keep: the newest of each of the last ``keep_daily`` days
    that have copies, and the newest of each of the last ``keep_weekly`` weeks (Mon–Sun)."""
    order = sorted(range(len(times)), key=lambda i: times[i], reverse=True)
    keep: set[int] = set()
    days: set = set()
    weeks: set = set()
    for i in order:
        day = times[i].date()
        week = day.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(i)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            keep.add(i)
    return keep


def rotate_backups(folder, keep_daily: int = 7, keep_weekly: int = 4) -> list[Path]:
    """Delete the copies (crmdesk-*.sqlite|dump|json) rotation does not keep; other files
    in the folder are never touched. Returns the deleted paths."""
    files = [p for p in Path(folder).iterdir() if p.is_file() and backup_time(p)]
    keep = choose_kept([backup_time(p) for p in files], keep_daily, keep_weekly)
    removed = []
    for i, p in enumerate(files):
        if i not in keep:
            p.unlink()
            removed.append(p)
    return sorted(removed)


# -- restore -------------------------------------------------------------------------------
def backup_kind(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"PGDMP"):
        return "pg_dump"
    if b'"crmdesk-exchange"' in head or head.lstrip().startswith(b"{"):
        return "exchange"
    raise CrmError(f"Файл {path.name} не похож на резервную копию crmdesk.")


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _check(url: str) -> tuple[int, str | None]:
    """Open (upgrading an older schema), check integrity; (clients, schema revision)."""
    engine = open_database(url)
    try:
        if engine.dialect.name == "sqlite":
            found = integrity(Path(engine.url.database))
            if found != "ok":
                raise CrmError(f"восстановленная база не прошла проверку целостности: {found}")
        from crmdesk.models import Client, User

        with engine.connect() as conn:
            clients = conn.scalar(select(func.count()).select_from(Client))
            if not conn.scalar(select(func.count()).select_from(User)):
                raise CrmError("в восстановленной базе нет пользователей")
        return clients, schema_state(engine)[0]
    finally:
        engine.dispose()


def restore(file, to_url: str, progress=None) -> RestoreResult:
    """Restore a backup into the database at ``to_url``; success only once it is checked.

    SQLite target: the copy is built next to it and checked; a file already there is
    first copied aside (``NAME.before-restore-STAMP.sqlite``) — close every crmdesk using
    it first. PostgreSQL target: an empty database (``createdb``); one with data is
    refused, never overwritten.
    """
    file = Path(file).expanduser()
    if not file.is_file():
        raise CrmError(f"Файл {file} не найден.")
    kind = backup_kind(file)
    url = normalize_url(to_url)
    if kind == "exchange":  # a file cut short or altered is refused before anything changes
        from crmdesk.services.exchange import verify_file

        try:
            verify_file(file)
        except (CrmError, ValueError, OSError) as exc:
            raise CrmError(
                f"Копия {file.name} не восстановлена: {exc} Рабочая база не изменена."
            ) from None
    try:
        if make_url(url).get_backend_name() == "sqlite":
            return _restore_sqlite(file, kind, url, progress)
        return _restore_pg(file, kind, url, progress)
    except (sqlite3.Error, SQLAlchemyError, OSError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CrmError(
            f"Копия {file.name} не восстановлена ({detail}); база, куда восстанавливали, "
            "не изменена."
        ) from exc


def _restore_sqlite(file: Path, kind: str, url: str, progress) -> RestoreResult:
    dest = Path(make_url(url).database).expanduser().resolve()
    if dest == file.resolve():
        raise CrmError("Нельзя восстановить копию поверх неё самой.")
    if kind == "pg_dump":
        raise CrmError("Копия pg_dump восстанавливается только в PostgreSQL (--to postgresql://…).")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.with_name(dest.name + ".restoring")
    _remove_sqlite(work)
    try:
        if kind == "sqlite":
            src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
            try:
                _sqlite_copy(src, work)
            finally:
                src.close()
            method = "sqlite"
        else:
            from crmdesk.services.exchange import load

            eng = open_database(f"sqlite:///{work}")
            try:
                load(eng, file, progress=progress)
            finally:
                eng.dispose()
            method = "exchange"
        clients, schema = _check(f"sqlite:///{work}")
        # the restored copy is good: now, and only now, the old file goes aside
        aside = None
        if dest.exists() and dest.stat().st_size > 0:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            aside = dest.with_name(f"{dest.stem}.before-restore-{stamp}{dest.suffix}")
            old = sqlite3.connect(f"file:{dest}?mode=ro", uri=True)
            try:
                _sqlite_copy(old, aside)
                private_file(aside)
            finally:
                old.close()
        _remove_sqlite(dest)
        with sqlite3.connect(work) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()
        Path(f"{work}-wal").unlink(missing_ok=True)
        Path(f"{work}-shm").unlink(missing_ok=True)
        private_file(work).replace(dest)
    except BaseException:
        _remove_sqlite(work)
        raise
    message = f"Восстановлено из {file.name} в {dest}: клиентов {clients}, схема {schema}"
    if aside:
        message += f"; прежняя база сохранена как {aside.name}"
    return RestoreResult(f"sqlite:///{dest}", method, clients, schema, aside, message)


def _restore_pg(file: Path, kind: str, url: str, progress) -> RestoreResult:
    engine = make_engine(url)
    name = engine.url.database
    try:
        try:
            tables = inspect(engine).get_table_names()
        except Exception as exc:
            raise CrmError(
                f"База {name} недоступна ({str(exc).splitlines()[0]}); создайте пустую базу "
                "(createdb) и повторите."
            ) from None
        if tables:
            from crmdesk.services.exchange import require_empty

            if kind == "pg_dump":
                raise CrmError(
                    f"База {name} не пуста (есть таблицы): копия восстанавливается только в "
                    "новую пустую базу — создайте её (createdb) и укажите в --to."
                )
            require_empty(engine)
        if kind == "pg_dump":
            exe = shutil.which("pg_restore")
            if not exe:
                raise CrmError("pg_restore не найден: установите клиент PostgreSQL.")
            args, env = _pg_args(engine)
            proc = subprocess.run(
                [
                    exe,
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    *args,
                    "-d",
                    name,
                    str(file),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise CrmError(f"pg_restore: {proc.stderr.strip()[-500:]}")
            from crmdesk.services.exchange import clear_runtime

            with engine.begin() as conn:  # a dump made before they were left out
                clear_runtime(conn)
            method = "pg_restore"
        elif kind == "exchange":
            from crmdesk.services.exchange import load

            upgraded = open_database(url)
            try:
                load(upgraded, file, progress=progress)
            finally:
                upgraded.dispose()
            method = "exchange"
        else:  # an SQLite copy into PostgreSQL: through a scratch copy brought up to date
            import tempfile

            from crmdesk.services.exchange import copy_database

            with tempfile.TemporaryDirectory() as tmp:
                scratch = Path(tmp) / "restore.sqlite"
                src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
                try:
                    _sqlite_copy(src, scratch)
                finally:
                    src.close()
                src_engine = open_database(f"sqlite:///{scratch}")
                try:
                    copy_database(src_engine, url, progress=progress)
                finally:
                    src_engine.dispose()
            method = "sqlite"
    finally:
        engine.dispose()
    clients, schema = _check(url)
    shown = make_url(url).render_as_string(hide_password=True)
    return RestoreResult(
        url,
        method,
        clients,
        schema,
        None,
        f"Восстановлено из {file.name} в {shown}: клиентов {clients}, схема {schema}",
    )
