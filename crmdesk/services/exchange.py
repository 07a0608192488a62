"""The exchange format: the whole database as JSON, to move between SQLite and PostgreSQL.

The file is one JSON document written one row per line, so both sides stream it: dump
never holds a table in memory, load reads line by line (and falls back to a plain JSON
parse for a file another tool has reformatted). docs/exchange-format.md describes it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Date, Engine, LargeBinary, Table, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from crmdesk.db import alembic_config, open_database, reset_sequences, schema_state
from crmdesk.models import Base, Client, Document, User
from crmdesk.models.base import UTCDateTime, _ScaledDecimal
from crmdesk.services.errors import CrmError

FORMAT, FORMAT_VERSION = "crmdesk-exchange", 1
BATCH = 5000


def tables() -> list[Table]:
    """Every table in an order that satisfies foreign keys (roles and users first)."""
    first = [Base.metadata.tables["roles"], Base.metadata.tables["users"]]
    return first + [t for t in Base.metadata.sorted_tables if t not in first]


def _encode(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode()}
    return value


def _decoder(column):
    kind = column.type
    if isinstance(kind, _ScaledDecimal):
        return lambda v: None if v is None else Decimal(v)
    if isinstance(kind, UTCDateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v["$base64"])
    return lambda v: v


def _rows(conn, table: Table) -> Iterator[tuple]:
    stmt = select(table).order_by(*table.primary_key.columns)
    yield from conn.execution_options(yield_per=BATCH).execute(stmt)


def dump(engine: Engine, path, progress=None) -> dict[str, int]:
    """Write the whole database to ``path``; returns the row count of every table."""
    counts: dict[str, int] = {}
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": schema_state(engine)[0],
        "created_at": datetime.now().astimezone().isoformat(),
    }
    all_tables = tables()
    with open(path, "w", encoding="utf-8") as out, engine.connect() as conn:
        out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": {\n')
        for i, table in enumerate(all_tables):
            cols = [c.name for c in table.columns]
            out.write(f'{json.dumps(table.name)}: {{"columns": {json.dumps(cols)}, "rows": [\n')
            n = 0
            for row in _rows(conn, table):
                if n:
                    out.write(",\n")
                out.write(json.dumps([_encode(v) for v in row], ensure_ascii=False))
                n += 1
            out.write("\n]}" + ("," if i < len(all_tables) - 1 else "") + "\n")
            counts[table.name] = n
            if progress:
                progress(i + 1, len(all_tables))
        out.write("}}\n")
    return counts


def _read(path) -> tuple[dict, Iterator[tuple[str, list[str], Iterator[list]]]]:
    """The header and, table by table, (name, columns, rows) of an exchange file."""
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    try:
        header = json.loads(first.rstrip() + "}}")
    except json.JSONDecodeError:
        header = None
    if header is None:  # reformatted by another tool: parse it whole
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise CrmError(f"Файл {path} не является файлом обмена crmdesk: {exc}") from None
        items = data.pop("tables", {}) if isinstance(data, dict) else {}
        return data, ((n, t["columns"], iter(t["rows"])) for n, t in items.items())
    header.pop("tables", None)
    return header, _stream_tables(path)


def _stream_tables(path) -> Iterator[tuple[str, list[str], Iterator[list]]]:
    with open(path, encoding="utf-8") as f:
        f.readline()
        for line in f:
            line = line.strip()
            if not line or line == "}}":
                continue
            start = json.loads("{" + line + "]}}")
            ((name, spec),) = start.items()
            yield name, spec["columns"], _stream_rows(f)


def _stream_rows(f) -> Iterator[list]:
    for line in f:
        line = line.strip()
        if line.startswith("]}"):
            return
        if line:
            yield json.loads(line.rstrip(","))


def _check_header(header: dict, engine: Engine) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CrmError("Это не файл обмена crmdesk (нет признака «crmdesk-exchange»).")
    if (
        not isinstance(header.get("format_version"), int)
        or header["format_version"] > FORMAT_VERSION
    ):
        raise CrmError(
            f"Файл обмена версии {header.get('format_version')} записан более новой "
            f"версией crmdesk; эта программа читает версию до {FORMAT_VERSION}."
        )
    known = {
        r.revision for r in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()
    }
    if header.get("schema_revision") not in known:
        raise CrmError(
            f"Схема «{header.get('schema_revision')}» файла обмена неизвестна этой "
            "версии crmdesk: обновите программу."
        )


def require_empty(engine: Engine) -> None:
    with engine.connect() as conn:
        for model in (User, Client, Document):
            if conn.scalar(select(func.count()).select_from(model)):
                raise CrmError(
                    "База данных не пуста: загрузка и копирование выполняются только "
                    "в пустую базу (создайте новую и повторите)."
                )


def _insert(conn, table: Table, columns: list[str], rows: Iterator, decode: bool) -> int:
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise CrmError(f"Таблица «{table.name}»: неизвестные колонки {', '.join(unknown)}.")
    decoders = [_decoder(table.c[c]) if decode else None for c in columns]
    batch, n = [], 0
    for row in rows:
        values = [d(v) for d, v in zip(decoders, row, strict=True)] if decode else row
        batch.append(dict(zip(columns, values, strict=True)))
        if len(batch) >= BATCH:
            conn.execute(insert(table), batch)
            n, batch = n + len(batch), []
    if batch:
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


def load(engine: Engine, path, progress=None) -> dict[str, int]:
    """Load an exchange file into an empty database, all or nothing."""
    header, stream = _read(path)
    _check_header(header, engine)
    require_empty(engine)
    counts: dict[str, int] = {}
    order = {t.name: i for i, t in enumerate(tables())}
    try:
        with engine.begin() as conn:
            for name, columns, rows in stream:
                table = Base.metadata.tables.get(name)
                if table is None:
                    raise CrmError(f"Файл обмена: неизвестная таблица «{name}».")
                counts[name] = _insert(conn, table, columns, rows, decode=True)
                if progress:
                    progress(order[name] + 1, len(order))
            reset_sequences(conn)
    except (SQLAlchemyError, ValueError, KeyError, TypeError) as exc:
        raise CrmError(f"Загрузка прервана, база не изменена: {_short(exc)}") from exc
    return counts


def _short(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0]


def copy_database(src: Engine, dst_url: str, progress=None) -> dict[str, int]:
    """Copy every row from ``src`` into the empty database at ``dst_url`` in one step."""
    dst = open_database(dst_url)
    require_empty(dst)
    counts: dict[str, int] = {}
    all_tables = tables()
    with src.connect() as sconn, dst.begin() as dconn:
        for i, table in enumerate(all_tables):
            columns = [c.name for c in table.columns]
            counts[table.name] = _insert(dconn, table, columns, _rows(sconn, table), decode=False)
            if progress:
                progress(i + 1, len(all_tables))
        reset_sequences(dconn)
    dst.dispose()
    return counts
