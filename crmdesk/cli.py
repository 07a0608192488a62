"""Command line: parses, calls the business rules, prints text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from crmdesk import __version__

ListSource = Callable[[argparse.Namespace, "object"], list[dict]]

# What `crmdesk list WHAT` can print: name → (rows(args, ctx), the table's columns). Command
# modules add their own in register() with add_list(); `--json` prints every key of the rows.
LIST_SOURCES: dict[str, tuple[ListSource, list[str]]] = {}


def add_list(name: str, rows: ListSource, keys: list[str]) -> None:
    """Make `crmdesk list NAME` print rows(args, ctx) (ctx: a read-only unit of work)."""
    LIST_SOURCES[name] = (rows, list(keys))

# Modules that add their own commands: each has register(sub, common), and every parser it
# adds calls set_defaults(handler=function(args, engine) -> int). The handler runs on an
# opened, initialized database (or None, with set_defaults(needs_db=False), for commands that
# choose their database themselves); emit() and table() below print its results.
COMMAND_MODULES = (
    "crmdesk.commands.lists",
    "crmdesk.commands.reports",
    "crmdesk.commands.transfer",
    "crmdesk.commands.ui",
    "crmdesk.commands.bank",
    "crmdesk.commands.telephony",
    "crmdesk.commands.mail",
    "crmdesk.commands.pipeline",
    "crmdesk.commands.service",
    "crmdesk.commands.office",
)


def _common(top: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after its name; only the top sets defaults."""
    common = argparse.ArgumentParser(add_help=False)
    default = {} if top else {"default": argparse.SUPPRESS}
    common.add_argument("--db", metavar="URL", help="база: URL или путь к файлу SQLite", **default)
    common.add_argument(
        "--user", metavar="LOGIN", help="выполнить с правами пользователя", **default
    )
    common.add_argument("--json", action="store_true", help="выводить только JSON", **default)
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common(top=False)
    p = argparse.ArgumentParser(
        prog="crmdesk",
        parents=[_common(top=True)],
        description="crmdesk — CRM для малого и среднего бизнеса",
    )
    p.add_argument("--version", action="version", version=f"crmdesk {__version__}")
    sub = p.add_subparsers(dest="command")

    db = sub.add_parser("db", parents=[common], help="схема базы данных")
    dbs = db.add_subparsers(dest="db_command", required=True)
    dbs.add_parser("upgrade", parents=[common], help="создать или обновить схему")
    dbs.add_parser("info", parents=[common], help="где база и какая у неё схема")
    cp = dbs.add_parser("copy", parents=[common], help="скопировать базу в другую (пустую)")
    cp.add_argument("--to", required=True, metavar="URL")

    demo = sub.add_parser("demo", parents=[common], help="заполнить базу демонстрационными данными")
    demo.add_argument("--clients", type=int, default=200)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument(
        "--today", metavar="ДД.ММ.ГГГГ", help="день, от которого считаются даты (обычно сегодня)"
    )
    demo.add_argument("--housing", action="store_true",
                      help="и модуль ЖКХ: дома, помещения, жители, счётчики, показания, заявки")

    ls = sub.add_parser("list", parents=[common], help="список объектов")
    what = ls.add_argument("what", choices=LIST_SOURCES, metavar="WHAT")
    ls.add_argument("--limit", type=int, default=50)

    dump = sub.add_parser("dump", parents=[common], help="выгрузить всю базу в JSON")
    dump.add_argument("file")
    load = sub.add_parser("load", parents=[common], help="загрузить JSON в пустую базу")
    load.add_argument("file")

    import importlib

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub, common)
    what.help = "что показать: " + ", ".join(LIST_SOURCES)  # with the modules' lists
    return p


def emit(args, data, text: Callable[[], str]) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    else:
        print(text())


def progress(args):
    if args.json or not sys.stderr.isatty():
        return None

    def report(done, total):
        print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    return report


def table(rows: list[dict], keys: list[str]) -> str:
    def cell(v):
        return ", ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))

    if not rows:
        return "(нет записей)"
    widths = {k: min(40, max(len(k), *(len(cell(r.get(k))) for r in rows))) for k in keys}
    lines = ["  ".join(k.ljust(widths[k]) for k in keys)]
    for r in rows:
        lines.append("  ".join(cell(r.get(k))[: widths[k]].ljust(widths[k]) for k in keys))
    return "\n".join(lines)


def cmd_db(args, engine) -> int:
    from crmdesk import db as dbmod

    if args.db_command == "info":
        current, head = dbmod.schema_state(engine)
        data = {"database": dbmod.describe(engine), "schema": current, "program_schema": head}
        emit(args, data, lambda: "\n".join(f"{k}: {v}" for k, v in data.items()))
    elif args.db_command == "copy":
        from crmdesk.services.exchange import copy_database

        counts = copy_database(engine, args.to, progress=progress(args))
        emit(args, counts, lambda: f"Скопировано строк: {sum(counts.values())}")
    return 0


ADMIN_COMMANDS = {"db copy", "dump", "load", "demo", "backup", "restore"}  # administrator's


def command_name(args) -> str:
    sub = getattr(args, "db_command", None) if args.command == "db" else None
    return f"{args.command} {sub}" if sub else args.command


def read_password(login: str) -> str:
    """The password of the user a command runs as: CRMDESK_PASSWORD (scripts, the Task
    Scheduler), else asked on the terminal; never an argument (it would show in `ps`)."""
    import getpass
    import os

    from crmdesk.services.errors import AccessDenied

    if os.environ.get("CRMDESK_PASSWORD") is not None:
        return os.environ["CRMDESK_PASSWORD"]
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"Пароль пользователя {login}: ")
    raise AccessDenied(
        f"Пользователь «{login}» входит с паролем: задайте его в переменной окружения "
        "CRMDESK_PASSWORD или выполните команду в терминале, чтобы ввести пароль."
    )


def sign_in(engine, args, permission: str | None = None) -> str:
    """Authenticate the user of this call (--user, else the first administrator) and check
    ``permission``; args.user then names that user for the handler's units of work."""
    from crmdesk.services.access import sign_in as access_sign_in

    args.user = access_sign_in(engine, args.user, read_password, permission)
    return args.user


def _server_password(args) -> None:
    """A server URL without a password gets the one in CRMDESK_DB_PASSWORD or the credential
    store (so a script needs no password in --db, where `ps` would show it)."""
    from crmdesk.config import resolve_db_url
    from crmdesk.services.connections import with_password

    url = resolve_db_url(args.db)
    if not url.startswith("sqlite"):
        args.db = with_password(url)


def run(args) -> int:
    from crmdesk.services import access
    from crmdesk.services.rights import ADMIN

    if args.command is None:
        return open_app(args)
    _server_password(args)
    if getattr(args, "handler", None) is not None and not getattr(args, "needs_db", True):
        return args.handler(args, None)  # it opens (and signs in to) its database itself
    from crmdesk.commands.office import db_upgrade, demo_command, load_command

    if args.command == "db" and args.db_command == "upgrade":
        return db_upgrade(args)
    from crmdesk.config import resolve_db_url
    from crmdesk.db import make_engine, schema_state, upgrade
    from crmdesk.services.setup import initialize

    name = command_name(args)
    if name == "demo" and getattr(args, "today", None):  # checked before the base is touched
        from crmdesk.services.lists import parse_date

        args.today = parse_date(args.today, "--today")
    creates = name in ("demo", "load")
    url = resolve_db_url(args.db) if creates else access.require_existing(args.db)
    engine = make_engine(url)
    current, _head = schema_state(engine)
    if not creates:
        access.require_schema(engine, current, url)
    upgrade(engine)
    if name == "load":
        return load_command(args, engine)
    initialize(engine)
    if name == "demo":
        return demo_command(args, engine)
    sign_in(engine, args, ADMIN if name in ADMIN_COMMANDS else None)
    handler = getattr(args, "handler", None)
    if handler is not None:
        return handler(args, engine)
    if args.command == "db":
        return cmd_db(args, engine)
    if args.command == "dump":
        from crmdesk.services.exchange import dump

        counts = dump(engine, args.file, progress=progress(args))
        emit(args, counts, lambda: f"Выгружено строк: {sum(counts.values())} в {args.file}")
        return 0

    from crmdesk.services.context import unit_of_work

    if args.command == "list":
        source, keys = LIST_SOURCES[args.what]
        with unit_of_work(engine, args.user, read_only=True) as ctx:
            rows = source(args, ctx)
        emit(args, rows, lambda: table(rows, keys))
        return 0
    return 0


def open_app(args) -> int:
    try:
        from crmdesk.app import main as app_main
    except ImportError:
        print(
            "Окно приложения ещё не готово в этой версии; работает командная строка: "
            "crmdesk --help",
            file=sys.stderr,
        )
        return 2
    return app_main(args)


def _where(args) -> str | None:
    """How messages name the database of this call (never with its password)."""
    try:
        from crmdesk.config import describe_url, resolve_db_url

        return describe_url(resolve_db_url(getattr(args, "db", None)))
    except Exception:  # noqa: BLE001 — a bad URL is reported by the error itself
        return None


def _quiet_stdout() -> None:
    """The reader of our output went away (`crmdesk list clients | head`): say nothing more."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def report_error(args, message: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"error": message}, ensure_ascii=False))
    else:
        print(f"Ошибка: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure ends as one message and exit code 1, never a traceback
    (CRMDESK_DEBUG=1 shows the traceback of an unexpected one for developers)."""
    import os

    from crmdesk.config import private_files
    from crmdesk.services.errors import friendly

    private_files()
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print("Прервано.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 — no traceback reaches a user
        error = friendly(exc, _where(args))
        if error is None:
            if os.environ.get("CRMDESK_DEBUG") == "1":
                raise
            from crmdesk.config import log_exception
            from crmdesk.services.faults import scrub

            where = log_exception(exc)
            message = (
                f"Непредвиденная ошибка ({type(exc).__name__}: {scrub(str(exc))[:200]}). "
                "Сообщите администратору команду, которую вы выполняли"
                + (f", и файл {where}." if where else ".")
            )
        else:
            message = str(error)
        try:
            report_error(args, message)
        except BrokenPipeError:
            _quiet_stdout()
        return 1
