"""Валовая прибыль: revenue, cost, gross profit and margin of posted orders.

Revenue is the order lines' amount without VAT (VAT included in the price is taken out;
VAT on top is not part of the line amount); cost is the cost frozen in the order line when
it was sold. Only posted orders not marked for deletion count, dated within the period
(local days). A manager without «Просмотр чужих клиентов» or «Отчёты по всем менеджерам»
sees only their own clients.

By product the lines are summed; every other grouping sums the orders' own totals, which
are exactly the sums of their rounded lines (see ``_document_revenue``) — ten times fewer
rows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import aliased

from crmdesk.models import Client, Document, DocumentLine, Product, User
from crmdesk.models.base import Money
from crmdesk.reports.period import (
    day_start,
    month_key,
    month_title,
    period_text,
    utc_offset_minutes,
    visible_clients,
)
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series, percent, sum_rows
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.money import ZERO
from crmdesk.services.search import fold

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
    Column("margin", "Рентабельность, %", "percent", False, 13),
]


def _line_sums():
    """Per order line: the amount less the VAT inside it (VAT on top is not in the amount)."""
    vat_inside = case((Document.vat_mode == "included", DocumentLine.vat_amount), else_=0)
    return (
        type_coerce(func.sum(DocumentLine.amount - vat_inside), Money).label("revenue"),
        type_coerce(func.sum(DocumentLine.cost_amount), Money).label("cost"),
    )


def _document_revenue():
    """The same from an order's totals, which are the sums of its rounded lines: revenue =
    total − VAT in every mode (included: the VAT is inside the amounts; on top: the total is
    the amounts plus the VAT; without VAT: the VAT is zero); cost = the lines' frozen cost.
    Reading a row per order instead of ten per order keeps a million lines fast."""
    return type_coerce(Document.total - Document.vat_total, Money)


def _document_sums():
    return (
        type_coerce(func.sum(Document.total - Document.vat_total), Money).label("revenue"),
        type_coerce(func.sum(Document.cost_total), Money).label("cost"),
    )


def _figures(row) -> dict:
    revenue = row.revenue or ZERO
    cost = row.cost or ZERO
    profit = revenue - cost
    return {"revenue": revenue, "cost": cost, "profit": profit,
            "margin": percent(profit, revenue)}


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
    ]
    visible = visible_clients(ctx)  # the user's own clients, unless they see everybody's
    if visible is not None:
        where.append(Document.client_id.in_(visible))
    if date_from:
        where.append(Document.date >= day_start(date_from))
    if date_to:
        where.append(Document.date < day_start(date_to + timedelta(days=1)))
    if manager is not None:
        where.append(Document.manager_id == manager.id)
    manager_name = func.coalesce(seller.full_name, "(не указан)")
    # Sums are taken over integer keys first and names joined to the few resulting rows:
    # grouping a million lines by text would cost the database far more.
    if group_by == "order":
        stmt = (
            select(Document.id.label("k0"), Document.number.label("k1"),
                   Document.date.label("k2"), Client.id.label("k3"), Client.name.label("k4"),
                   manager_name.label("k5"),
                   _document_revenue().label("revenue"), Document.cost_total.label("cost"))
            .join(Client, Client.id == Document.client_id)
            .outerjoin(seller, seller.id == Document.manager_id)
            .where(*where)
            .order_by(Client.search_name, Client.id, Document.date, Document.id)
        )
    elif group_by in ("client", "manager"):
        keys = [Document.manager_id.label("manager_id")]
        if group_by == "client":
            keys.append(Document.client_id.label("client_id"))
        agg = (select(*keys, *_document_sums()).where(*where).group_by(*keys)
               .subquery("sums"))
        figures = (agg.c.revenue, agg.c.cost)
        if group_by == "client":
            stmt = (
                select(agg.c.manager_id.label("k0"), manager_name.label("k1"),
                       agg.c.client_id.label("k2"), Client.name.label("k3"), *figures)
                .select_from(agg)
                .join(Client, Client.id == agg.c.client_id)
                .outerjoin(seller, seller.id == agg.c.manager_id)
                .order_by(fold(s, manager_name), agg.c.manager_id, Client.search_name, Client.id)
            )
        else:
            stmt = (
                select(agg.c.manager_id.label("k0"), manager_name.label("k1"), *figures)
                .select_from(agg)
                .outerjoin(seller, seller.id == agg.c.manager_id)
                .order_by(fold(s, manager_name), agg.c.manager_id)
            )
    elif group_by == "product":
        # a line without a product is its own item, by its description
        described = case((DocumentLine.product_id.is_(None), DocumentLine.description))
        agg = (
            select(DocumentLine.product_id.label("product_id"), described.label("described"),
                   *_line_sums())
            .join(Document, Document.id == DocumentLine.document_id)
            .where(*where)
            .group_by(DocumentLine.product_id, described)
            .subquery("sums")
        )
        name = func.coalesce(Product.name, agg.c.described)
        stmt = (
            select(agg.c.product_id.label("k0"), name.label("k1"), agg.c.revenue, agg.c.cost)
            .select_from(agg)
            .outerjoin(Product, Product.id == agg.c.product_id)
            .order_by(fold(s, name), agg.c.product_id)
        )
    else:
        month = month_key(s, Document.date)
        stmt = (select(month.label("k0"), *_document_sums()).where(*where).group_by(month)
                .order_by(month))
    result_rows = s.connection().execute(stmt).all()  # Core rows: no ORM bookkeeping
    return _build(ctx, result_rows, group_by, date_from, date_to, manager)


def _build(ctx, result_rows, group_by, date_from, date_to, manager) -> ReportResult:
    groups: list[Group] = []
    if group_by == "order":
        shift = timedelta(minutes=utc_offset_minutes())  # stored UTC → this computer's day
        columns = [Column("number", "Заказ", width=18), Column("date", "Дата", "date", width=11),
                   Column("manager", "Менеджер", width=24), *FIGURES]
        current = None
        for r in result_rows:
            title = r.k4
            if current is None or current.title != title or current.rows[-1]["_client_id"] != r.k3:
                current = Group(title, [])
                groups.append(current)
            when, revenue, cost = r.k2, r.revenue or ZERO, r.cost or ZERO
            current.rows.append({
                "number": r.k1,
                "date": (when + shift).date() if isinstance(when, datetime) else when,
                "manager": r.k5,
                "_document_id": r.k0,
                "_client_id": r.k3,
                "revenue": revenue,
                "cost": cost,
                "profit": revenue - cost,
                "margin": percent(revenue - cost, revenue),
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
    all_rows = [row for g in groups for row in g.rows]
    if len(groups) > 1 or (groups and groups[0].title is not None):
        for g in groups:
            g.subtotal = _with_margin(sum_rows(g.rows, columns, label_key, "Итого"))
        total = _with_margin(sum_rows([g.subtotal for g in groups], columns, label_key, "Итого"))
    else:
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
