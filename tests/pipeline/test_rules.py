"""Event rules driven through the real services: posting, payments, dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from crmdesk.models import Deal, DealStageHistory, EventRule, RuleRun, Stage, Task
from crmdesk.services import deals, pipeline, processes
from tests.pipeline.conftest import doc


def stage_of(ctx, deal_id):
    return ctx.session.get(Deal, deal_id).stage.code


def test_shipped_rules_of_the_default_process(uow):
    with uow() as ctx:
        process = deals.default_process(ctx)
        rows = [(r.event, r.action, r.stage.code if r.stage else None, r.days)
                for r in processes.rules(ctx, process.id)]
        assert rows == [("invoice_posted", "move", "invoicing", None),
                        ("invoice_paid", "move", "paid", None),
                        ("contract_ends", "task", None, 30),
                        ("contract_ended", "move", "invoicing", None)]
        names = [p.name for p in processes.processes(ctx)]
        assert names == ["Продажа", "Инциденты"]
        assert "Дорого" in processes.reasons(ctx, process.id)


def test_invoice_paid_in_two_parts_moves_the_deal_only_on_the_second(uow, deal_base):
    cid, deal_id = deal_base["client"], deal_base["deal"]
    with uow("ivanov") as ctx:
        deals.move_deal(ctx, deal_id, "choice")
        inv = doc(ctx, "invoice", cid, deal_id, "10000")
        assert stage_of(ctx, deal_id) == "invoicing"
        deal = ctx.session.get(Deal, deal_id)
        assert deal.amount == Decimal("10000.00")  # from the document
        doc(ctx, "payment", cid, deal_id, "4000", basis_id=inv.id)
        assert stage_of(ctx, deal_id) == "invoicing"
    with uow("ivanov") as ctx:
        doc(ctx, "payment", cid, deal_id, "6000", basis_id=inv.id)
    with uow("ivanov") as ctx:
        assert stage_of(ctx, deal_id) == "paid"
        moves = ctx.session.scalars(select(DealStageHistory).where(
            DealStageHistory.deal_id == deal_id).order_by(DealStageHistory.id)).all()
        by_rule = [(m.rule_id is not None, m.user_id) for m in moves]
        assert by_rule == [(False, ctx.user.id), (False, ctx.user.id), (True, None),
                           (True, None)]
        assert moves[-1].comment == "Правило «Счёт оплачен полностью → «Оплачен»»"


def test_reposting_repeats_nothing(uow, deal_base):
    cid, deal_id = deal_base["client"], deal_base["deal"]
    with uow("ivanov") as ctx:
        deals.move_deal(ctx, deal_id, "choice")
        inv = doc(ctx, "invoice", cid, deal_id, "500")
        from crmdesk.services import documents

        documents.post(ctx, inv.id)
        documents.update_document(ctx, inv.id, {"comment": "исправлено"})
        assert ctx.session.scalar(select(RuleRun.result).where(RuleRun.deal_id == deal_id)) \
            == "done"
        assert len(ctx.session.scalars(select(RuleRun)).all()) == 1


def test_a_forbidden_rule_move_is_refused_and_logged(uow, deal_base):
    cid, deal_id = deal_base["client"], deal_base["deal"]
    with uow("ivanov") as ctx:
        doc(ctx, "invoice", cid, deal_id, "700")  # «Новый» → «Выставление счёта»: no edge
        assert stage_of(ctx, deal_id) == "new"
        run = ctx.session.scalar(select(RuleRun).where(RuleRun.deal_id == deal_id))
        assert run.result == "refused"
        assert "нельзя перевести с этапа «Новый» на этап «Выставление счёта»" in run.message
        log = pipeline.rule_log(ctx, deal_id)
        assert log[0]["result"] == "Отказано" and "допустимо: «Выбор», «Отказ»" in log[0][
            "message"]


def test_a_document_without_a_deal_moves_nothing(uow, deal_base):
    cid, deal_id = deal_base["client"], deal_base["deal"]
    with uow("ivanov") as ctx:
        deals.move_deal(ctx, deal_id, "choice")
        doc(ctx, "invoice", cid, None, "700")
        assert stage_of(ctx, deal_id) == "choice"
        assert ctx.session.scalars(select(RuleRun)).all() == []


def _to_contract(ctx, deal_id, end):
    for code in ("choice", "invoicing", "paid", "awaiting_docs", "client", "contract"):
        deals.move_deal(ctx, deal_id, code)
    deals.update_deal(ctx, deal_id, {"contract_end": end})


def test_contract_end_rules_make_a_task_then_move_back_to_invoicing(uow, deal_base):
    deal_id = deal_base["deal"]
    today = date(2026, 12, 1)
    with uow("ivanov") as ctx:
        _to_contract(ctx, deal_id, today + timedelta(days=20))
    with uow() as ctx:
        made = pipeline.check_rules(ctx, today=today)
        assert [(r.result, r.deal_id) for r in made] == [("done", deal_id)]
        task = ctx.session.scalar(select(Task).where(Task.deal_id == deal_id))
        assert task.title == "Продлить договор: заканчивается 21.12.2026"
        assert task.executor.login == "ivanov"
        assert pipeline.check_rules(ctx, today=today) == []  # once per contract end
        assert stage_of(ctx, deal_id) == "contract"
    with uow() as ctx:
        made = pipeline.check_rules(ctx, today=today + timedelta(days=21))
        assert [r.result for r in made] == ["done"]
        assert stage_of(ctx, deal_id) == "invoicing"
        assert ctx.session.scalar(select(DealStageHistory.rule_id).order_by(
            DealStageHistory.id.desc()).limit(1)) is not None


def test_idle_rule_counts_from_the_last_activity(uow, deal_base):
    deal_id = deal_base["deal"]
    with uow() as ctx:
        process = deals.default_process(ctx)
        processes.save_rule(ctx, {"process_id": process.id, "name": "Тишина 10 дней",
                                  "event": "idle", "days": 10, "action": "task",
                                  "task_title": "Позвонить: {client}"})
    with uow() as ctx:
        today = date.today()
        assert pipeline.check_rules(ctx, today=today + timedelta(days=5)) == []
        made = pipeline.check_rules(ctx, today=today + timedelta(days=11))
        assert [(r.deal_id, r.message.startswith("Задача «Позвонить: ООО \"Насосы\"»"))
                for r in made] == [(deal_id, True)]


def test_a_rule_needs_its_stage_and_days(uow):
    import pytest

    from crmdesk.services.errors import ValidationError

    with uow() as ctx:
        pid = deals.default_process(ctx).id
        with pytest.raises(ValidationError, match="«Этап»"):
            processes.save_rule(ctx, {"process_id": pid, "name": "x", "event": "order_posted",
                                      "action": "move"})
        with pytest.raises(ValidationError, match="«Дней»"):
            processes.save_rule(ctx, {"process_id": pid, "name": "x", "event": "idle",
                                      "action": "task"})
        other = ctx.session.scalar(select(Stage).where(Stage.code == "in_work"))
        with pytest.raises(ValidationError, match="«Этап»"):
            processes.save_rule(ctx, {"process_id": pid, "name": "x", "event": "order_posted",
                                      "action": "move", "stage_id": other.id})
        assert len(ctx.session.scalars(select(EventRule)).all()) == 4


def test_the_desktop_runs_the_date_rules_once_a_day(uow, deal_base):
    today = date(2026, 12, 1)
    with uow("ivanov") as ctx:
        _to_contract(ctx, deal_base["deal"], today + timedelta(days=3))
    with uow("oper") as ctx:  # whoever opens the desktop first that day
        assert [r.result for r in pipeline.check_rules_daily(ctx, today)] == ["done"]
        assert pipeline.check_rules_daily(ctx, today) is None
        assert pipeline.check_rules_daily(ctx, today + timedelta(days=1)) == []
