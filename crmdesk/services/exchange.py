"""The exchange format: the whole database as JSON, to move between SQLite and PostgreSQL.

The file is one JSON document written one row per line, so both sides stream it: dump
never holds a table in memory, load reads line by line (and falls back to a plain JSON
parse for a file another tool has reformatted). docs/exchange-format.md describes it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Date, Engine, LargeBinary, String, Table, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from crmdesk.db import open_database, read_only, reset_sequences, revisions, schema_state
from crmdesk.models import Base, Client, Document, User
from crmdesk.models.base import UTCDateTime, _ScaledDecimal
from crmdesk.services.errors import CrmError
from crmdesk.services.limits import TEXT_MAX

FORMAT, FORMAT_VERSION = "crmdesk-exchange", 2
BATCH = 5000
# the running office's bookkeeping (services.sessions, office, changes): who is connected,
# which object is open where, the change counters. True of one running base only — never
# written to an exchange file or a backup, skipped when an older file has them, emptied in
# a restored copy (a restore must not bring back sessions and locks of desktops long gone)
RUNTIME_TABLES = ("office_sessions", "object_locks", "change_counters")


def tables() -> list[Table]:
    """Every table that travels, in an order that satisfies foreign keys (roles and users
    first); the runtime tables stay behind."""
    first = [Base.metadata.tables["roles"], Base.metadata.tables["users"]]
    return first + [t for t in Base.metadata.sorted_tables
                    if t not in first and t.name not in RUNTIME_TABLES]


def clear_runtime(conn) -> None:
    """Empty the runtime tables of a restored copy (``conn``: a DB-API or SQLAlchemy
    connection in a transaction); a table an older schema lacks is skipped."""
    from sqlalchemy import inspect, text

    if hasattr(conn, "dialect"):
        present = set(inspect(conn).get_table_names())
        for name in RUNTIME_TABLES:  # locks first: they name sessions
            if name in present:
                conn.execute(text(f"DELETE FROM {name}"))
        return
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for name in RUNTIME_TABLES:
        if name in present:
            conn.execute(f"DELETE FROM {name}")


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
    """Write the whole database to ``path``; returns the row count of every table.

    The trailer, written last, holds every table's row count and the SHA-256 of the
    table lines and row lines: a file cut short or altered is refused by ``load``.
    """
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": schema_state(engine)[0],
        "created_at": datetime.now().astimezone().isoformat(),
    }
    all_tables = tables()
    reader = read_only(engine)
    if engine.dialect.name == "postgresql":  # one snapshot for every table
        reader = reader.execution_options(isolation_level="REPEATABLE READ")
    with open(path, "w", encoding="utf-8") as out, reader.connect() as conn:
        out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": {\n')
        for i, table in enumerate(all_tables):
            cols = [c.name for c in table.columns]
            digest.update(_table_key(table.name, cols))
            out.write(f'{json.dumps(table.name)}: {{"columns": {json.dumps(cols)}, "rows": [\n')
            n = 0
            for row in _rows(conn, table):
                if n:
                    out.write(",\n")
                line = json.dumps([_encode(v) for v in row], ensure_ascii=False)
                digest.update(line.encode("utf-8") + b"\n")
                out.write(line)
                n += 1
            out.write("\n]}" + ("," if i < len(all_tables) - 1 else "") + "\n")
            counts[table.name] = n
            if progress:
                progress(i + 1, len(all_tables))
        trailer = {"counts": counts, "sha256": digest.hexdigest()}
        out.write('}, "trailer": ' + json.dumps(trailer) + "}\n")
    return counts


def _table_key(name: str, columns: list[str]) -> bytes:
    return (json.dumps(name) + json.dumps(columns) + "\n").encode("utf-8")


class ExchangeFile:
    """An exchange file being read: the header now, the tables as a stream, and at the end
    ``verify`` — the rows read against the trailer's counts and checksum."""

    def __init__(self, path):
        self.path = Path(path)
        self.trailer: dict | None = None
        self.closed = False  # the file's last line was read (not cut short)
        self.digest = hashlib.sha256()
        self.counts: dict[str, int] = {}
        with open(path, encoding="utf-8") as f:
            first = f.readline()
        try:
            self.header = json.loads(first.rstrip() + "}}")
        except json.JSONDecodeError:
            self.header = None
        self._whole = None
        if self.header is None:  # reformatted by another tool: parse it whole
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise CrmError(
                    f"Файл {self.path.name} не является файлом обмена crmdesk "
                    f"или обрезан: {exc}"
                ) from None
            if not isinstance(data, dict):
                raise CrmError(f"Файл {self.path.name} не является файлом обмена crmdesk.")
            self._whole = data.pop("tables", None) or {}
            self.trailer = data.pop("trailer", None)
            self.header, self.closed = data, True
        else:
            self.header.pop("tables", None)

    def tables(self) -> Iterator[tuple[str, list[str], Iterator[list]]]:
        if self._whole is not None:
            for name, spec in self._whole.items():
                if not isinstance(spec, dict):
                    raise CrmError(f"Файл обмена: таблица «{name}» записана неверно.")
                yield name, spec["columns"], self._counted(name, spec["columns"], spec["rows"])
            return
        with open(self.path, encoding="utf-8") as f:
            f.readline()
            for line in f:
                line = line.strip()
                if not line:
                    continue
                if line == "}}":  # format version 1: no trailer
                    self.closed = True
                    continue
                if line.startswith('}, "trailer"'):
                    self.trailer = json.loads("{" + line[2:-1] + "}")["trailer"]
                    self.closed = True
                    continue
                start = json.loads("{" + line + "]}}")
                ((name, spec),) = start.items()
                yield name, spec["columns"], self._stream_rows(f, name, spec["columns"])

    def _counted(self, name: str, columns: list[str], rows) -> Iterator[list]:
        self.digest.update(_table_key(name, columns))
        self.counts[name] = 0
        for row in rows:
            line = json.dumps(row, ensure_ascii=False)
            self.digest.update(line.encode("utf-8") + b"\n")
            self.counts[name] += 1
            yield row

    def _stream_rows(self, f, name: str, columns: list[str]) -> Iterator[list]:
        self.digest.update(_table_key(name, columns))
        self.counts[name] = 0
        for line in f:
            line = line.strip()
            if line.startswith("]}"):
                return
            if line:
                text = line[:-1] if line.endswith(",") else line
                self.digest.update(text.encode("utf-8") + b"\n")
                self.counts[name] += 1
                yield json.loads(text)
        raise CrmError(f"Файл обмена обрывается в таблице «{name}»: файл не дописан или обрезан.")

    def verify(self) -> None:
        """Refuse a file cut short, with rows missing or added, or altered after dump."""
        name = self.path.name
        if not self.closed:
            raise CrmError(f"Файл обмена {name} обрывается: файл не дописан или обрезан.")
        version = self.header.get("format_version")
        if self.trailer is None:
            if isinstance(version, int) and version >= 2:
                raise CrmError(
                    f"В файле обмена {name} нет итоговых счётчиков и контрольной суммы: "
                    "файл не дописан или обрезан."
                )
            return  # version 1 wrote none; its end was read
        expected = self.trailer.get("counts") if isinstance(self.trailer, dict) else None
        if not isinstance(expected, dict):
            raise CrmError(f"Итоговые счётчики файла обмена {name} повреждены.")
        for table in sorted(set(expected) | set(self.counts)):
            want, got = expected.get(table), self.counts.get(table)
            if want != got:
                raise CrmError(
                    f"Файл обмена {name} неполон или повреждён: в таблице «{table}» "
                    f"прочитано строк {got or 0}, а записано {want or 0}."
                )
        if self.trailer.get("sha256") != self.digest.hexdigest():
            raise CrmError(
                f"Файл обмена {name} повреждён: контрольная сумма не совпадает "
                "(файл изменён после выгрузки)."
            )


def verify_file(path) -> dict[str, int]:
    """Read a whole exchange file and check it against its trailer, writing nothing;
    returns the row counts (restore checks a backup this way before touching anything)."""
    f = ExchangeFile(path)
    for _name, _cols, rows in f.tables():
        for _row in rows:
            pass
    f.verify()
    return dict(f.counts)


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
    if header.get("schema_revision") not in revisions()[0]:
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
    checks = _limit_checks(table, columns)
    batch, n = [], 0
    for row in rows:
        values = [d(v) for d, v in zip(decoders, row, strict=True)] if decode else row
        for i, check in checks:
            if values[i] is not None and not check(values[i]):
                raise CrmError(
                    f"Таблица «{table.name}», строка {n + len(batch) + 1}: значение колонки "
                    f"«{columns[i]}» вне пределов (limits: NUL, длина или число), "
                    "его не примут обе базы."
                )
        batch.append(dict(zip(columns, values, strict=True)))
        if len(batch) >= BATCH:
            conn.execute(insert(table), batch)
            n, batch = n + len(batch), []
    if batch:
        conn.execute(insert(table), batch)
        n += len(batch)
    return n


def _limit_checks(table: Table, columns: list[str]) -> list[tuple[int, object]]:
    """Per column, a cheap test that a value fits both databases (services.limits): text
    without NUL within its length, finite numbers within the column's precision."""
    out = []
    for i, name in enumerate(columns):
        kind = table.c[name].type
        if isinstance(kind, String):
            most = kind.length or TEXT_MAX
            out.append((i, lambda v, m=most: isinstance(v, str) and len(v) <= m and "\0" not in v))
        elif isinstance(kind, _ScaledDecimal):
            top = Decimal(10) ** (kind.precision - kind.scale)
            out.append((i, lambda v, t=top: Decimal(v).is_finite() and abs(Decimal(v)) < t))
    return out


def load(engine: Engine, path, progress=None) -> dict[str, int]:
    """Load an exchange file into an empty database, all or nothing: the rows read are
    checked against the file's trailer before the transaction commits."""
    try:
        source = ExchangeFile(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise CrmError(f"Файл обмена {Path(path).name} не читается: {exc}") from None
    _check_header(source.header, engine)
    require_empty(engine)
    counts: dict[str, int] = {}
    order = {t.name: i for i, t in enumerate(tables())}
    try:
        with engine.begin() as conn:
            for name, columns, rows in source.tables():
                if name in RUNTIME_TABLES:  # an older file carries them: read, not loaded
                    counts[name] = sum(1 for _row in rows)
                    continue
                table = Base.metadata.tables.get(name)
                if table is None:
                    raise CrmError(f"Файл обмена: неизвестная таблица «{name}».")
                counts[name] = _insert(conn, table, columns, rows, decode=True)
                if progress:
                    progress(order[name] + 1, len(order))
            source.verify()
            reset_sequences(conn)
    except CrmError as exc:
        raise CrmError(f"Загрузка прервана, база не изменена. {exc}") from None
    except (SQLAlchemyError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CrmError(f"Загрузка прервана, база не изменена: {_short(exc)}") from exc
    return counts


def _short(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0]


def copy_database(src: Engine, dst_url: str, progress=None) -> dict[str, int]:
    """Copy every row from ``src`` into the empty database at ``dst_url`` in one step."""
    dst = open_database(dst_url)
    try:
        require_empty(dst)
        counts: dict[str, int] = {}
        all_tables = tables()
        with read_only(src).connect() as sconn, dst.begin() as dconn:
            for i, table in enumerate(all_tables):
                columns = [c.name for c in table.columns]
                rows = _rows(sconn, table)
                counts[table.name] = _insert(dconn, table, columns, rows, decode=False)
                if progress:
                    progress(i + 1, len(all_tables))
            reset_sequences(dconn)
    except CrmError as exc:
        raise CrmError(f"Копирование прервано, база-получатель не изменена. {exc}") from None
    except (SQLAlchemyError, ValueError, TypeError, ArithmeticError) as exc:
        raise CrmError(
            f"Копирование прервано, база-получатель не изменена: {_short(exc)}"
        ) from exc
    finally:
        dst.dispose()
    return counts
