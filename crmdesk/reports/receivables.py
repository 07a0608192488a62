"""Дебиторская задолженность на дату: per client invoiced, paid, owed, overdue and its age.

Computed from the Settlement register (movements of posted, unmarked documents dated up to
the end of the as-of day): «Выставлено» sums the invoices, «Оплачено» the payments, «Долг»
is the difference (an advance lowers it). Each invoice's own remainder is aged by its due
date: not yet due, 1–30, 31–60, 61–90 and over 90 days overdue. Clients are grouped by
their manager (the client's owner); a manager without «Просмотр чужих клиентов» sees only
own clients (one with «Отчёты по всем менеджерам» sees everybody's).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, type_coerce

from crmdesk.models import Client, Document, Settlement, User
from crmdesk.models.base import Money
from crmdesk.reports.period import day_start, today, visible_clients
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series, sum_rows
from crmdesk.services.context import Context
from crmdesk.services.money import ZERO
from crmdesk.services.search import fold

BUCKETS = [
    ("not_due", "Срок не наступил"),
    ("d1_30", "1–30 дн."),
    ("d31_60", "31–60 дн."),
    ("d61_90", "61–90 дн."),
    ("d90", "Свыше 90 дн."),
]
COLUMNS = [
    Column("client", "Клиент", width=30),
    Column("invoiced", "Выставлено", "money", True),
    Column("paid", "Оплачено", "money", True),
    Column("advance", "Аванс", "money", True),
    Column("owed", "Долг", "money", True),
    Column("overdue", "в т.ч. просрочено", "money", True),
    *[Column(key, title, "money", True, 13) for key, title in BUCKETS],
]


def invoice_balances(ctx: Context, as_of: date, manager: User | None = None):
    """SQL (subquery): each (client, invoice) pair's invoiced, paid and remainder at as_of.

    ``invoice_id`` is NULL for a client's advance (a payment beyond its invoices)."""
    amount = Settlement.amount
    recorder = Document
    stmt = (
        select(
            Settlement.client_id.label("client_id"),
            Settlement.invoice_id.label("invoice_id"),
            type_coerce(func.sum(amount), Money).label("balance"),
            type_coerce(func.sum(case((amount > 0, amount), else_=0)), Money).label("invoiced"),
            type_coerce(func.sum(case((amount < 0, amount), else_=0)), Money).label("paid"),
            func.max(Settlement.due_date).label("due_date"),
        )
        .join(recorder, recorder.id == Settlement.recorder_id)
        .where(
            Settlement.date < day_start(as_of + timedelta(days=1)),
            recorder.posted.is_(True),
            recorder.deletion_mark.is_(False),
        )
        .group_by(Settlement.client_id, Settlement.invoice_id)
    )
    visible = visible_clients(ctx, manager)
    if visible is not None:
        stmt = stmt.where(Settlement.client_id.in_(visible))
    return stmt.subquery("balances")


def receivables(
    ctx: Context,
    as_of: date | None = None,
    manager: User | None = None,
    include_settled: bool = False,
) -> ReportResult:
    as_of = as_of or today()
    b = invoice_balances(ctx, as_of, manager)
    is_open = and_(b.c.invoice_id.is_not(None), b.c.balance > 0)

    def bucket(condition):
        return type_coerce(func.sum(case((and_(is_open, condition), b.c.balance), else_=0)), Money)

    due = b.c.due_date
    limits = [as_of - timedelta(days=n) for n in (30, 60, 90)]
    sums = {
        "invoiced": type_coerce(func.sum(b.c.invoiced), Money),
        "paid": type_coerce(func.sum(b.c.paid), Money),
        "owed": type_coerce(func.sum(b.c.balance), Money),
        "advance": type_coerce(
            func.sum(case((b.c.invoice_id.is_(None), b.c.balance), else_=0)), Money
        ),
        "not_due": bucket(or_(due.is_(None), due >= as_of)),
        "d1_30": bucket(and_(due < as_of, due >= limits[0])),
        "d31_60": bucket(and_(due < limits[0], due >= limits[1])),
        "d61_90": bucket(and_(due < limits[1], due >= limits[2])),
        "d90": bucket(due < limits[2]),
    }
    owner = func.coalesce(User.full_name, "(без менеджера)")
    stmt = (
        select(
            Client.id, Client.name, Client.owner_id, owner.label("owner"),
            *[v.label(k) for k, v in sums.items()],
        )
        .join(b, b.c.client_id == Client.id)
        .outerjoin(User, User.id == Client.owner_id)
        .group_by(Client.id, Client.name, Client.owner_id, owner)
        .order_by(fold(ctx.session, owner), Client.owner_id, Client.search_name, Client.id)
    )
    if not include_settled:
        open_sum = type_coerce(func.sum(case((is_open, b.c.balance), else_=0)), Money)
        stmt = stmt.having(or_(sums["owed"] != 0, open_sum != 0))
    groups: list[Group] = []
    for r in ctx.session.execute(stmt):
        row = {
            "client": r.name,
            "_client_id": r.id,
            "_manager_id": r.owner_id,
            "invoiced": r.invoiced or ZERO,
            "paid": -(r.paid or ZERO),
            "advance": -(r.advance or ZERO),
            "owed": r.owed or ZERO,
        }
        for key, _ in BUCKETS:
            row[key] = getattr(r, key) or ZERO
        row["overdue"] = row["d1_30"] + row["d31_60"] + row["d61_90"] + row["d90"]
        if not groups or groups[-1].rows[-1]["_manager_id"] != r.owner_id:
            groups.append(Group(r.owner, []))
        groups[-1].rows.append(row)
    for g in groups:
        g.subtotal = sum_rows(g.rows, COLUMNS, "client", "Итого")
    total = sum_rows([row for g in groups for row in g.rows], COLUMNS, "client", "Итого")
    subtitle = f"На {as_of:%d.%m.%Y}"
    if manager is not None:
        subtitle += f"; менеджер: {manager.full_name}"
    debtors = sorted((row for g in groups for row in g.rows), key=lambda x: x["owed"],
                     reverse=True)[:10]
    return ReportResult(
        name="receivables",
        title="Дебиторская задолженность",
        subtitle=subtitle,
        columns=COLUMNS,
        groups=groups,
        total=total,
        params={"as_of": as_of, "manager": manager.login if manager else None,
                "include_settled": include_settled},
        charts=[
            Chart("Задолженность по срокам", "pie", [t for _, t in BUCKETS],
                  [Series("Долг", [total.get(k, ZERO) for k, _ in BUCKETS])]),
            Chart("Крупнейшие должники", "bar", [r["client"] for r in debtors],
                  [Series("Долг", [r["owed"] for r in debtors]),
                   Series("в т.ч. просрочено", [r["overdue"] for r in debtors])]),
        ],
        notes=["Просрочка считается по сроку оплаты каждого счёта (дней после срока на дату "
               "отчёта); аванс — оплата сверх выставленных счетов."],
        generated_at=datetime.now().astimezone(),
    )
