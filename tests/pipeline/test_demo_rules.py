"""The demo base reads as if it had gone through the shipped rules."""

from __future__ import annotations

from sqlalchemy import select

from crmdesk.models import Deal, DealStageHistory, Document, EventRule, RuleRun, Stage
from crmdesk.reports import run_report
from crmdesk.services.context import unit_of_work
from crmdesk.services.demo import generate
from crmdesk.services.documents import invoice_remaining


def test_demo_moves_to_invoicing_and_paid_are_the_rules(engine):
    generate(engine, clients=60, seed=3)
    with unit_of_work(engine) as ctx:
        s = ctx.session
        rules = {r.event: r for r in s.scalars(select(EventRule))}
        paid_stage = s.scalar(select(Stage.id).where(Stage.code == "paid"))
        by_paid_rule = s.scalars(select(DealStageHistory).where(
            DealStageHistory.to_stage_id == paid_stage,
            DealStageHistory.from_stage_id.is_not(None))).all()
        assert by_paid_rule
        for move in by_paid_rule:  # every move to «Оплачен» has a fully paid invoice
            invoice = s.scalar(select(Document).where(Document.deal_id == move.deal_id,
                                                      Document.doc_type == "invoice"))
            assert move.rule_id == rules["invoice_paid"].id
            assert invoice_remaining(s, invoice.id) <= 0
        runs = s.scalars(select(RuleRun).where(RuleRun.rule_id == rules["invoice_paid"].id))
        assert {r.deal_id for r in runs} == {m.deal_id for m in by_paid_rule}
        assert s.scalar(select(Deal.id).limit(1)) is not None
        result = run_report(ctx, "funnel", {"date_from": "01.01.2020", "date_to": "31.12.2030"})
        assert any(r["avg_days"] is not None for r in result.rows)
