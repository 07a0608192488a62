"""The office on one database from the command line (the administrator's):
``crmdesk sessions list|end ID`` and ``crmdesk pg-backup`` (a copy checked by restoring,
for cron / the Task Scheduler). Registered by ``crmdesk.commands.office``."""

from __future__ import annotations


def register(sub, common) -> None:
    ss = sub.add_parser("sessions", parents=[common],
                        help="активные пользователи: кто работает, завершить сеанс")
    sss = ss.add_subparsers(dest="sessions_command", required=True)
    ls = sss.add_parser("list", parents=[common], help="кто подключён, с какого компьютера, "
                        "с какого времени")
    ls.set_defaults(handler=sessions_list)
    end = sss.add_parser("end", parents=[common], help="завершить сеанс (зависшая программа): "
                         "его блокировки снимаются, запись из него запрещается")
    end.add_argument("session_id", type=int, metavar="ID")
    end.add_argument("--reason", help="причина (её увидит пользователь)")
    end.set_defaults(handler=sessions_end)

    pg = sub.add_parser(
        "pg-backup", parents=[common],
        help="копия базы PostgreSQL (pg_dump -Fc) с проверкой восстановлением",
        description="Копия pg_dump в формате custom в папку копий (ротация 7 ежедневных + 4 "
        "еженедельных), затем восстановление её во временную базу на том же сервере, подсчёт "
        "и удаление временной базы. Для cron и Планировщика заданий. --check FILE проверяет "
        "готовую копию.",
    )
    pg.add_argument("--to", dest="to_dir", metavar="DIR", help="папка копий")
    pg.add_argument("--no-verify", dest="verify", action="store_false",
                    help="без проверки восстановлением")
    pg.add_argument("--no-rotate", dest="rotate", action="store_false",
                    help="не удалять старые копии")
    pg.add_argument("--check", metavar="FILE", help="только проверить готовую копию")
    pg.set_defaults(handler=pg_backup_command)


def sessions_list(args, engine) -> int:
    from crmdesk.cli import emit, table
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.rights import ADMIN
    from crmdesk.services.sessions import active_sessions

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        ctx.require(ADMIN)
        rows = [
            {"id": s.id, "login": s.login, "user": s.full_name, "computer": s.computer,
             "started": f"{s.started_at.astimezone():%d.%m.%Y %H:%M}",
             "last_seen": f"{s.last_seen.astimezone():%H:%M:%S}",
             "alive": s.alive, "locks": s.locks}
            for s in active_sessions(ctx.session)
        ]
    emit(args, rows, lambda: table(rows, ["id", "login", "user", "computer", "started",
                                          "last_seen", "alive", "locks"]))
    return 0


def sessions_end(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.sessions import end_session

    with unit_of_work(engine, args.user) as ctx:
        end_session(ctx, args.session_id, args.reason or "завершён администратором")
    emit(args, {"ended": args.session_id}, lambda: f"Сеанс {args.session_id} завершён.")
    return 0


def pg_backup_command(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import pg_backup
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.errors import CrmError
    from crmdesk.services.rights import ADMIN

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        ctx.require(ADMIN)
    if engine.dialect.name != "postgresql":
        raise CrmError("pg-backup — для базы PostgreSQL; копия SQLite: «crmdesk backup».")
    if args.check:
        checked = pg_backup.verify_dump(engine, args.check)
        emit(args, checked.as_dict(), lambda: checked.message)
        return 0
    result, checked = pg_backup.scheduled_backup(engine, args.to_dir, args.verify, args.rotate)
    data = {**result.as_dict(), "verified": checked.as_dict() if checked else None}

    def text() -> str:
        lines = [result.message, f"Размер: {result.size / 2**20:.1f} МБ, {result.seconds:.1f} с"]
        lines += [f"Удалена старая копия: {p.name}" for p in result.removed]
        if checked:
            lines.append(checked.message)
        return "\n".join(lines)

    emit(args, data, text)
    return 0
