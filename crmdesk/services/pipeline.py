"""Event rules: when something happens to a deal's document or date, an action follows.

Document events come through ``services.events`` (documents.post emits «document_posted»);
date events (the contract ends in N days, has ended, no activity for N days) are found by
``check_rules`` — `crmdesk deals check-rules` for the Task Scheduler, and the desktop at
start. Every run is written to ``rule_runs`` (done, refused with the reason, skipped), once
per rule, deal and occasion, so reposting a document or checking twice a day repeats
nothing. A move by a rule goes only along an allowed transition and is logged in the stage
history with the rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from crmdesk.models import (
    Deal,
    Document,
    EventRule,
    Interaction,
    RuleRun,
    Settlement,
    Stage,
    Task,
    utcnow,
)
from crmdesk.services import deals, events
from crmdesk.services.context import Context
from crmdesk.services.errors import TransitionError
from crmdesk.services.processes import DATE_EVENTS

POSTED_EVENTS = {"proposal": "proposal_posted", "order": "order_posted",
                 "invoice": "invoice_posted"}
RESULTS = {"done": "Выполнено", "refused": "Отказано", "skipped": "Не выполнено"}


@dataclass
class RunResult:
    rule: str
    deal_id: int
    result: str  # done | refused | skipped
    message: str

    def row(self) -> dict:
        return {"rule": self.rule, "deal_id": self.deal_id, "result": RESULTS[self.result],
                "message": self.message}


def _rules(ctx: Context, process_id: int, event: str) -> list[EventRule]:
    return list(ctx.session.scalars(
        select(EventRule).where(EventRule.process_id == process_id, EventRule.event == event,
                                EventRule.active.is_(True)).order_by(EventRule.id)))


def fire(ctx: Context, deal: Deal, event: str, occasion: str, **values) -> list[RunResult]:
    """Run the deal's process's active rules of ``event`` not yet run for ``occasion``."""
    out = []
    for rule in _rules(ctx, deal.process_id, event):
        out += _fire_one(ctx, rule, deal, occasion, values)
    return out


def _act(ctx: Context, rule: EventRule, deal: Deal, values: dict) -> tuple[str, str]:
    if rule.action == "move":
        target = ctx.session.get(Stage, rule.stage_id) if rule.stage_id else None
        if target is None:
            return "skipped", "Этап правила не задан."
        if deal.stage_id == target.id:
            return "skipped", f"Сделка уже на этапе «{target.name}»."
        try:
            deals.check_move(ctx, deal, target)
        except TransitionError as exc:
            return "refused", str(exc)
        before = deal.stage.name
        deals.apply_move(ctx, deal, target, comment=f"Правило «{rule.name}»", rule_id=rule.id)
        return "done", f"Переведена с этапа «{before}» на этап «{target.name}»."
    if rule.action == "task":
        values = {"contract_end": f"{deal.contract_end:%d.%m.%Y}" if deal.contract_end else "",
                  "deal": deal.title, "client": deal.client.name, **values}
        try:
            title = (rule.task_title or rule.name).format(**values)
        except (KeyError, IndexError, ValueError):
            title = rule.task_title or rule.name
        due = utcnow() + timedelta(days=rule.task_days or 1)
        ctx.session.add(Task(
            title=title[:300], executor_id=deal.manager_id, client_id=deal.client_id,
            deal_id=deal.id, deadline=due, priority=2, status="open",
            description=f"Создана правилом «{rule.name}» по сделке «{deal.title}».",
        ))
        ctx.session.flush()
        return "done", f"Задача «{title}» менеджеру до {due.astimezone():%d.%m.%Y}."
    from crmdesk.services import rule_messages

    result, message, outbox_id = rule_messages.queue(ctx, rule, deal, values)
    values["_outbox_id"] = outbox_id  # the run points at its queued message
    return result, message


# --- document events ----------------------------------------------------------------------
def _document_total(ctx: Context, deal: Deal) -> None:
    """The deal's amount follows its last posted proposal, order or invoice, unless typed."""
    if deal.amount_fixed:
        return
    total = ctx.session.scalar(
        select(Document.total).where(
            Document.deal_id == deal.id, Document.posted.is_(True),
            Document.doc_type.in_(("proposal", "order", "invoice")),
            Document.deletion_mark.is_(False))
        .order_by(Document.date.desc(), Document.id.desc()).limit(1))
    if total is not None:
        deal.amount = total


def on_document_posted(ctx: Context, document: Document) -> None:
    if document.doc_type in POSTED_EVENTS and document.deal_id is not None:
        deal = ctx.session.get(Deal, document.deal_id)
        if deal is not None:
            _document_total(ctx, deal)
            fire(ctx, deal, POSTED_EVENTS[document.doc_type], f"doc:{document.id}",
                 document=document.title, document_id=document.id)
    if document.doc_type == "payment":
        paid = ctx.session.execute(
            select(Document.id, Document.deal_id)
            .join(Settlement, Settlement.invoice_id == Document.id)
            .where(Settlement.recorder_id == document.id, Document.deal_id.is_not(None))
        ).all()
        for invoice_id, deal_id in paid:
            owed = ctx.session.scalar(
                select(func.sum(Settlement.amount)).where(Settlement.invoice_id == invoice_id))
            if owed is not None and owed <= 0:
                deal = ctx.session.get(Deal, deal_id)
                fire(ctx, deal, "invoice_paid", f"paid:{invoice_id}", document_id=invoice_id)


def documents_received(ctx: Context, deal_id: int) -> list[RunResult]:
    """«Документы получены» on a deal: its rules of that event follow."""
    deal = deals.get_deal(ctx, deal_id, write=True)
    return fire(ctx, deal, "docs_received", f"docs:{utcnow():%Y-%m-%d}")


events.subscribe("document_posted", on_document_posted)


# --- date events --------------------------------------------------------------------------
def _today(today: date | None) -> date:
    return today or datetime.now().astimezone().date()


def _last_activity(ctx: Context, deal_ids: list[int]) -> dict[int, datetime]:
    last: dict[int, datetime] = {}
    for model, col in ((Interaction, Interaction.occurred_at), (Document, Document.date),
                       (Task, Task.created_at)):
        for deal_id, at in ctx.session.execute(
            select(model.deal_id, func.max(col)).where(model.deal_id.in_(deal_ids))
            .group_by(model.deal_id)
        ):
            if at is not None and (deal_id not in last or at > last[deal_id]):
                last[deal_id] = at
    return last


def check_rules(ctx: Context, today: date | None = None, batch: int = 500) -> list[RunResult]:
    """Run the date rules for every deal they concern; what each did is returned."""
    from crmdesk.services.rule_messages import send_after_commit

    today = _today(today)
    out: list[RunResult] = []
    send_after_commit(ctx.session)  # and what a stopped program left in the queue
    rules = list(ctx.session.scalars(select(EventRule).where(
        EventRule.event.in_(DATE_EVENTS), EventRule.active.is_(True))))
    open_stage = and_(Stage.is_final.is_(False), Stage.is_refusal.is_(False))
    for rule in rules:
        cond = [Deal.process_id == rule.process_id, Deal.deletion_mark.is_(False), open_stage]
        if rule.event == "contract_ends":
            cond += [Deal.contract_end >= today,
                     Deal.contract_end <= today + timedelta(days=rule.days or 0)]
        elif rule.event == "contract_ended":
            cond.append(Deal.contract_end < today)
        else:  # idle: nothing moved for N days — narrowed below by the last activity
            limit = datetime.combine(today - timedelta(days=rule.days or 0), datetime.min.time())
            cond.append(or_(Deal.stage_since.is_(None),
                            Deal.stage_since < limit.astimezone()))
        last_id = 0
        while True:
            ids = ctx.session.scalars(
                select(Deal.id).join(Stage, Stage.id == Deal.stage_id)
                .where(*cond, Deal.id > last_id).order_by(Deal.id).limit(batch)).all()
            if not ids:
                break
            last_id = ids[-1]
            activity = _last_activity(ctx, ids) if rule.event == "idle" else {}
            for deal in ctx.session.scalars(select(Deal).where(Deal.id.in_(ids))):
                if rule.event == "idle":
                    at = max(filter(None, (deal.stage_since, activity.get(deal.id))))
                    if at.astimezone().date() > today - timedelta(days=rule.days or 0):
                        continue
                    occasion = f"idle:{at.astimezone().date().isoformat()}"
                else:
                    occasion = f"end:{deal.contract_end.isoformat()}"
                out += _fire_one(ctx, rule, deal, occasion)
    return out


def _fire_one(ctx: Context, rule: EventRule, deal: Deal, occasion: str,
              values: dict | None = None) -> list[RunResult]:
    occasion = occasion[:40]
    if ctx.session.scalar(select(RuleRun.id).where(
            RuleRun.rule_id == rule.id, RuleRun.deal_id == deal.id,
            RuleRun.occasion == occasion)) is not None:
        return []
    values = dict(values or {})
    result, message = _act(ctx, rule, deal, values)
    ctx.session.add(RuleRun(rule_id=rule.id, deal_id=deal.id, occasion=occasion,
                            result=result, message=message, outbox_id=values.get("_outbox_id")))
    ctx.session.flush()
    return [RunResult(rule.name, deal.id, result, message)]


def rule_log(ctx: Context, deal_id: int) -> list[dict]:
    """What the rules did to a deal, newest first (the deal card's «Правила» tab)."""
    deals.get_deal(ctx, deal_id)
    rows = ctx.session.execute(
        select(RuleRun, EventRule.name).join(EventRule, EventRule.id == RuleRun.rule_id)
        .where(RuleRun.deal_id == deal_id).order_by(RuleRun.id.desc()))
    return [{"at": r.at, "rule": name, "result": RESULTS[r.result], "message": r.message}
            for r, name in rows]


# --- the demo base, made in bulk, as the rules would have made it ---------------------------
def demo_through_rules(conn) -> None:
    """After the demo's bulk insert (``conn``: its transaction): the moves to a stage the
    shipped rules make (invoice posted → «Выставление счёта», fully paid → «Оплачен») are
    recorded as made by those rules, with their runs; every move gets its time in the stage.
    So the demo reads as if it had gone through the rules."""
    from sqlalchemy import String, cast, exists, insert, literal, text, update

    from crmdesk.models import DealStageHistory as H
    from crmdesk.services.deals import stayed_sql

    conn.execute(text(stayed_sql(conn.dialect.name)))
    rules = conn.execute(select(EventRule.id, EventRule.name, EventRule.event,
                                EventRule.stage_id).where(
        EventRule.event.in_(("invoice_posted", "invoice_paid")), EventRule.action == "move",
        EventRule.active.is_(True))).all()
    for rule_id, name, event, stage_id in rules:
        inv = [Document.deal_id == H.deal_id, Document.doc_type == "invoice",
               Document.posted.is_(True)]
        paid = select(func.coalesce(func.sum(Settlement.amount), 0)).where(
            Settlement.invoice_id == Document.id).scalar_subquery()
        if event == "invoice_paid":
            inv.append(paid <= 0)
        conn.execute(update(H).where(
            H.rule_id.is_(None), H.to_stage_id == stage_id, H.from_stage_id.is_not(None),
            exists(select(Document.id).where(*inv))).values(
            rule_id=rule_id, user_id=None, comment=f"Правило «{name}»"))
        prefix = "paid:" if event == "invoice_paid" else "doc:"
        done = select(RuleRun.id).where(RuleRun.rule_id == rule_id,
                                        RuleRun.deal_id == Document.deal_id)
        conn.execute(insert(RuleRun).from_select(
            ["rule_id", "deal_id", "occasion", "at", "result", "message"],
            select(literal(rule_id), Document.deal_id,
                   literal(prefix).op("||")(cast(Document.id, String)), Document.date,
                   literal("done"), literal(f"Демонстрационные данные: правило «{name}»."))
            .where(Document.deal_id.is_not(None), Document.doc_type == "invoice",
                   Document.posted.is_(True), ~exists(done),
                   *([paid <= 0] if event == "invoice_paid" else []))))


def check_rules_daily(ctx: Context, today: date | None = None) -> list[RunResult] | None:
    """The desktop at start: the date rules once a day per database (None: done today)."""
    from crmdesk.services.settings import get_setting, set_setting

    today = _today(today)
    if get_setting(ctx.session, "pipeline_rules_checked") == today.isoformat():
        return None
    runs = check_rules(ctx, today)
    set_setting(ctx.session, "pipeline_rules_checked", today.isoformat())
    return runs
