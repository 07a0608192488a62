"""crmdesk import / export / backup / restore: clients in and out, copies of the database."""

from __future__ import annotations

import sys
from pathlib import Path

from crmdesk.services.errors import CrmError, ValidationError


def register(sub, common) -> None:
    imp = sub.add_parser(
        "import",
        parents=[common],
        help="загрузить клиентов из XLSX, CSV, Google Контактов или vCard",
        description="Загрузка клиентов одной транзакцией: все принятые строки или ничего. "
        "Отклонённые, загруженные с предупреждением и объединённые строки попадают в отчёт.",
    )
    imp.add_argument("what", choices=["clients"])
    imp.add_argument("file", metavar="FILE", help="файл .xlsx, .csv или .vcf")
    imp.add_argument("--report", metavar="FILE.xlsx", help="сохранить отчёт по строкам в XLSX")
    imp.add_argument("--dry-run", action="store_true",
                     help="только проверить, ничего не записывать")
    imp.add_argument("--sheet", metavar="NAME", help="лист книги Excel (по умолчанию найденный)")
    imp.add_argument("--header-row", type=int, metavar="N",
                     help="номер строки заголовка (по умолчанию находится сам)")
    imp.add_argument(
        "--mapping",
        metavar="SPEC",
        help='колонки вручную: JSON {"колонка|номер|буква": "поле"} или путь к JSON-файлу; '
        "null — не загружать колонку",
    )
    imp.set_defaults(handler=import_command)

    exp = sub.add_parser(
        "export",
        parents=[common],
        help="выгрузить клиентов в XLSX, CSV, vCard или Google Контакты",
        description="Формат по расширению файла (.xlsx, .csv, .vcf) или --format.",
    )
    exp.add_argument("what", choices=["clients"])
    exp.add_argument("file", metavar="FILE.xlsx|.csv|.vcf")
    exp.add_argument(
        "--format", dest="fmt", metavar="xlsx|csv|vcard|google", help="формат (google: CSV "
        "для импорта в Google Контакты)"
    )
    exp.add_argument("--find", metavar="TEXT", help="только клиенты, найденные по строке")
    exp.set_defaults(handler=export_command)

    bk = sub.add_parser(
        "backup",
        parents=[common],
        help="резервная копия базы (для cron и Планировщика заданий)",
        description="SQLite: онлайн-копия с проверкой целостности; PostgreSQL: pg_dump -Fc или "
        "файл обмена. Старые копии удаляются по правилу 7 ежедневных + 4 еженедельных.",
    )
    bk.add_argument("--to", dest="to_dir", metavar="DIR", help="папка копий (по умолчанию из "
                    "настройки backup_dir)")
    bk.add_argument("--no-rotate", dest="rotate", action="store_false",
                    help="не удалять старые копии")
    bk.add_argument("--full-check", action="store_true",
                    help="SQLite: полная проверка integrity_check и для большой базы "
                    "(по умолчанию до 256 МБ полная, больше — quick_check)")
    bk.add_argument("--if-due", action="store_true",
                    help="только если последней удачной копии больше backup_interval_hours")
    bk.set_defaults(handler=backup_command, needs_db=False)

    rs = sub.add_parser(
        "restore",
        parents=[common],
        help="восстановить базу из резервной копии",
        description="Копия восстанавливается и проверяется рядом; рабочий файл SQLite "
        "сначала сохраняется как *.before-restore-*.sqlite. PostgreSQL: только в пустую базу.",
    )
    rs.add_argument("file", metavar="FILE")
    rs.add_argument("--to", dest="to_url", metavar="URL",
                    help="куда восстановить (по умолчанию рабочая база --db)")
    rs.set_defaults(handler=restore_command, needs_db=False)


def _end_progress(shown) -> None:
    """The progress counter (on a terminal) ends its line before the result is printed."""
    if shown is not None:
        print(file=sys.stderr)


def _file_error(path, exc: OSError) -> CrmError:
    return CrmError(f"Файл {path}: {exc.strerror or exc}")


def _report_line(item) -> str:
    from crmdesk.services.imports.report import KIND_TITLES

    where = f"строка {item.row}" + (f", «{item.field}»" if item.field else "")
    value = f" = «{item.value}»" if item.value and item.kind != "rejected" else ""
    return f"  {KIND_TITLES.get(item.kind, item.kind)}: {where}{value} — {item.message}"


def import_command(args, engine) -> int:
    from crmdesk.cli import emit, progress
    from crmdesk.services.imports import import_clients

    if args.report and Path(args.report).suffix.lower() != ".xlsx":
        raise ValidationError("--report", f"«{args.report}»: отчёт сохраняется в файл .xlsx")
    shown = progress(args)
    try:
        report = import_clients(
            engine,
            args.file,
            user=args.user,
            sheet=args.sheet,
            header_row=args.header_row,
            mapping=args.mapping,
            dry_run=args.dry_run,
            progress=shown,
        )
    finally:
        _end_progress(shown)
    data = report.as_dict()
    if args.report:
        try:
            report.save_xlsx(args.report)
        except OSError as exc:
            raise _file_error(args.report, exc) from None
        data["report_file"] = str(args.report)

    def text() -> str:
        lines = [report.summary()]
        if report.dry_run:
            lines.append("Ничего не записано (--dry-run).")
        lines += [_report_line(i) for i in report.items]
        if args.report:
            lines.append(f"Отчёт: {args.report}")
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def export_command(args, engine) -> int:
    from crmdesk.cli import emit, progress
    from crmdesk.services.exports import FORMATS, export_clients, export_format

    fmt = export_format(args.file, args.fmt)
    shown = progress(args)
    try:
        count = export_clients(
            engine, args.file, user=args.user, fmt=fmt, find=args.find, progress=shown
        )
    except OSError as exc:
        raise _file_error(args.file, exc) from None
    finally:
        _end_progress(shown)
    data = {"file": str(args.file), "format": fmt, "clients": count}
    emit(args, data, lambda: f"Выгружено клиентов: {count} в {args.file} ({FORMATS[fmt]})")
    return 0


def _existing_engine(url_arg):
    """The engine of a database that must already exist (a backup never creates one)."""
    from sqlalchemy.engine import make_url

    from crmdesk.config import resolve_db_url
    from crmdesk.db import make_engine

    url = resolve_db_url(url_arg)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        path = Path(u.database or "")
        if not u.database or u.database == ":memory:" or not path.is_file():
            raise CrmError(f"База {u.database or url} не найдена: копировать нечего.")
    return make_engine(url)


def backup_command(args, _engine) -> int:
    from crmdesk.cli import emit, sign_in
    from crmdesk.services import backup as backups
    from crmdesk.services.rights import ADMIN

    engine = _existing_engine(args.db)
    try:
        sign_in(engine, args, ADMIN)
        if args.if_due and not backups.backup_due(engine):
            state = backups.last_backup(engine) or {}
            data = {"ok": True, "skipped": True, "last_ok_at": state.get("last_ok_at")}
            emit(args, data, lambda: f"Копия не нужна: последняя удачная {data['last_ok_at']}")
            return 0
        result = backups.backup(engine, to_dir=args.to_dir, rotate=args.rotate,
                                check="full" if args.full_check else "auto")
    finally:
        engine.dispose()
    data = result.as_dict()

    def text() -> str:
        lines = [result.message]
        if result.ok:
            lines.append(f"Размер: {result.size / 2**20:.1f} МБ, {result.seconds:.1f} с")
        lines += [f"Удалена старая копия: {p.name}" for p in result.removed]
        return "\n".join(lines)

    if not result.ok:
        raise CrmError(result.message)
    emit(args, data, text)
    return 0


def _restore_rights(args, target: str) -> None:
    """Restoring over a database with data is the administrator's (of that database); a new
    or empty one is made by whoever restores, as «db upgrade» makes one."""
    from crmdesk.cli import sign_in
    from crmdesk.db import make_engine, schema_state
    from crmdesk.services import access
    from crmdesk.services.rights import ADMIN

    if not args.to_url:
        access.require_existing(target)  # only --to may name a database that is not there
    if not access.exists(target):
        return
    engine = make_engine(target)
    try:
        current, head = schema_state(engine)
        if current is None:
            return
        if current != head:
            from crmdesk.db import upgrade

            upgrade(engine)  # its users are read with this program's models
        if not access.is_fresh(engine):
            sign_in(engine, args, ADMIN)
    finally:
        engine.dispose()


def restore_command(args, _engine) -> int:
    from crmdesk.cli import emit, progress
    from crmdesk.config import resolve_db_url
    from crmdesk.services.backup import restore

    target = args.to_url or resolve_db_url(args.db)
    _restore_rights(args, target)
    shown = progress(args)
    try:
        result = restore(args.file, target, progress=shown)
    finally:
        _end_progress(shown)
    emit(args, result.as_dict(), lambda: result.message)
    return 0
