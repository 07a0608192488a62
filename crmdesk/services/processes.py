"""Sales processes as a catalogue: stages (colour, probability, order, final), allowed
transitions, refusal reasons and event rules; the defaults a database gets."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crmdesk.models import (
    Deal,
    EventRule,
    RefusalReason,
    SalesProcess,
    Setting,
    Stage,
    StageTransition,
)
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import CrmError, NotFound, ValidationError

# the default process's look: code → (colour, probability %, final)
DEFAULT_LOOK = {
    "new": ("#9FC5E8", 10, False),
    "choice": ("#B4A7D6", 30, False),
    "invoicing": ("#FFE599", 60, False),
    "paid": ("#B6D7A8", 100, False),
    "awaiting_docs": ("#A2C4C9", 100, False),
    "client": ("#93C47D", 100, False),
    "contract": ("#76A5AF", 100, False),
    "refusal": ("#EA9999", 0, True),
}
DEFAULT_REASONS = [
    "Дорого",
    "Выбрали другого поставщика",
    "Нет бюджета",
    "Не отвечает",
    "Потребность отпала",
]
# name, event, days, action, target stage code, task title, task due in days
DEFAULT_RULES = [
    ("Счёт проведён → «Выставление счёта»", "invoice_posted", None, "move", "invoicing",
     None, None),
    ("Счёт оплачен полностью → «Оплачен»", "invoice_paid", None, "move", "paid", None, None),
    ("Договор заканчивается через 30 дней → задача менеджеру", "contract_ends", 30, "task",
     None, "Продлить договор: заканчивается {contract_end}", 7),
    ("Договор закончился → «Выставление счёта»", "contract_ended", None, "move", "invoicing",
     None, None),
]
# the Service Desk's «Инциденты»: code, name, colour, probability, final, refusal
INCIDENT_STAGES = [
    ("registered", "Зарегистрирован", "#9FC5E8", None, False, False),
    ("in_work", "В работе", "#FFE599", None, False, False),
    ("waiting", "Ожидание клиента", "#F9CB9C", None, False, False),
    ("resolved", "Решён", "#B6D7A8", None, False, False),
    ("closed", "Закрыт", "#93C47D", None, True, False),
    ("rejected", "Отклонён", "#EA9999", None, True, True),
]
INCIDENT_TRANSITIONS = [
    ("registered", "in_work"), ("registered", "rejected"), ("in_work", "waiting"),
    ("waiting", "in_work"), ("in_work", "resolved"), ("resolved", "in_work"),
    ("resolved", "closed"),
]
EVENTS = {
    "proposal_posted": "Проведено коммерческое предложение сделки",
    "order_posted": "Проведён заказ сделки",
    "invoice_posted": "Проведён счёт сделки",
    "invoice_paid": "Счёт сделки оплачен полностью",
    "docs_received": "Получены документы",
    "contract_ends": "До окончания договора N дней",
    "contract_ended": "Договор закончился",
    "idle": "Нет активности N дней",
}
DATE_EVENTS = ("contract_ends", "contract_ended", "idle")
ACTIONS = {
    "move": "Перевести на этап",
    "task": "Создать задачу менеджеру",
    "email": "Отправить письмо по шаблону",
    "sms": "Отправить SMS по шаблону",
}
MARK = "pipeline_defaults"  # set once the defaults below were given; never repeated


def ensure_pipeline_defaults(session: Session) -> None:
    """Idempotent (and safe as ensure_defaults' dry run): the default process's colours,
    probabilities, reasons and shipped rules, and the «Инциденты» process — once."""
    if session.get(Setting, MARK) is not None:
        return
    process = session.scalar(select(SalesProcess).where(SalesProcess.is_default.is_(True)))
    if process is None:
        return
    stages = {s.code: s for s in process.stages}
    for code, (color, prob, final) in DEFAULT_LOOK.items():
        if code in stages:
            s = stages[code]
            s.color = s.color or color
            s.probability = prob if s.probability is None else s.probability
            s.is_final = s.is_final or final
    for order, name in enumerate(DEFAULT_REASONS, 1):
        session.add(RefusalReason(process=process, name=name, order=order))
    for name, event, days, action, code, title, task_days in DEFAULT_RULES:
        if action == "move" and code not in stages:
            continue
        session.add(
            EventRule(
                process=process, name=name, event=event, days=days, action=action,
                stage=stages.get(code) if code else None, task_title=title,
                task_days=task_days, active=True,
            )
        )
    incidents = SalesProcess(name="Инциденты", is_default=False)
    session.add(incidents)
    made = {}
    for order, (code, name, color, prob, final, refusal) in enumerate(INCIDENT_STAGES, 1):
        made[code] = Stage(process=incidents, code=code, name=name, order=order, color=color,
                           probability=prob, is_final=final, is_refusal=refusal)
        session.add(made[code])
    session.flush()
    for a, b in INCIDENT_TRANSITIONS:
        if made[a].id is not None:  # not in the dry run
            session.add(StageTransition(from_stage_id=made[a].id, to_stage_id=made[b].id))
    session.add(Setting(key=MARK, value=True))


# --- reading ---------------------------------------------------------------------------
def processes(ctx: Context) -> list[SalesProcess]:
    return list(ctx.session.scalars(select(SalesProcess).order_by(
        SalesProcess.is_default.desc(), SalesProcess.id)))


def get_process(ctx: Context, process_id: int) -> SalesProcess:
    process = ctx.session.get(SalesProcess, process_id)
    if process is None:
        raise NotFound(f"Процесс с кодом {process_id} не найден.")
    return process


def transitions(ctx: Context, process_id: int) -> set[tuple[int, int]]:
    rows = ctx.session.execute(
        select(StageTransition.from_stage_id, StageTransition.to_stage_id)
        .join(Stage, Stage.id == StageTransition.from_stage_id)
        .where(Stage.process_id == process_id)
    )
    return {(a, b) for a, b in rows}


def reasons(ctx: Context, process_id: int) -> list[str]:
    return list(ctx.session.scalars(
        select(RefusalReason.name).where(RefusalReason.process_id == process_id)
        .order_by(RefusalReason.order, RefusalReason.name)))


def rules(ctx: Context, process_id: int | None = None) -> list[EventRule]:
    stmt = select(EventRule).order_by(EventRule.process_id, EventRule.id)
    if process_id is not None:
        stmt = stmt.where(EventRule.process_id == process_id)
    return list(ctx.session.scalars(stmt))


def won_stage_ids(session: Session, process_id: int | None = None) -> set[int]:
    """A win: a final stage that is not a refusal, or one whose probability is 100 %."""
    stmt = select(Stage.id, Stage.is_final, Stage.is_refusal, Stage.probability)
    if process_id is not None:
        stmt = stmt.where(Stage.process_id == process_id)
    return {i for i, final, refusal, prob in session.execute(stmt)
            if not refusal and (final or prob == 100)}


def open_stage_ids(session: Session, process_id: int | None = None) -> set[int]:
    """Where a deal is still in play: neither final, nor a refusal, nor a win."""
    stmt = select(Stage.id, Stage.is_final, Stage.is_refusal, Stage.probability)
    if process_id is not None:
        stmt = stmt.where(Stage.process_id == process_id)
    return {i for i, final, refusal, prob in session.execute(stmt)
            if not (final or refusal or prob == 100)}


# --- editing (the processes form and the tests) -----------------------------------------
def _check_color(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().upper()
    if len(v) != 7 or v[0] != "#" or any(c not in "0123456789ABCDEF" for c in v[1:]):
        raise ValidationError("Цвет", f"«{value}»: нужен цвет вида #A0C4FF")
    return v


def save_process(ctx: Context, data: dict, process_id: int | None = None) -> SalesProcess:
    """``data``: name, stages [{id?, code, name, color, probability, is_final, is_refusal}]
    in their order, transitions [(code, code)], reasons [name], is_default."""
    rights.require(ctx.user, rights.CATALOG)
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError("Наименование", "не заполнено")
    process = SalesProcess(name=name) if process_id is None else get_process(ctx, process_id)
    process.name = name
    ctx.session.add(process)
    ctx.session.flush()
    if data.get("is_default"):
        for p in processes(ctx):
            p.is_default = p.id == process.id
    if "stages" in data:
        _save_stages(ctx, process, data["stages"])
    if "transitions" in data:
        _save_transitions(ctx, process, data["transitions"])
    if "reasons" in data:
        ctx.session.execute(delete(RefusalReason).where(RefusalReason.process_id == process.id))
        for order, reason in enumerate(dict.fromkeys(r.strip() for r in data["reasons"]), 1):
            if reason:
                ctx.session.add(RefusalReason(process_id=process.id, name=reason, order=order))
    ctx.session.flush()
    return process


def _save_stages(ctx: Context, process: SalesProcess, rows: list[dict]) -> None:
    existing = {s.id: s for s in process.stages}
    seen_codes: set[str] = set()
    kept: set[int] = set()
    for no, row in enumerate(rows, 1):
        title = (row.get("name") or "").strip()
        if not title:
            raise ValidationError("Этап", "не заполнено", no)
        code = (row.get("code") or "").strip() or f"s{no}_{process.id}"
        if code in seen_codes:
            raise ValidationError("Код", f"«{code}» уже есть в этом процессе", no)
        seen_codes.add(code)
        prob = row.get("probability")
        if prob not in (None, "") and not 0 <= int(prob) <= 100:
            raise ValidationError("Вероятность, %", "от 0 до 100", no)
        stage = existing.get(row.get("id")) or Stage(process_id=process.id)
        stage.code, stage.name, stage.order = code, title, no
        stage.color = _check_color(row.get("color"))
        stage.probability = None if prob in (None, "") else int(prob)
        stage.is_final = bool(row.get("is_final"))
        stage.is_refusal = bool(row.get("is_refusal"))
        ctx.session.add(stage)
        if stage.id:
            kept.add(stage.id)
    for stage_id, stage in existing.items():
        if stage_id in kept:
            continue
        used = ctx.session.scalar(select(Deal.id).where(Deal.stage_id == stage_id).limit(1))
        if used is not None:
            raise CrmError(f"Этап «{stage.name}» нельзя удалить: на нём есть сделки.")
        ctx.session.execute(delete(StageTransition).where(
            (StageTransition.from_stage_id == stage_id)
            | (StageTransition.to_stage_id == stage_id)))
        ctx.session.delete(stage)
    ctx.session.flush()
    ctx.session.expire(process, ["stages"])


def _save_transitions(ctx: Context, process: SalesProcess, pairs) -> None:
    by_code = {s.code: s.id for s in process.stages}
    ids = [s.id for s in process.stages]
    ctx.session.execute(delete(StageTransition).where(StageTransition.from_stage_id.in_(ids)))
    for a, b in dict.fromkeys(tuple(p) for p in pairs):
        if a not in by_code or b not in by_code:
            raise ValidationError("Переходы", f"нет этапа «{a if a not in by_code else b}»")
        if a != b:
            ctx.session.add(StageTransition(from_stage_id=by_code[a], to_stage_id=by_code[b]))
    ctx.session.flush()


def save_rule(ctx: Context, data: dict, rule_id: int | None = None) -> EventRule:
    rights.require(ctx.user, rights.CATALOG)
    rule = EventRule() if rule_id is None else ctx.session.get(EventRule, rule_id)
    if rule is None:
        raise NotFound(f"Правило с кодом {rule_id} не найдено.")
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError("Наименование", "не заполнено")
    if data.get("event") not in EVENTS:
        raise ValidationError("Событие", f"«{data.get('event')}»: можно {', '.join(EVENTS)}")
    if data.get("action") not in ACTIONS:
        raise ValidationError("Действие", f"«{data.get('action')}»: можно {', '.join(ACTIONS)}")
    days = data.get("days")
    if data["event"] in ("contract_ends", "idle") and (days is None or int(days) < 1):
        raise ValidationError("Дней", "не заполнено")
    process = get_process(ctx, data["process_id"])
    stage_id = data.get("stage_id")
    if data["action"] == "move":
        stage = ctx.session.get(Stage, stage_id) if stage_id else None
        if stage is None or stage.process_id != process.id:
            raise ValidationError("Этап", "не заполнено")
    if data["action"] in ("email", "sms"):
        from crmdesk.models.comms import CHANNELS, MessageTemplate

        tpl = ctx.session.get(MessageTemplate, data["template_id"]) \
            if data.get("template_id") else None
        if tpl is None or tpl.deletion_mark:
            raise ValidationError("Шаблон", "не заполнено")
        if tpl.channel != data["action"]:
            raise ValidationError("Шаблон", f"«{tpl.name}» — шаблон для {CHANNELS[tpl.channel]}, "
                                  f"а правило отправляет {CHANNELS[data['action']]}")
    rule.process_id, rule.name, rule.event, rule.action = process.id, name, data["event"], data[
        "action"]
    rule.days = int(days) if days not in (None, "") else None
    rule.stage_id = stage_id if data["action"] == "move" else None
    rule.task_title = (data.get("task_title") or "").strip() or None
    rule.task_days = data.get("task_days")
    rule.template_id = data.get("template_id") if data["action"] in ("email", "sms") else None
    rule.active = bool(data.get("active", True))
    ctx.session.add(rule)
    ctx.session.flush()
    return rule


def delete_rule(ctx: Context, rule_id: int) -> None:
    rights.require(ctx.user, rights.CATALOG)
    rule = ctx.session.get(EventRule, rule_id)
    if rule is not None:
        ctx.session.delete(rule)
        ctx.session.flush()
