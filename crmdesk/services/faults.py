"""Whatever escapes the rules as a library or system error becomes one message for the user.

``friendly(exc)`` (re-exported by ``crmdesk.services.errors``) turns SQLAlchemy and psycopg
errors, full disks, missing rights on a file, overflowing numbers and impossible dates into a
``CrmError`` whose text says what failed, where (the file or the server) and what to check.
Passwords never appear in it: a URL's password and ``password=…`` are cut out of any text
copied from the driver.
"""

from __future__ import annotations

import errno
import re

from crmdesk.services.errors import ConflictError, CrmError, SchemaError


class DatabaseUnavailable(CrmError):
    """The database server or file cannot be reached or opened."""


class StorageError(CrmError):
    """A file could not be written or read: full disk, no rights, no such folder."""


class BadValue(CrmError):
    """A value the database or the arithmetic cannot hold (too long, too big, not a number)."""


_SECRET_PATTERNS = (
    re.compile(r"(://[^:/@\s]*:)[^@\s]*@"),  # scheme://user:PASSWORD@host
    re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.I),  # conninfo password=…
)


def scrub(text: str) -> str:
    """The text without any password a URL or a connection string carries."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***" + ("@" if "@" in m.group(0) else ""),
                           text)
    return text


def _server(text: str, database: str | None) -> str:
    if database:
        return database
    m = re.search(r'server at "([^"]+)", port (\d+)', text)
    if m:
        return f"PostgreSQL: {m.group(1)}:{m.group(2)}"
    m = re.search(r"resolve host '([^']+)'", text)
    if m:
        return f"PostgreSQL: {m.group(1)}"
    return ""


def _connection(text: str, database: str | None) -> CrmError | None:
    """A failure to connect or open, from the driver's (English) text."""
    where = _server(text, database)
    at = f" ({where})" if where else ""
    low = text.lower()
    m = re.search(r'database "([^"]+)" does not exist', text)
    if m:
        return DatabaseUnavailable(
            f"Не удалось подключиться к базе{at}: на сервере нет базы данных "
            f"«{m.group(1)}». Проверьте имя базы в адресе (--db) или создайте её."
        )
    m = re.search(r'role "([^"]+)" does not exist', text)
    if m or "password authentication failed" in low or "no password supplied" in low:
        who = f" «{m.group(1)}»" if m else ""
        return DatabaseUnavailable(
            f"Не удалось подключиться к базе{at}: сервер не принял пользователя{who} или "
            "пароль. Проверьте имя пользователя в адресе (--db) и пароль базы данных."
        )
    if "resolve host" in low or "name or service not known" in low or "translate host" in low:
        return DatabaseUnavailable(
            f"Не удалось подключиться к базе{at}: имя сервера не найдено. "
            "Проверьте адрес сервера в --db (опечатка?) и сеть."
        )
    if "connection refused" in low or "could not connect" in low or "connection failed" in low:
        return DatabaseUnavailable(
            f"Не удалось подключиться к базе{at}: сервер не отвечает. Проверьте, что "
            "сервер PostgreSQL запущен, адрес и порт в --db верны и сеть доступна."
        )
    if "timeout" in low or "timed out" in low:
        return DatabaseUnavailable(
            f"Сервер базы данных{at} не ответил вовремя. Проверьте сеть и нагрузку "
            "сервера и повторите."
        )
    if "server closed the connection" in low or "terminating connection" in low:
        return DatabaseUnavailable(
            f"Соединение с сервером базы данных{at} прервано. Повторите действие; "
            "если не помогает — проверьте, что сервер работает."
        )
    if "database is locked" in low or "database table is locked" in low:
        return DatabaseUnavailable(
            f"База данных{at} занята другим пользователем или программой. Повторите "
            "через минуту; изменения не записаны."
        )
    if "database or disk is full" in low or "no space left" in low:
        return StorageError(
            f"Нет места на диске{at}: изменения не записаны. Освободите место на диске "
            "и повторите."
        )
    if "unable to open database file" in low:
        return DatabaseUnavailable(
            f"Не удалось открыть файл базы данных{at}. Проверьте, что папка существует "
            "и у вас есть права на чтение и запись."
        )
    if "readonly database" in low or ("read-only" in low and "transaction" not in low):
        return DatabaseUnavailable(
            f"База данных{at} открыта только для чтения: нет прав на запись в файл "
            "или папку. Проверьте права доступа."
        )
    if "file is not a database" in low or "malformed" in low:
        return DatabaseUnavailable(
            f"Файл{at} не является базой данных crmdesk или повреждён. Проверьте путь "
            "(--db) или восстановите базу из резервной копии (crmdesk restore)."
        )
    if "no such table" in low or "no such column" in low or (
        ("relation" in low or "column" in low) and "does not exist" in low
    ):
        return SchemaError(
            f"В базе данных{at} нет нужных таблиц: схема не создана или устарела. "
            "Выполните «crmdesk db upgrade»."
        )
    if "permission denied" in low or "must be owner" in low:
        return DatabaseUnavailable(
            f"Пользователю базы данных{at} не хватает прав на сервере. Попросите "
            "администратора PostgreSQL дать права на базу или укажите в --db другого "
            "пользователя."
        )
    if "disk i/o error" in low:
        return StorageError(
            f"Ошибка чтения или записи диска{at}: изменения не записаны. Проверьте "
            "диск и свободное место."
        )
    return None


def _data_error(text: str) -> CrmError:
    low = text.lower()
    m = re.search(r"value too long for type character varying\((\d+)\)", text)
    if m:
        detail = f"строка длиннее {m.group(1)} символов"
    elif "numeric field overflow" in low or "out of range" in low:
        detail = "число или дата вне допустимого диапазона"
    elif "invalid input syntax" in low or "invalid input value" in low:
        detail = "значение не того вида (например, буквы вместо числа)"
    elif "nan" in low:
        detail = "значение не является числом"
    else:
        detail = "значение не подходит полю базы данных"
    return BadValue(
        f"Значение не записано: {detail}. Исправьте значение и сохраните снова; "
        "ничего не изменено."
    )


def _integrity(text: str) -> CrmError:
    low = text.lower()
    if "unique" in low or "duplicate key" in low:
        return BadValue(
            "Такая запись уже есть: повторяется значение, которое должно быть единственным "
            "(номер, логин, код). Измените его и сохраните снова; ничего не изменено."
        )
    if "foreign key" in low:
        return BadValue(
            "Запись ссылается на объект, которого уже нет (или на неё ссылаются другие). "
            "Перечитайте данные и повторите; ничего не изменено."
        )
    if "not null" in low or "null value" in low:
        m = re.search(r'column "([^"]+)"', text) or re.search(r"NOT NULL[^:]*: \w+\.(\w+)", text)
        field = f" «{m.group(1)}»" if m else ""
        return BadValue(f"Поле{field} не заполнено. Заполните его и сохраните снова.")
    return BadValue("Данные противоречат правилам базы данных; ничего не изменено.")


def _os_error(exc: OSError) -> CrmError:
    name = exc.filename or ""
    where = f" ({name})" if name else ""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return StorageError(
            f"Нет места на диске{where}: файл не записан. Освободите место и повторите."
        )
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(
            f"Нет прав на файл или папку{where}. Выберите другое место или попросите "
            "администратора дать права на запись."
        )
    if code == errno.ENOENT:
        return StorageError(f"Файл или папка не найдены{where}. Проверьте путь.")
    if code in (errno.EISDIR, errno.ENOTDIR):
        return StorageError(f"Неверный путь{where}: ожидался файл, а не папка (или наоборот).")
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return DatabaseUnavailable(
            f"Нет соединения с сервером{where}: {exc.strerror or exc}. Проверьте сеть и адрес."
        )
    return StorageError(f"Ошибка файла{where}: {scrub(exc.strerror or str(exc))}.")


_DATE_WORDS = ("day is out of range", "month must be", "year ", "is out of range",
               "does not match format", "invalid isoformat", "unconverted data")


def friendly(exc: BaseException, database: str | None = None) -> CrmError | None:
    """The user's message for ``exc``: the error itself when it is a CrmError, a CrmError
    telling what failed and what to do for the known library and system failures, None for
    anything unknown (a defect: the caller logs it and shows a general message).

    ``database``: how to name the database in the message (``db.describe(engine)``).
    """
    if isinstance(exc, CrmError):
        return exc
    try:
        return _friendly(exc, database)
    except Exception:  # noqa: BLE001 — translating must never raise a second error
        return None


def _friendly(exc: BaseException, database: str | None) -> CrmError | None:
    from decimal import InvalidOperation

    from sqlalchemy import exc as sa
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, StaleDataError):
        conflict = ConflictError.__new__(ConflictError)
        conflict.changed_by = conflict.changed_at = None
        CrmError.__init__(
            conflict,
            "Объект уже изменён другим пользователем, пока вы его редактировали. "
            "Перечитайте данные и внесите изменения снова.",
        )
        return conflict
    if isinstance(exc, sa.DBAPIError):
        original = exc.orig if exc.orig is not None else exc
        text = scrub(str(original))
        if isinstance(exc, sa.IntegrityError):
            return _integrity(text)
        if isinstance(exc, sa.DataError):
            return _data_error(text)
        found = _connection(text, database)
        if found is not None:
            return found
        if isinstance(exc, sa.OperationalError) or exc.connection_invalidated:
            where = _server(text, database)
            return DatabaseUnavailable(
                f"Ошибка базы данных{f' ({where})' if where else ''}: "
                f"{text.splitlines()[0]}. "
                "Повторите действие; если ошибка повторяется — сообщите администратору."
            )
        return None
    if isinstance(exc, (sa.ArgumentError, sa.NoSuchModuleError)):
        return DatabaseUnavailable(
            "Адрес базы данных (--db) указан неверно. Пример: путь к файлу SQLite "
            "(C:\\crm\\base.sqlite) или postgresql://пользователь@сервер:5432/база."
        )
    try:  # the driver's own error, raised outside SQLAlchemy (a direct psycopg call)
        import psycopg

        if isinstance(exc, psycopg.Error):
            text = scrub(str(exc))
            if isinstance(exc, psycopg.DataError):
                return _data_error(text)
            if isinstance(exc, psycopg.IntegrityError):
                return _integrity(text)
            return _connection(text, database)
    except ImportError:
        pass
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return _connection(scrub(str(exc)), database)
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, (OverflowError, InvalidOperation)):
        return BadValue(
            "Число слишком велико или заполнено неверно (не число). Исправьте его и "
            "повторите; ничего не изменено."
        )
    if isinstance(exc, ValueError):
        text = str(exc).lower()
        if "nan" in text or "infinity" in text:
            return BadValue("Значение не является числом. Исправьте его и повторите.")
        if any(word in text for word in _DATE_WORDS):
            return BadValue(
                "Дата заполнена неверно (такого дня нет). Укажите дату в виде ДД.ММ.ГГГГ."
            )
    if isinstance(exc, MemoryError):
        return StorageError(
            "Недостаточно памяти для этого действия. Закройте лишние окна и программы и "
            "повторите; ничего не изменено."
        )
    return None
