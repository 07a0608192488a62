"""Engine and sessions; SQLite specifics (WAL, foreign keys, busy timeout); schema migrations."""

from __future__ import annotations

import ast
import shutil
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from crmdesk.config import resolve_db_url
from crmdesk.services.errors import SchemaError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # the wait for another writer: sqlite3's connect(timeout=…) set it (10 s by default)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # SQLite's lower() leaves Cyrillic alone: searches over short lists fold with this instead
    dbapi_conn.create_function("crm_fold", 1, _fold, deterministic=True)


def _fold(value):
    return None if value is None else str(value).casefold().replace("ё", "е")


READ_ONLY = "crmdesk_read_only"  # execution option of the engine a read-only session uses


def read_only(engine: Engine) -> Engine:
    """The same engine (and pool) for reading: SQLite begins without taking the write lock,
    PostgreSQL runs the transaction READ ONLY."""
    cached = engine.__dict__.get("_crmdesk_read_only")
    if cached is None:
        options = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        cached = engine.__dict__["_crmdesk_read_only"] = engine.execution_options(**options)
    return cached


def make_engine(url: str | None = None, **kw) -> Engine:
    url = resolve_db_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": 10, **kw.pop("connect_args", {})}
        connect_args.pop("connect_timeout", None)  # a server's option (setup's probe)
        engine = create_engine(url, connect_args=connect_args, **kw)
        event.listen(engine, "connect", _sqlite_pragmas)
        # let SQLAlchemy, not the driver, open transactions, so BEGIN IMMEDIATE works
        event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
        # writers take the write lock at BEGIN (no deadlock between two upgrading readers);
        # a read-only unit of work (lists, reports) begins deferred and never blocks them
        event.listen(
            engine,
            "begin",
            lambda c: c.exec_driver_sql(
                "BEGIN" if c.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
            ),
        )
    else:
        engine = create_engine(url, pool_pre_ping=True, **kw)
    return engine


def checkpoint(engine: Engine) -> None:
    """Fold an SQLite WAL back into the main file (outside any transaction)."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def reset_sequences(conn) -> None:
    """After rows were inserted with explicit ids, make PostgreSQL's serials continue past them."""
    if conn.dialect.name != "postgresql":
        return
    from crmdesk.models import Base

    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )


def alembic_config(engine: Engine):
    """alembic's configuration; alembic is imported only here, when a migration runs
    (it costs about half a second of every start otherwise)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


@lru_cache(maxsize=1)
def revisions() -> tuple[tuple[str, ...], str]:
    """(every schema revision this program knows, its head), read from the migration
    files' ``revision`` / ``down_revision`` assignments without importing alembic."""
    parents: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                name = getattr(node.targets[0], "id", None)
                if name in ("revision", "down_revision"):
                    values[name] = ast.literal_eval(node.value)
        if isinstance(values.get("revision"), str):
            parents[values["revision"]] = values.get("down_revision")
    below = {p for p in parents.values() if isinstance(p, str)}
    heads = [r for r in parents if r not in below]
    if len(heads) != 1:
        raise SchemaError(f"Миграции схемы повреждены: {len(heads)} последних версий.")
    return tuple(parents), heads[0]


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision (None: an empty database), read in a read-only
    transaction: on SQLite opening a database never takes the write lock."""
    with read_only(engine).connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise SchemaError(f"В базе несколько версий схемы: {', '.join(rows)}.")
    return rows[0] if rows else None


def schema_state(engine: Engine) -> tuple[str | None, str]:
    """(revision of the database or None for an empty one, revision this program has)."""
    return current_revision(engine), revisions()[1]


def upgrade(engine: Engine, revision: str = "head") -> Path | None:
    """Create or upgrade the schema; a used SQLite file is copied aside first.

    Returns the path of that copy, if one was made. A database made by a newer program
    is refused, never touched.
    """
    current, head = schema_state(engine)
    if current is not None and current not in revisions()[0]:
        raise SchemaError(
            f"База данных создана более новой версией crmdesk (схема {current}, "
            f"эта программа знает схему до {head}). Обновите программу; база не изменена."
        )
    if current == head and revision in ("head", head):
        return None
    from alembic import command

    backup = None
    if current is not None and engine.dialect.name == "sqlite" and engine.url.database:
        src = Path(engine.url.database)
        if src.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            backup = src.with_name(f"{src.stem}.before-{head}-{stamp}{src.suffix}")
            checkpoint(engine)
            shutil.copy2(src, backup)
    command.upgrade(alembic_config(engine), revision)
    return backup


def open_database(url: str | None = None, *, migrate: bool = True) -> Engine:
    """The engine of a ready-to-use database, upgraded to this program's schema."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    else:
        current, head = schema_state(engine)
        if current != head:
            raise SchemaError(
                f"Схема базы данных ({current or 'пустая'}) не совпадает со схемой программы "
                f"({head}); выполните «crmdesk db upgrade»."
            )
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    from crmdesk.services import limits  # noqa: F401  (registers the flush guard)

    return sessionmaker(engine, expire_on_commit=False)


def describe(engine: Engine) -> str:
    """How the status bar and CLI name the database: the file or the server."""
    u = engine.url
    if u.get_backend_name() == "sqlite":
        return f"SQLite: {u.database}"
    return f"PostgreSQL: {u.host or 'localhost'}:{u.port or 5432}/{u.database}"
