"""Print forms and reports: plain functions from data to PDF/XLSX bytes, no Qt.

Print forms (each checks the user's right to read the document):

    print_forms(doc_type) -> [PrintFormInfo]                  the Печать menu of a document
    print_document(ctx, form, doc_id, fmt="pdf") -> bytes     form invoice|order|proposal
    save_document(ctx, form, doc_id, path) -> Path            the format from the extension
    document_file_name(ctx, form, doc_id, fmt) -> str         «Счёт СЧ-2026-000123.pdf»
    invoice_pdf/xlsx, order_pdf/xlsx, proposal_pdf(ctx, doc_id[, design])   the same, direct

Reports return a ``ReportResult`` (see ``crmdesk.reports.result``):

    run_report(ctx, name, params) -> ReportResult             name in REPORTS
    report_xlsx(result) -> bytes / report_pdf(result) -> bytes
    save_report(result, path) -> Path                         the format from the extension

The proposal's design (kept in the database): ``crmdesk.reports.design``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crmdesk.reports.period import find_manager, parse_date
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError


@dataclass(frozen=True)
class ReportInfo:
    """What the report form asks for: parameter names and, for choices, the options."""

    title: str
    params: tuple[str, ...]
    choices: dict[str, dict[str, str]] = field(default_factory=dict)


PARAM_TITLES = {
    "date_from": "Начало периода",
    "date_to": "Конец периода",
    "as_of": "Дата отчёта",
    "group_by": "Группировка",
    "period": "Периодичность",
    "manager": "Менеджер",
    "include_settled": "Показывать клиентов без долга",
}

REPORTS = {
    "gross-profit": ReportInfo(
        "Валовая прибыль",
        ("date_from", "date_to", "group_by", "manager"),
        {"group_by": {"order": "Заказы", "client": "Клиенты", "manager": "Менеджеры",
                      "product": "Товары", "month": "Месяцы"}},
    ),
    "receivables": ReportInfo(
        "Дебиторская задолженность", ("as_of", "manager", "include_settled")
    ),
    "forecast": ReportInfo(
        "Прогноз поступлений",
        ("as_of", "date_from", "date_to", "period", "manager"),
        {"period": {"week": "По неделям", "month": "По месяцам"}},
    ),
    "funnel": ReportInfo(
        "Воронка продаж",
        ("date_from", "date_to", "group_by", "manager"),
        {"group_by": {"stage": "Без группировки", "manager": "Менеджеры",
                      "source": "Источники"}},
    ),
    "pipeline": ReportInfo("Взвешенный прогноз продаж", ("as_of", "manager")),
    "plan-fact": ReportInfo("План-факт продаж", ("date_from", "date_to", "manager")),
    "requests": ReportInfo(  # crmdesk.reports.requests (service requests, ЖКХ)
        "Анализ заявок",
        ("date_from", "date_to", "group_by"),
        {"group_by": {"category": "Категории", "executor": "Исполнители", "house": "Дома"}},
    ),
    "readings-missing": ReportInfo("Не переданы показания", ("as_of",)),
}

PRINT_FORMS = {
    "invoice": ("Счёт на оплату", ("pdf", "xlsx")),
    "order": ("Заказ клиента", ("pdf", "xlsx")),
    "proposal": ("Коммерческое предложение", ("pdf", "xlsx")),
    "act": ("Акт выполненных работ (оказанных услуг)", ("pdf", "xlsx")),
    "waybill": ("Расходная накладная (ТОРГ-12)", ("pdf", "xlsx")),
    "upd": ("Универсальный передаточный документ (УПД)", ("pdf", "xlsx")),
}
FILE_TITLES = {"invoice": "Счёт", "order": "Заказ", "proposal": "КП", "act": "Акт",
               "waybill": "ТОРГ-12", "upd": "УПД"}
# the document types each form prints (by default the form's own type)
FORM_DOC_TYPES = {"act": ("order", "invoice"), "waybill": ("order", "invoice"),
                  "upd": ("order", "invoice")}


def form_doc_types(form: str) -> tuple[str, ...]:
    return FORM_DOC_TYPES.get(form, (form,))


@dataclass(frozen=True)
class PrintFormInfo:
    """One item of a document's Печать menu."""

    form: str  # the name print_document takes
    title: str  # «Счёт на оплату»
    formats: tuple[str, ...]  # ("pdf", "xlsx"); the first is what the preview shows


def print_forms(doc_type: str) -> list[PrintFormInfo]:
    """The print forms of a document type (invoice, order, proposal; a payment has none)."""
    return [PrintFormInfo(form, title, formats)
            for form, (title, formats) in PRINT_FORMS.items()
            if doc_type in form_doc_types(form)]


def run_report(ctx: Context, name: str, params: dict | None = None) -> ReportResult:
    """Compute a report. Dates may be date objects or text (24.11.2026 / 2026-11-24);
    ``manager`` a login, an id or a User; empty values mean the default."""
    if name not in REPORTS:
        raise ValidationError("Отчёт", f"нет отчёта «{name}»; есть: {', '.join(REPORTS)}")
    info = REPORTS[name]
    params = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
    unknown = set(params) - set(info.params)
    if unknown:
        raise ValidationError("Параметры", f"отчёт «{info.title}» не знает: "
                                           f"{', '.join(sorted(unknown))}")
    kw: dict = {}
    for key, value in params.items():
        title = PARAM_TITLES[key]
        if key in ("date_from", "date_to", "as_of"):
            kw[key] = parse_date(value, title)
        elif key == "manager":
            kw[key] = find_manager(ctx.session, value, title)
        elif key in info.choices:
            if value not in info.choices[key]:
                raise ValidationError(title, f"«{value}»: можно {', '.join(info.choices[key])}")
            kw[key] = value
        else:
            kw[key] = bool(value)
    if kw.get("date_from") and kw.get("date_to") and kw["date_to"] < kw["date_from"]:
        raise ValidationError(PARAM_TITLES["date_to"], "раньше начала периода")
    if name == "gross-profit":
        from crmdesk.reports.gross_profit import gross_profit

        return gross_profit(ctx, **kw)
    if name == "receivables":
        from crmdesk.reports.receivables import receivables

        return receivables(ctx, **kw)
    if name in ("requests", "readings-missing"):
        from crmdesk.reports.requests import missing_readings_report, requests_report

        return (requests_report if name == "requests" else missing_readings_report)(ctx, **kw)
    if name in PIPELINE_REPORTS:
        return PIPELINE_REPORTS[name](ctx, **kw)
    from crmdesk.reports.forecast import forecast

    return forecast(ctx, **kw)


def _funnel(ctx, **kw):
    from crmdesk.reports.funnel import funnel

    return funnel(ctx, **kw)


def _pipeline(ctx, **kw):
    from crmdesk.reports.pipeline import pipeline

    return pipeline(ctx, **kw)


def _plan_fact(ctx, **kw):
    from crmdesk.reports.plan_fact import plan_fact

    return plan_fact(ctx, **kw)


PIPELINE_REPORTS = {"funnel": _funnel, "pipeline": _pipeline, "plan-fact": _plan_fact}


def report_xlsx(result: ReportResult) -> bytes:
    from crmdesk.reports.tabular import report_xlsx as render

    return render(result)


def report_pdf(result: ReportResult) -> bytes:
    from crmdesk.reports.tabular import report_pdf as render

    return render(result)


def save_report(result: ReportResult, path) -> Path:
    """Write the report to ``path``: .pdf or .xlsx, as the extension says."""
    path = Path(path)
    fmt = _format_of(path, ("pdf", "xlsx"))
    path.write_bytes(report_pdf(result) if fmt == "pdf" else report_xlsx(result))
    return path


def _format_of(path: Path, allowed: tuple[str, ...]) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in allowed:
        raise ValidationError("Файл", f"«{path.name}»: нужен файл "
                                      f"{' или '.join('.' + a for a in allowed)}")
    return fmt


def save_document(ctx: Context, form: str, doc_id: int, path) -> Path:
    """Write a document's print form to ``path``: .pdf or .xlsx, as the extension says."""
    path = Path(path)
    data = print_document(ctx, form, doc_id, _format_of(path, ("pdf", "xlsx")))
    path.write_bytes(data)
    return path


def document_file_name(ctx: Context, form: str, doc_id: int, fmt: str = "pdf") -> str:
    """The file name a «Save as» dialog proposes: «Счёт СЧ-2026-000123.pdf»."""
    from crmdesk.services.documents import get_document

    doc = get_document(ctx, doc_id)
    name = f"{FILE_TITLES.get(form, form)} {doc.number}.{fmt}"
    return "".join("-" if ch in '\\/:*?"<>|' else ch for ch in name)


def print_document(ctx: Context, form: str, doc_id: int, fmt: str = "pdf",
                   design=None) -> bytes:
    """A print form of a document as bytes: form invoice|order|proposal|act|waybill (the
    last two of an order or an invoice), fmt pdf|xlsx;
    ``design`` (a ProposalDesign) prints a proposal in other than the stored design."""
    if form not in PRINT_FORMS:
        raise ValidationError("Печатная форма", f"нет формы «{form}»; есть: "
                                                f"{', '.join(PRINT_FORMS)}")
    title, formats = PRINT_FORMS[form]
    if fmt not in formats:
        raise ValidationError(
            "Формат", f"«{title}» печатается только в {', '.join(f.upper() for f in formats)}"
        )
    if form == "invoice":
        from crmdesk.reports.invoice import invoice_pdf, invoice_xlsx

        return (invoice_pdf if fmt == "pdf" else invoice_xlsx)(ctx, doc_id)
    if form == "order":
        from crmdesk.reports.order import order_pdf, order_xlsx

        return (order_pdf if fmt == "pdf" else order_xlsx)(ctx, doc_id)
    if form == "act":
        from crmdesk.reports.act import act_pdf, act_xlsx

        return (act_pdf if fmt == "pdf" else act_xlsx)(ctx, doc_id)
    if form == "waybill":
        from crmdesk.reports.waybill import waybill_pdf, waybill_xlsx

        return (waybill_pdf if fmt == "pdf" else waybill_xlsx)(ctx, doc_id)
    if form == "upd":
        from crmdesk.reports.upd import upd_pdf, upd_xlsx

        return (upd_pdf if fmt == "pdf" else upd_xlsx)(ctx, doc_id)
    if fmt == "xlsx":
        from crmdesk.reports.proposal_xlsx import proposal_xlsx

        return proposal_xlsx(ctx, doc_id)
    from crmdesk.reports.proposal import proposal_pdf

    return proposal_pdf(ctx, doc_id, design)


__all__ = [
    "PARAM_TITLES",
    "PRINT_FORMS",
    "REPORTS",
    "Chart",
    "Column",
    "Group",
    "PrintFormInfo",
    "ReportInfo",
    "ReportResult",
    "Series",
    "document_file_name",
    "print_document",
    "print_forms",
    "report_pdf",
    "report_xlsx",
    "run_report",
    "save_document",
    "save_report",
]
