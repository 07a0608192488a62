"""crmdesk list requests, crmdesk request …, crmdesk readings import|export, crmdesk housing
on|off (requests and the housing-services module); the analytics: crmdesk report requests."""

from __future__ import annotations

from pathlib import Path

from crmdesk.cli import add_list, emit
from crmdesk.services.errors import ValidationError

REQUEST_KEYS = ["number", "registered", "status", "category", "object", "applicant",
                "executor", "deadline", "overdue"]


def register(sub, common) -> None:
    add_list("requests", _list_requests, REQUEST_KEYS)
    lp = sub.choices.get("list")
    if lp is not None:
        have = {o for a in lp._actions for o in a.option_strings}
        if "--status" not in have:
            lp.add_argument("--status", metavar="S", help="requests: только в статусе "
                            "(new, assigned, in_work, done, closed, rejected, postponed)")
        if "--overdue" not in have:
            lp.add_argument("--overdue", action="store_true", help="requests: только просроченные")
        if "--executor" not in have:
            lp.add_argument("--executor", metavar="LOGIN", help="requests: только исполнителя")

    rp = sub.add_parser("request", parents=[common], help="заявки: регистрация и выполнение")
    rs = rp.add_subparsers(dest="request_command", required=True)
    cr = rs.add_parser("create", parents=[common], help="зарегистрировать заявку",
                       description="Заявитель — клиент (--client) или имя и телефон (--phone, "
                                   "--name). Категория предлагает исполнителя и срок.")
    cr.add_argument("--client", type=int, metavar="ID", help="код клиента")
    cr.add_argument("--phone", metavar="N", help="телефон заявителя")
    cr.add_argument("--name", metavar="ФИО", help="имя заявителя")
    cr.add_argument("--category", metavar="NAME", help="категория заявки")
    cr.add_argument("--text", required=True, metavar="T", help="описание")
    cr.add_argument("--address", metavar="ADDR", help="адрес (объект)")
    cr.add_argument("--premises", type=int, metavar="ID", help="помещение (модуль ЖКХ)")
    cr.add_argument("--channel", default="call", metavar="call|email|visit|site|messenger")
    cr.add_argument("--paid", action="store_true", help="платная заявка")
    cr.set_defaults(handler=create_command)
    st = rs.add_parser("status", parents=[common], help="сменить статус заявки")
    st.add_argument("number", metavar="НОМЕР")
    st.add_argument("status", metavar="new|assigned|in_work|done|closed|rejected|postponed")
    st.add_argument("--comment", metavar="T")
    st.set_defaults(handler=status_command)
    asg = rs.add_parser("assign", parents=[common], help="назначить исполнителя")
    asg.add_argument("number", metavar="НОМЕР")
    asg.add_argument("executor", metavar="LOGIN")
    asg.set_defaults(handler=assign_command)
    done = rs.add_parser("done", parents=[common], help="заявка выполнена")
    done.add_argument("number", metavar="НОМЕР")
    done.add_argument("--result", required=True, metavar="T", help="что сделано")
    done.set_defaults(handler=done_command)
    chk = rs.add_parser("check-deadlines", parents=[common],
                        help="напоминания исполнителям и задачи диспетчеру по срокам; для "
                             "планировщика заданий")
    chk.set_defaults(handler=deadlines_command)
    act = rs.add_parser("act", parents=[common], help="акт выполненных работ по заявке (PDF/XLSX)")
    act.add_argument("number", metavar="НОМЕР")
    act.add_argument("-o", "--output", metavar="FILE", help="файл .pdf или .xlsx")
    act.set_defaults(handler=act_command)
    att = rs.add_parser("attach", parents=[common], help="приложить файл (фото, запись, документ)")
    att.add_argument("number", metavar="НОМЕР")
    att.add_argument("file")
    att.set_defaults(handler=attach_command)

    dp = sub.add_parser("readings", parents=[common], help="показания счётчиков (модуль ЖКХ)")
    ds = dp.add_subparsers(dest="readings_command", required=True)
    imp = ds.add_parser("import", parents=[common], help="загрузить показания из XLSX/CSV",
                        description="Колонки: «Заводской номер», «Показание», «Дата», «Вид "
                                    "счётчика» (первая строка — заголовок).")
    imp.add_argument("file")
    imp.add_argument("--report", metavar="R.xlsx", help="сохранить отчёт по строкам")
    imp.add_argument("--dry-run", action="store_true", help="только проверить, не записывать")
    imp.set_defaults(handler=import_command)
    exp = ds.add_parser("export", parents=[common], help="выгрузить показания месяца (XLSX)")
    exp.add_argument("--month", required=True, metavar="YYYY-MM")
    exp.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    exp.set_defaults(handler=export_command)

    cp = sub.add_parser("calendar", parents=[common],
                        help="производственный календарь: праздники и рабочие дни")
    cs = cp.add_subparsers(dest="calendar_command", required=True)
    cl = cs.add_parser("list", parents=[common], help="праздники и переносы года")
    cl.add_argument("--year", type=int, metavar="ГГГГ")
    cl.set_defaults(handler=calendar_list_command)
    cset = cs.add_parser("set", parents=[common], help="сделать день выходным или рабочим "
                         "(normal — по дню недели); администратор")
    cset.add_argument("day", metavar="ДД.ММ.ГГГГ")
    cset.add_argument("kind", choices=("holiday", "workday", "normal"))
    cset.add_argument("--name", metavar="T", help="название (праздник, перенос)")
    cset.set_defaults(handler=calendar_set_command)

    hp = sub.add_parser("housing", parents=[common], help="модуль ЖКХ: включить или выключить")
    hp.add_argument("state", choices=("on", "off"))
    hp.set_defaults(handler=housing_command)


def _row(req, now) -> dict:
    from crmdesk.services.requests import STATUSES, is_overdue

    executor = req.executor.full_name if req.executor else (
        req.contractor.name if req.contractor else None)
    return {"id": req.id, "number": req.number,
            "registered": f"{req.registered_at.astimezone():%d.%m.%Y %H:%M}",
            "status": STATUSES[req.status], "status_code": req.status,
            "category": req.category.name if req.category else None,
            "object": req.address, "description": req.description,
            "applicant": req.client.name if req.client else (
                req.applicant_name or req.applicant_phone),
            "executor": executor,
            "deadline": f"{req.deadline.astimezone():%d.%m.%Y %H:%M}" if req.deadline else None,
            "overdue": "да" if is_overdue(req, now) else ""}


def _list_requests(args, ctx) -> list[dict]:
    from sqlalchemy import select

    from crmdesk.models import User, utcnow
    from crmdesk.models.service import ServiceRequest
    from crmdesk.services import lists
    from crmdesk.services.requestlists import REQUESTS, registry_state
    from crmdesk.services.requests import STATUSES

    status = getattr(args, "status", None)
    if status is not None and status not in STATUSES:
        raise ValidationError("--status", f"«{status}»: можно {', '.join(STATUSES)}")
    executor_id = None
    if getattr(args, "executor", None):
        executor_id = ctx.session.scalar(select(User.id).where(User.login == args.executor))
        if executor_id is None:
            raise ValidationError("--executor", f"пользователь «{args.executor}» не найден")
    state = registry_state(status=status, overdue=getattr(args, "overdue", False),
                           executor_id=executor_id)
    rows = lists.fetch(ctx, REQUESTS, state, 0, args.limit)
    now = utcnow()
    return [_row(ctx.session.get(ServiceRequest, r.id), now) for r in rows]


def _find_user(ctx, login: str, option: str):
    from sqlalchemy import select

    from crmdesk.models import User

    user = ctx.session.scalar(select(User).where(User.login == login))
    if user is None:
        raise ValidationError(option, f"пользователь «{login}» не найден")
    return user


def create_command(args, engine) -> int:
    from crmdesk.models import utcnow
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.requests import create_request

    with unit_of_work(engine, args.user) as ctx:
        req = create_request(ctx, {
            "client_id": args.client, "applicant_phone": args.phone, "applicant_name": args.name,
            "category": args.category, "description": args.text, "address": args.address,
            "premises_id": args.premises, "channel": args.channel,
            "paid": True if args.paid else None})
        row = _row(req, utcnow())
    emit(args, row, lambda: f"Зарегистрирована заявка № {row['number']} ({row['status']}"
                            + (f", исполнитель {row['executor']}" if row["executor"] else "")
                            + (f", срок {row['deadline']}" if row["deadline"] else "") + ")")
    return 0


def _change(args, engine, fn) -> int:
    from crmdesk.models import utcnow
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.requests import find_request

    with unit_of_work(engine, args.user) as ctx:
        req = find_request(ctx, args.number)
        req = fn(ctx, req)
        row = _row(req, utcnow())
    emit(args, row, lambda: f"Заявка № {row['number']}: {row['status']}")
    return 0


def status_command(args, engine) -> int:
    from crmdesk.services.requests import change_status

    return _change(args, engine, lambda ctx, r: change_status(ctx, r.id, args.status,
                                                              args.comment))


def assign_command(args, engine) -> int:
    from crmdesk.services.requests import assign

    return _change(args, engine, lambda ctx, r: assign(
        ctx, r.id, executor_id=_find_user(ctx, args.executor, "исполнитель").id))


def done_command(args, engine) -> int:
    from crmdesk.services.requests import complete

    return _change(args, engine, lambda ctx, r: complete(ctx, r.id, args.result))


def deadlines_command(args, engine) -> int:
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.housing import verification_reminders
    from crmdesk.services.requests import check_deadlines

    with unit_of_work(engine, args.user) as ctx:
        made = check_deadlines(ctx)
        made["verifications"] = verification_reminders(ctx)
    emit(args, made, lambda: f"Напоминаний: {made['reminders']}, "
                             f"задач по просрочке: {made['escalations']}, "
                             f"о поверке счётчиков: {made['verifications']}")
    return 0


def act_command(args, engine) -> int:
    """The request's «Акт выполненных работ», the one its form prints, into a file."""
    from crmdesk.commands.reports import _format
    from crmdesk.reports.request_act import request_act_pdf, request_act_xlsx
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.requests import find_request

    fmt = _format(args.output)
    with unit_of_work(engine, args.user, read_only=True) as ctx:
        req = find_request(ctx, args.number)
        data = (request_act_pdf if fmt == "pdf" else request_act_xlsx)(ctx, req.id)
        number = req.number
    Path(args.output).write_bytes(data)
    info = {"number": number, "file": str(args.output), "bytes": len(data)}
    emit(args, info, lambda: f"Акт по заявке № {number} сохранён в {args.output}")
    return 0


def attach_command(args, engine) -> int:
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.requests import attach_file, find_request

    path = Path(args.file)
    if not path.is_file():
        raise ValidationError("Файл", f"«{args.file}» не найден")
    with unit_of_work(engine, args.user) as ctx:
        req = find_request(ctx, args.number)
        item = attach_file(ctx, req.id, path.name, path.read_bytes())
        data = {"number": req.number, "file": item.name, "size": item.size}
    emit(args, data, lambda: f"К заявке № {data['number']} приложен файл {data['file']}")
    return 0


def import_command(args, engine) -> int:
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.readings_io import import_readings

    if args.report and Path(args.report).suffix.lower() != ".xlsx":
        raise ValidationError("--report", f"«{args.report}»: нужен файл .xlsx")
    with unit_of_work(engine, args.user) as ctx:
        report = import_readings(ctx, args.file, dry_run=args.dry_run)
    if args.report:
        Path(args.report).write_bytes(report.xlsx())
    data = report.to_json()

    def text() -> str:
        head = ("Проверка (ничего не записано): " if args.dry_run else "Загружено: ") + (
            f"{data['accepted'] + data['flagged']}, из них проверить {data['flagged']}; "
            f"отклонено {data['rejected']}")
        return "\n".join([head] + [r["message"] for r in data["rows"]])

    emit(args, data, text)
    return 0


def export_command(args, engine) -> int:
    from datetime import date

    from crmdesk.services.context import unit_of_work
    from crmdesk.services.readings_io import export_month

    try:
        year, month = (int(x) for x in args.month.split("-"))
        period = date(year, month, 1)
    except ValueError:
        raise ValidationError("--month", f"«{args.month}»: нужен месяц вида 2026-11") from None
    if Path(args.output).suffix.lower() != ".xlsx":
        raise ValidationError("-o", f"«{args.output}»: нужен файл .xlsx")
    with unit_of_work(engine, args.user, read_only=True) as ctx:
        data = export_month(ctx, period)
    Path(args.output).write_bytes(data)
    emit(args, {"file": args.output, "month": args.month},
         lambda: f"Сохранено: {args.output}")
    return 0


def calendar_list_command(args, engine) -> int:
    from crmdesk.cli import table
    from crmdesk.services import calendar
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        rows = [{**d, "day": f"{d['day']:%d.%m.%Y}"}
                for d in calendar.list_days(ctx.session, args.year)]
    emit(args, rows, lambda: table(rows, ["day", "kind_title", "name", "edited"]))
    return 0


def calendar_set_command(args, engine) -> int:
    from crmdesk.services import calendar
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.lists import parse_date

    day = parse_date(args.day, "Дата")
    with unit_of_work(engine, args.user) as ctx:
        calendar.set_day(ctx, day, args.kind, args.name)
    emit(args, {"day": day.isoformat(), "kind": args.kind},
         lambda: f"{day:%d.%m.%Y}: {calendar.KINDS[args.kind]}")
    return 0


def housing_command(args, engine) -> int:
    from crmdesk.services import housing
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        housing.set_enabled(ctx, args.state == "on")
    emit(args, {"housing": args.state == "on"},
         lambda: "Модуль ЖКХ " + ("включён" if args.state == "on" else "выключен"))
    return 0

