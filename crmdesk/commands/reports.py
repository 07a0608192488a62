"""crmdesk report … and crmdesk print …: reports and print forms from the command line."""

from __future__ import annotations

from pathlib import Path

from crmdesk.services.errors import ValidationError

REPORT_OPTIONS = {  # option → (dest, the run_report parameter)
    "--from": ("date_from", "date_from"),
    "--to": ("date_to", "date_to"),
    "--as-of": ("as_of", "as_of"),
    "--by": ("by", "group_by"),
    "--period": ("period", "period"),
    "--manager": ("manager", "manager"),
}


def register(sub, common) -> None:
    rp = sub.add_parser(
        "report",
        parents=[common],
        help="отчёт: валовая прибыль, задолженность, прогноз, воронка, заявки…",
        description="Отчёты. Даты: 24.11.2026 или 2026-11-24. Без -o печатает таблицу. "
        "Задолженность считается на дату --as-of (или --to), по умолчанию на сегодня.",
    )
    rp.add_argument(
        "name",
        metavar="gross-profit|receivables|forecast|funnel|pipeline|plan-fact|requests"
        "|readings-missing",
    )
    rp.add_argument("--from", dest="date_from", metavar="DATE", help="начало периода")
    rp.add_argument("--to", dest="date_to", metavar="DATE", help="конец периода")
    rp.add_argument("--as-of", dest="as_of", metavar="DATE", help="на дату (по умолчанию сегодня)")
    rp.add_argument("--by", metavar="order|client|manager|product|month",
                    help="группировка валовой прибыли (по умолчанию client)")
    rp.add_argument("--period", metavar="week|month", help="шаг прогноза (по умолчанию week)")
    rp.add_argument("--manager", metavar="LOGIN", help="только клиенты/заказы менеджера")
    rp.add_argument("--all", dest="include_settled", action="store_true",
                    help="дебиторка: показать и клиентов без долга")
    rp.add_argument("-o", "--output", metavar="FILE.pdf|FILE.xlsx", help="сохранить в файл")
    rp.set_defaults(handler=run_report_command)

    pp = sub.add_parser(
        "print",
        parents=[common],
        help="печатная форма документа в PDF или XLSX",
        description="Печатные формы: счёт на оплату, заказ клиента (PDF, XLSX), "
        "коммерческое предложение (PDF); акт (act), накладная ТОРГ-12 (waybill) и "
        "универсальный передаточный документ (upd) — по номеру заказа или счёта (PDF, XLSX).",
    )
    pp.add_argument("form", metavar="invoice|order|proposal|act|waybill|upd")
    pp.add_argument("number", help="номер документа: СЧ-2026-000123 или 123 (последний год)")
    pp.add_argument("-o", "--output", metavar="FILE.pdf|FILE.xlsx", help="куда сохранить")
    pp.set_defaults(handler=run_print_command)


def _format(path: str | None, allowed: tuple[str, ...] = ("pdf", "xlsx")) -> str:
    if not path:
        raise ValidationError("-o", "укажите файл, например -o счёт.pdf")
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in allowed:
        raise ValidationError(
            "-o", f"«{path}»: нужен файл {' или '.join('.' + a for a in allowed)}"
        )
    return ext


def _report_params(args) -> tuple[str, dict]:
    from crmdesk.reports import REPORTS
    from crmdesk.reports.period import parse_date

    if args.name not in REPORTS:
        raise ValidationError("отчёт", f"нет отчёта «{args.name}»; есть: {', '.join(REPORTS)}")
    info = REPORTS[args.name]
    params: dict = {}
    if args.name == "receivables" and args.date_to is not None:
        if args.as_of is not None:
            raise ValidationError("--to", "для дебиторской задолженности это то же, что "
                                          "--as-of: укажите одно из двух")
        args.as_of, args.date_to = args.date_to, None  # «по состоянию на» the period's end
    for option, (dest, param) in REPORT_OPTIONS.items():
        value = getattr(args, dest)
        if value is None:
            continue
        if param not in info.params:
            raise ValidationError(option, f"отчёт «{args.name}» не использует этот параметр")
        if param in ("date_from", "date_to", "as_of"):
            value = parse_date(value, option)
        elif param in info.choices and value not in info.choices[param]:
            raise ValidationError(option, f"«{value}»: можно {', '.join(info.choices[param])}")
        params[param] = value
    if args.include_settled:
        if "include_settled" not in info.params:
            raise ValidationError("--all", f"отчёт «{args.name}» не использует этот параметр")
        params["include_settled"] = True
    if params.get("date_from") and params.get("date_to") and params["date_to"] < params[
        "date_from"
    ]:
        raise ValidationError("--to", "раньше, чем --from")
    return args.name, params


def run_report_command(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.reports import report_pdf, report_xlsx, run_report
    from crmdesk.reports.period import find_manager
    from crmdesk.services.context import unit_of_work

    name, params = _report_params(args)
    fmt = _format(args.output) if args.output else None
    with unit_of_work(engine, args.user, read_only=True) as ctx:
        if "manager" in params:
            params["manager"] = find_manager(ctx.session, params["manager"], "--manager")
        result = run_report(ctx, name, params)
    if fmt:
        data = report_pdf(result) if fmt == "pdf" else report_xlsx(result)
        Path(args.output).write_bytes(data)
    payload = result.to_json()
    if fmt:
        payload["file"] = str(args.output)
    emit(args, payload, lambda: f"Сохранено: {args.output}" if fmt else text_report(result))
    return 0


def text_report(result) -> str:
    """The report as a plain text table for the terminal."""
    from crmdesk.cli import table
    from crmdesk.reports.tabular import _lines, _text

    titles = [c.title for c in result.columns]
    first = titles[0]
    rows = []
    for kind, row in _lines(result):
        if kind == "group":
            rows.append({first: f"[{row['title']}]"})
            continue
        rows.append({c.title: _text(c, row.get(c.key)) for c in result.columns})
    head = f"{result.title}\n{result.subtitle}\n"
    return head + table(rows, titles).replace("\u00a0", " ")


def _find(ctx, form: str, number: str):
    import re

    from sqlalchemy import select

    from crmdesk.models import Document
    from crmdesk.services.documents import get_document
    from crmdesk.services.errors import NotFound

    number = number.strip()
    from crmdesk.reports import form_doc_types

    stmt = select(Document.id).where(Document.doc_type.in_(form_doc_types(form)))
    if re.fullmatch(r"\d{1,6}", number):
        stmt = stmt.where(Document.number.like(f"%-{int(number):06d}")).order_by(
            Document.year.desc()
        )
    else:
        stmt = stmt.where(Document.number == number)
    doc_id = ctx.session.scalar(stmt.limit(1))
    if doc_id is None:
        raise NotFound(f"Документ № {number} ({form}) не найден.")
    return get_document(ctx, doc_id)


def run_print_command(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.reports import PRINT_FORMS, print_document
    from crmdesk.services.context import unit_of_work

    if args.form not in PRINT_FORMS:
        raise ValidationError(
            "форма", f"нет печатной формы «{args.form}»; есть: {', '.join(PRINT_FORMS)}"
        )
    title, formats = PRINT_FORMS[args.form]
    fmt = _format(args.output)
    if fmt not in formats:
        raise ValidationError(
            "-o", f"«{title}» печатается только в {', '.join(f.upper() for f in formats)}"
        )
    with unit_of_work(engine, args.user, read_only=True) as ctx:
        doc = _find(ctx, args.form, args.number)
        data = print_document(ctx, args.form, doc.id, fmt)
        number = doc.number
    Path(args.output).write_bytes(data)
    info = {"form": args.form, "number": number, "file": str(args.output), "bytes": len(data)}
    emit(args, info, lambda: f"{title} № {number} сохранён в {args.output}")
    return 0
