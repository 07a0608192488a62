"""«Воронка продаж»: for a period, the deals entering each stage of a process, conversion
to the next stage and to a win, the lost with their reasons, the average time in a stage.

Counted from the stage history. A deal «enters» a stage in the period when its first move
to that stage falls within it (a deal coming back to a stage is counted once). Of those,
«to the next» are the deals that reached the next stage (in the process's order, refusals
aside) at or after entering; «won» the deals that reached a won stage (final and not a
refusal, or 100 %) at or after entering. Time in a stage: from a move to the stage to the
deal's next move, for the moves to it within the period that were followed by another.
Grouped by manager or by source (each group its own funnel), or not at all.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Float, and_, case, func, literal_column, select, type_coerce

from crmdesk.models import Client, Deal, DealStageHistory, SalesProcess, User
from crmdesk.reports.period import day_start, period_text, report_filter, sees_all, today
from crmdesk.reports.result import Chart, Column, Group, ReportResult, Series, percent
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.processes import won_stage_ids

SHORT_DAYS = 200
GROUP_BY = {"stage": "без группировки", "manager": "по менеджерам", "source": "по источникам"}
COLUMNS = [
    Column("stage", "Этап", width=30),
    Column("entered", "Вошло сделок", "int", True, 12),
    Column("to_next", "Перешли на следующий", "int", True, 12),
    Column("conv_next", "Конверсия в следующий, %", "percent", False, 13),
    Column("won", "Выиграно", "int", True, 11),
    Column("conv_win", "Конверсия в выигрыш, %", "percent", False, 13),
    Column("avg_days", "Среднее время на этапе, дн.", "number", False, 13),
]


def _group_key(group_by: str):
    if group_by == "manager":
        return Deal.manager_id
    if group_by == "source":
        return func.coalesce(Deal.source, literal_column("''"))
    return literal_column("0")  # not a bound parameter: PostgreSQL groups by it


def funnel_counts(ctx: Context, process: SalesProcess, start: datetime, end: datetime,
                  group_by: str = "stage", manager: User | None = None) -> dict:
    """{"stages": {group key: {stage id: {entered, to_next, won, avg_days}}},
    "lost": {group key: {reason: deals}}, "next": {stage id: next stage id}}.

    One pass over the stage history of the deals with a move in the period: a row per deal
    with its first entry into each stage and its last win, then summed per group — no join
    of the history with itself. Time in a stage comes from each move's ``stayed_seconds``."""
    s = ctx.session
    stages = list(process.stages)
    ids = [st.id for st in stages]
    path = [st for st in stages if not st.is_refusal]
    nxt = {a.id: b.id for a, b in zip(path, path[1:], strict=False)}
    won = won_stage_ids(s, process.id) or {-1}
    refusals = [st.id for st in stages if st.is_refusal] or [-1]
    h = DealStageHistory
    key = _group_key(group_by)
    grouped = [] if group_by == "stage" else [key]  # a constant is no GROUP BY term
    deal_cond = []
    if not sees_all(ctx):
        deal_cond.append(Deal.client_id.in_(select(Client.id).where(report_filter(ctx))))
    if manager is not None:
        deal_cond.append(Deal.manager_id == manager.id)

    def restricted(stmt, grouping=False):
        if deal_cond or grouping:
            return stmt.join(Deal, Deal.id == h.deal_id).where(*deal_cond)
        return stmt

    moved = select(h.deal_id).where(h.to_stage_id.in_(ids), h.at >= start, h.at < end)
    # a short period: only the deals moved in it are pivoted; a long one moved nearly all
    # of them, and the look-up would cost more than it saves (the sums count the period)
    short = end - start <= timedelta(days=SHORT_DAYS)
    # only the stages of the path are pivoted: a refusal's first entry is never summed, and
    # each pivoted stage costs a CASE per history row (SQLite: 8 → 7 columns, −18 % CPU)
    path_ids = [st.id for st in path]
    per_deal = restricted(
        select(h.deal_id.label("deal_id"),
               *[func.min(case((h.to_stage_id == i, h.at))).label(f"f{i}") for i in path_ids],
               func.max(case((h.to_stage_id.in_(won), h.at))).label("w"))
        .where(h.to_stage_id.in_(path_ids), *([h.deal_id.in_(moved)] if short else []))
    ).group_by(h.deal_id).subquery("per_deal")
    sums = []
    for i in path:
        f = per_deal.c[f"f{i.id}"]
        inside = and_(f >= start, f < end)
        one = {"else_": 0}
        sums.append(func.sum(case((inside, 1), **one)))
        if i.id in nxt:
            sums.append(func.sum(case((and_(inside, per_deal.c[f"f{nxt[i.id]}"] >= f), 1),
                                      **one)))
        else:
            sums.append(literal_column("0"))
        sums.append(func.sum(case((and_(inside, per_deal.c.w >= f), 1), **one)))
    stmt = select(key.label("k"), *sums).select_from(per_deal)
    if grouped:
        stmt = stmt.join(Deal, Deal.id == per_deal.c.deal_id).group_by(*grouped)
    out: dict = {}
    for row in s.connection().execute(stmt):
        k, figures = row[0], row[1:]
        if not any(figures):
            continue
        for n, st in enumerate(path):
            entered, to_next, won_n = figures[3 * n: 3 * n + 3]
            out.setdefault(k, {})[st.id] = {"entered": entered or 0, "to_next": to_next or 0,
                                            "won": won_n or 0, "avg_days": None}

    days = type_coerce(func.avg(h.stayed_seconds) / 86400.0, Float)
    stmt = restricted(select(key.label("k"), h.to_stage_id, days), bool(grouped)).where(
        h.to_stage_id.in_(ids), h.stayed_seconds.is_not(None), h.at >= start, h.at < end
    ).group_by(*grouped, h.to_stage_id)
    for k, stage_id, avg in s.connection().execute(stmt):
        row = out.setdefault(k, {}).setdefault(
            stage_id, {"entered": 0, "to_next": 0, "won": 0, "avg_days": None})
        row["avg_days"] = avg

    lost: dict = {}
    first_refusal = (select(h.deal_id.label("deal_id"), func.min(h.at).label("at"))
                     .where(h.to_stage_id.in_(refusals)).group_by(h.deal_id).subquery())
    reason = func.coalesce(Deal.refusal_reason, literal_column("''"))
    stmt = (select(key.label("k"), reason, func.count())
            .select_from(first_refusal).join(Deal, Deal.id == first_refusal.c.deal_id)
            .where(first_refusal.c.at >= start, first_refusal.c.at < end, *deal_cond)
            .group_by(*grouped, reason))
    for k, why, n in s.connection().execute(stmt):
        lost.setdefault(k, {})[why] = n
    return {"stages": out, "lost": lost, "next": nxt}


def _dec(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def funnel(ctx: Context, date_from: date | None = None, date_to: date | None = None,
           group_by: str = "stage", manager: User | None = None,
           process: SalesProcess | None = None) -> ReportResult:
    if group_by not in GROUP_BY:
        raise ValidationError("Группировка", f"«{group_by}»: можно {', '.join(GROUP_BY)}")
    date_to = date_to or today()
    date_from = date_from or date_to.replace(day=1)
    if process is None:
        from crmdesk.services.deals import default_process

        process = default_process(ctx)
    start, end = day_start(date_from), day_start(date_to + timedelta(days=1))
    figures = funnel_counts(ctx, process, start, end, group_by, manager)
    names = _group_names(ctx, group_by, set(figures["stages"]) | set(figures["lost"]))
    groups = []
    for k in sorted(names, key=lambda k: names[k]):
        groups.append(_group(process, names[k] if group_by != "stage" else None,
                             figures["stages"].get(k, {}), figures["lost"].get(k, {}),
                             figures["next"]))
    if not groups:
        groups = [_group(process, None, {}, {}, figures["next"])]
    totals = _merge(figures["stages"])
    chart_rows = [st for st in process.stages if not st.is_refusal]
    chart = Chart("Воронка продаж", "bar", [st.name for st in chart_rows],
                  [Series("Вошло сделок", [Decimal(totals.get(st.id, {}).get("entered", 0))
                                           for st in chart_rows])])
    subtitle = f"{period_text(date_from, date_to)}; процесс «{process.name}»; " \
               f"{GROUP_BY[group_by]}"
    if manager is not None:
        subtitle += f"; менеджер: {manager.full_name}"
    return ReportResult(
        name="funnel",
        title="Воронка продаж",
        subtitle=subtitle,
        columns=COLUMNS,
        groups=groups,
        total=None,
        params={"date_from": date_from, "date_to": date_to, "group_by": group_by,
                "manager": manager.login if manager else None},
        charts=[chart],
        notes=["Вошло — сделки, впервые перешедшие на этап в периоде; конверсия — доля из них, "
               "дошедших до следующего этапа и до выигрыша (в любое время после входа). "
               "Отказы — по причинам."],
        generated_at=datetime.now().astimezone(),
    )


def _merge(by_group: dict) -> dict:
    out: dict = {}
    for stages in by_group.values():
        for stage_id, row in stages.items():
            acc = out.setdefault(stage_id, {"entered": 0})
            acc["entered"] += row["entered"]
    return out


def _group(process, title, stages: dict, lost: dict, nxt: dict) -> Group:
    rows = []
    for st in process.stages:
        if st.is_refusal:
            continue
        f = stages.get(st.id, {"entered": 0, "to_next": 0, "won": 0, "avg_days": None})
        has_next = st.id in nxt
        rows.append({
            "stage": st.name,
            "_stage_id": st.id,
            "entered": f["entered"],
            "to_next": f["to_next"] if has_next else None,
            "conv_next": percent(Decimal(f["to_next"]), Decimal(f["entered"]))
            if has_next else None,
            "won": f["won"],
            "conv_win": percent(Decimal(f["won"]), Decimal(f["entered"])),
            "avg_days": _dec(f["avg_days"]),
        })
    for st in process.stages:
        if not st.is_refusal:
            continue
        n = sum(lost.values())
        rows.append({"stage": f"{st.name}: всего", "_stage_id": st.id, "entered": n,
                     "to_next": None, "conv_next": None, "won": None, "conv_win": None,
                     "avg_days": None})
        for reason, count in sorted(lost.items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append({"stage": f"    {reason or 'причина не указана'}", "_reason": reason,
                         "entered": count, "to_next": None, "conv_next": None, "won": None,
                         "conv_win": None, "avg_days": None})
        break
    return Group(title, rows)


def _group_names(ctx: Context, group_by: str, keys: set) -> dict:
    if group_by == "manager":
        users = dict(ctx.session.execute(select(User.id, User.full_name).where(
            User.id.in_([k for k in keys if k is not None]))).all())
        return {k: users.get(k, "") if k is not None else "Менеджер не указан" for k in keys}
    if group_by == "source":
        return {k: k or "Источник не указан" for k in keys}
    return {k: "" for k in keys}

