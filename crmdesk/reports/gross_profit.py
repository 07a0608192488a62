"""Валовая прибыль: revenue, cost, gross profit and margin of posted orders.

Revenue is the order lines' amount without VAT (VAT included in the price is taken out;
VAT on top is not part of the line amount); cost is the cost frozen in the order line when
it was sold. Only posted orders not marked for deletion count, dated within the period
(local days). A manager without «Просмотр чужих клиентов» sees only their own clients.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import aliased

from crmdesk.models import Client, Document, DocumentLine, Product, User
from crmdesk.models.base import Money
from crmdesk.reports.period import day_start, month_key, month_title, period_text
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series, percent, sum_rows
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.money import ZERO

GROUP_BY = {
    "order": "заказам",
    "client": "клиентам",
    "manager": "менеджерам",
    "product": "товарам",
    "month": "месяцам",
}
FIGURES = [
    Column("revenue", "Выручка без НДС", "money", True),
    Column("cost", "Себестоимость", "money", True),
    Column("profit", "Валовая прибыль", "money", True),
    Column("margin", "Рентабельность, %", "percent", False, 10),
]


def _sums():
    vat_inside = case((Document.vat_mode == "included", DocumentLine.vat_amount), else_=0)
    return (
        type_coerce(func.sum(DocumentLine.amount), Money).label("amount"),
        type_coerce(func.sum(vat_inside), Money).label("vat_inside"),
        type_coerce(func.sum(DocumentLine.cost_amount), Money).label("cost"),
    )


def _figures(row) -> dict:
    revenue = (row.amount or ZERO) - (row.vat_inside or ZERO)
    cost = row.cost or ZERO
    return {"revenue": revenue, "cost": cost, "profit": revenue - cost,
            "margin": percent(revenue - cost, revenue)}


def _with_margin(row: dict) -> dict:
    row["margin"] = percent(row["profit"], row["revenue"])
    return row


def gross_profit(
    ctx: Context,
    date_from: date | None = None,
    date_to: date | None = None,
    group_by: str = "client",
    manager: User | None = None,
) -> ReportResult:
    if group_by not in GROUP_BY:
        raise ValidationError("Группировка", f"«{group_by}»: можно {', '.join(GROUP_BY)}")
    s = ctx.session
    seller = aliased(User)
    where = [
        Document.doc_type == "order",
        Document.posted.is_(True),
        Document.deletion_mark.is_(False),
        rights.client_filter(ctx.user),
    ]
    if date_from:
        where.append(Document.date >= day_start(date_from))
    if date_to:
        where.append(Document.date < day_start(date_to + timedelta(days=1)))
    if manager is not None:
        where.append(Document.manager_id == manager.id)
    base = (
        select()
        .select_from(DocumentLine)
        .join(Document, Document.id == DocumentLine.document_id)
        .join(Client, Client.id == Document.client_id)
        .where(*where)
    )
    manager_name = func.coalesce(seller.full_name, "(не указан)")
    if group_by == "order":
        keys = (Document.id, Document.number, Document.date, Client.id, Client.name, manager_name)
        stmt = base.outerjoin(seller, seller.id == Document.manager_id)
        order = (Client.name, Client.id, Document.date, Document.id)
    elif group_by == "client":
        keys = (seller.id, manager_name, Client.id, Client.name)
        stmt = base.outerjoin(seller, seller.id == Document.manager_id)
        order = (manager_name, seller.id, Client.name, Client.id)
    elif group_by == "manager":
        keys = (seller.id, manager_name)
        stmt = base.outerjoin(seller, seller.id == Document.manager_id)
        order = (manager_name, seller.id)
    elif group_by == "product":
        name = func.coalesce(Product.name, DocumentLine.description)
        keys = (DocumentLine.product_id, name)
        stmt = base.outerjoin(Product, Product.id == DocumentLine.product_id)
        order = (name, DocumentLine.product_id)
    else:
        month = month_key(s, Document.date)
        keys = (month,)
        stmt = base
        order = (month,)
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    stmt = stmt.add_columns(*labelled, *_sums()).group_by(*keys).order_by(*order)
    result_rows = s.execute(stmt).all()
    return _build(ctx, result_rows, group_by, date_from, date_to, manager)


def _build(ctx, result_rows, group_by, date_from, date_to, manager) -> ReportResult:
    groups: list[Group] = []
    if group_by == "order":
        columns = [Column("number", "Заказ", width=18), Column("date", "Дата", "date", width=11),
                   Column("manager", "Менеджер", width=24), *FIGURES]
        current = None
        for r in result_rows:
            title = r.k4
            if current is None or current.title != title or current.rows[-1]["_client_id"] != r.k3:
                current = Group(title, [])
                groups.append(current)
            when = r.k2
            current.rows.append({
                "number": r.k1,
                "date": when.astimezone().date() if isinstance(when, datetime) else when,
                "manager": r.k5,
                "_document_id": r.k0,
                "_client_id": r.k3,
                **_figures(r),
            })
        label_key = "number"
    elif group_by == "client":
        columns = [Column("client", "Клиент", width=40), *FIGURES]
        current = None
        for r in result_rows:
            if current is None or current.rows[-1]["_manager_id"] != r.k0:
                current = Group(r.k1, [])
                groups.append(current)
            current.rows.append({"client": r.k3, "_client_id": r.k2, "_manager_id": r.k0,
                                 **_figures(r)})
        label_key = "client"
    else:
        title, key = {
            "manager": ("Менеджер", "manager"),
            "product": ("Товар (услуга)", "product"),
            "month": ("Месяц", "month"),
        }[group_by]
        columns = [Column(key, title, width=36), *FIGURES]
        rows = []
        for r in result_rows:
            row = {key: month_title(r.k0) if group_by == "month" else r.k1, **_figures(r)}
            if group_by == "manager":
                row["_manager_id"] = r.k0
            elif group_by == "product":
                row["_product_id"] = r.k0
            else:
                row["_month"] = r.k0
            rows.append(row)
        groups = [Group(None, rows)]
        label_key = key
    if len(groups) > 1 or (groups and groups[0].title is not None):
        for g in groups:
            g.subtotal = _with_margin(sum_rows(g.rows, columns, label_key, "Итого"))
    all_rows = [row for g in groups for row in g.rows]
    total = _with_margin(sum_rows(all_rows, columns, label_key, "Итого"))
    subtitle = period_text(date_from, date_to) + f"; по {GROUP_BY[group_by]}"
    if manager is not None:
        subtitle += f"; менеджер: {manager.full_name}"
    return ReportResult(
        name="gross-profit",
        title="Валовая прибыль",
        subtitle=subtitle,
        columns=columns,
        groups=groups,
        total=total,
        params={"date_from": date_from, "date_to": date_to, "group_by": group_by,
                "manager": manager.login if manager else None},
        charts=[_chart(all_rows, label_key, group_by)],
        notes=["Выручка — сумма строк проведённых заказов без НДС; себестоимость — "
               "зафиксированная в строках заказа при продаже."],
        generated_at=datetime.now().astimezone(),
    )


def _chart(rows: list[dict], label_key: str, group_by: str) -> Chart:
    if group_by == "month":
        picked = rows
    else:  # the ten largest by profit
        picked = sorted(rows, key=lambda r: r["profit"], reverse=True)[:10]
    return Chart(
        "Выручка и валовая прибыль",
        "bar",
        [str(r[label_key]) for r in picked],
        [
            Series("Выручка без НДС", [r["revenue"] for r in picked]),
            Series("Себестоимость", [r["cost"] for r in picked]),
            Series("Валовая прибыль", [r["profit"] for r in picked]),
        ],
    )


__all__ = ["GROUP_BY", "gross_profit"]
