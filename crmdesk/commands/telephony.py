"""crmdesk telephony …, users extension, call event/dial, list calls: the PBX from the CLI."""

from __future__ import annotations

import getpass
import os
import sys

from crmdesk.services import telephony  # noqa: F401 — registers the flush hooks that attach calls
from crmdesk.services.errors import ValidationError


def register(sub, common) -> None:
    from crmdesk.cli import add_list

    tp = sub.add_parser("telephony", parents=[common], help="АТС: настройка и запись звонков")
    tps = tp.add_subparsers(dest="telephony_command", required=True)
    setup = tps.add_parser(
        "setup", parents=[common], help="подключение к Asterisk (AMI)",
        description="Адрес и пользователь AMI. Пароль берётся из переменной CRMDESK_AMI_SECRET "
        "или спрашивается; в базе он не хранится.",
    )
    setup.add_argument("--host", required=True)
    setup.add_argument("--port", type=int, default=5038)
    setup.add_argument("--ami-user", required=True, metavar="AMIUSER")
    setup.add_argument("--channel", metavar="TEMPLATE",
                       help="канал внутреннего номера для исходящих (по умолчанию PJSIP/{ext})")
    setup.add_argument("--context", help="контекст исходящих (по умолчанию from-internal)")
    setup.add_argument("--check", action="store_true", help="проверить вход в AMI сразу")
    setup.set_defaults(handler=run_setup)
    run = tps.add_parser(
        "run", parents=[common], help="записывать звонки без открытого приложения",
        description="Подключается к АТС и записывает каждый звонок. Для службы или "
        "Планировщика заданий. Пароль AMI — из CRMDESK_AMI_SECRET.",
    )
    run.add_argument("--once-for", type=float, metavar="SECONDS",
                     help="выйти через столько секунд (для проверок и скриптов)")
    run.set_defaults(handler=run_listener)

    _users_extension(sub, common)

    call = sub.add_parser("call", parents=[common], help="звонки: событие от АТС, набор номера")
    cs = call.add_subparsers(dest="call_command", required=True)
    ev = cs.add_parser(
        "event", parents=[common], help="событие звонка от любой АТС (облачной, скрипта)",
        description="Подаёт состояние звонка в crmdesk: карточка звонящего на столе "
        "внутреннего номера, запись звонка. Ответ печатает --id звонка для следующих событий.",
    )
    ev.add_argument("--direction", required=True, choices=("in", "out"))
    ev.add_argument("--number", required=True)
    ev.add_argument("--ext", required=True)
    ev.add_argument("--state", required=True, choices=("ringing", "answered", "ended"))
    ev.add_argument("--id", dest="call_id", metavar="CALLID")
    ev.add_argument("--duration", type=int, metavar="S", help="секунд разговора (для ended)")
    ev.set_defaults(handler=run_event)
    dial = cs.add_parser("dial", parents=[common], help="позвонить: АТС звонит на внутренний "
                         "номер пользователя, затем на номер")
    dial.add_argument("number")
    dial.set_defaults(handler=run_dial)

    lp = sub.choices.get("list")
    if lp is not None and not any("--missed" in a.option_strings for a in lp._actions):
        lp.add_argument("--missed", action="store_true",
                        help="calls: только пропущенные, ещё не перезвонили")
    add_list("calls", _calls_rows, ["id", "started", "direction", "state", "number", "client",
                                    "ext", "answered_by", "duration_sec"])


def _add_extension(users_sub, common) -> None:
    ext = users_sub.add_parser("extension", parents=[common], help="внутренний номер пользователя")
    ext.add_argument("login")
    ext.add_argument("ext", help="внутренний номер; пустая строка — убрать")
    ext.set_defaults(handler=run_extension)


def _users_extension(sub, common) -> None:
    """``users extension``: into the ``users`` group whoever makes it (commands.office makes
    it after this module registers; without that module, this one makes it)."""
    import importlib.util

    users = sub.choices.get("users")
    if users is not None:
        for action in users._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                _add_extension(action, common)
                return
    if users is None and importlib.util.find_spec("crmdesk.commands.office") is None:
        users = sub.add_parser("users", parents=[common], help="пользователи")
        _add_extension(users.add_subparsers(dest="users_command", required=True), common)
        return
    add_parser = sub.add_parser

    def adding(name, *a, **kw):  # the group made later: add ours to its subcommands
        parser = add_parser(name, *a, **kw)
        if name == "users":
            sub.add_parser = add_parser
            add_subparsers = parser.add_subparsers

            def with_extension(**kw2):
                action = add_subparsers(**kw2)
                _add_extension(action, common)
                return action

            parser.add_subparsers = with_extension
        return parser

    sub.add_parser = adding


def _calls_rows(args, ctx) -> list[dict]:
    return [
        telephony.call_row(c, ctx.user)
        for c in telephony.list_calls(ctx, missed=getattr(args, "missed", False), limit=args.limit)
    ]


def run_setup(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.context import unit_of_work

    secret = os.environ.get(telephony.AMI_ENV)
    if not secret:
        if not sys.stdin.isatty():
            raise ValidationError("Пароль AMI", f"не задан: укажите {telephony.AMI_ENV}")
        secret = getpass.getpass(f"Пароль пользователя AMI «{args.ami_user}»: ")
    with unit_of_work(engine, args.user) as ctx:
        data = telephony.configure(
            ctx, args.host, args.port, args.ami_user, secret, args.channel, args.context
        )
    if args.check:
        from crmdesk.services.calllistener import listener_for

        listener = listener_for(engine, log_calls=False).start()
        ok = listener.client.connected.wait(10)
        text = listener.client.status_text
        listener.stop()
        if not ok:
            raise ValidationError("Подключение к АТС", text or "нет ответа")
    where = {"keyring": "в хранилище паролей системы",
             "memory": f"только в этом сеансе (задавайте {telephony.AMI_ENV})"}
    emit(args, data, lambda: (
        f"АТС: {data['host']}:{data['port']}, пользователь AMI {data['user']}\n"
        f"Пароль сохранён {where.get(data['secret_stored'], '')}".rstrip()
    ))
    return 0


def run_listener(args, engine) -> int:
    import signal
    import threading

    from crmdesk.services.calllistener import listener_for

    done = threading.Event()
    statuses: list[str] = []

    def status(state, text):
        statuses.append(state)
        if not args.json:
            print(f"АТС: {state} {text}".rstrip(), file=sys.stderr, flush=True)

    def update(upd):
        if not args.json and upd.kind == "end":
            c = upd.call
            print(f"{c.started.astimezone():%d.%m.%Y %H:%M:%S} {c.direction} {c.number} "
                  f"{c.state} {c.duration or 0} с", flush=True)

    listener = listener_for(engine, on_update=update, on_status=status).start()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_a: done.set())
    done.wait(args.once_for)
    listener.stop()
    if listener.client.connections == 0:
        from crmdesk.services.errors import CrmError

        raise CrmError(listener.client.status_text or "Не удалось подключиться к АТС.")
    if listener.errors:
        print("Не записаны звонки: " + "; ".join(listener.errors[:3]), file=sys.stderr)
        return 1
    return 0


def run_extension(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        user = telephony.set_extension(ctx, args.login, args.ext)
        data = {"login": user.login, "extension": user.extension}
    emit(args, data, lambda: f"{data['login']}: внутренний номер {data['extension'] or '—'}")
    return 0


def run_event(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.calllistener import external_event
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        call = external_event(
            ctx, args.direction, args.number, args.ext, args.state, args.call_id, args.duration
        )
        row = telephony.call_row(call, ctx.user)
    row["call_id"] = row["linkedid"].removeprefix("ext:")
    emit(args, row, lambda: f"Звонок {row['call_id']}: {row['state']}, {row['number']}"
         + (f", {row['client']}" if row["client"] else ""))
    return 0


def run_dial(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.calllistener import dial
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        data = dial(ctx, args.number)
    emit(args, data, lambda: f"АТС звонит на {data['ext']}, затем на {data['dialled']}")
    return 0
