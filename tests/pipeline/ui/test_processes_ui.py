"""«Процессы и правила» and the deal card through the real main window."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from crmdesk.models import Deal, EventRule, Stage
from crmdesk.services import deals
from crmdesk.services.context import unit_of_work

SHOTS = os.environ.get("CRMDESK_SHOTS")


def _shot(shell, name):
    if SHOTS:
        for w, h in ((1366, 768), (1920, 1080)):
            shell.resize(w, h)
            QApplication.processEvents()
            shell.grab().save(os.path.join(SHOTS, f"{name}-{w}.png"))


def test_processes_form_changes_a_stage_a_transition_and_adds_a_rule(shell):
    form = shell.open_special("processes", "all")
    assert form.name.text() == "Продажа"
    rows = form.stage_rows()
    assert [r["code"] for r in rows][:3] == ["new", "choice", "invoicing"]
    form.stages.item(1, 3).setText("35")  # «Выбор»: 35 %
    form.tabs.setCurrentIndex(1)
    codes = form.edge_codes
    form.edges.item(codes.index("new"), codes.index("invoicing")).setCheckState(
        form.edges.item(0, 1).checkState())  # allow «Новый» → «Выставление счёта»
    form.add_rule({"name": "Заказ проведён → «Выбор»", "event": "order_posted",
                   "action": "move", "stage": "choice"})
    _shot(shell, "processes")
    assert form.write(), form.messages.text()
    with unit_of_work(shell.app.engine) as ctx:
        choice = ctx.session.scalar(select(Stage).where(Stage.code == "choice"))
        assert choice.probability == 35
        new = ctx.session.scalar(select(Stage).where(Stage.code == "new", Stage.process_id == 1))
        assert "invoicing" in [s.code for s in deals.allowed_stages(ctx, new.id)]
        rule = ctx.session.scalar(select(EventRule).where(EventRule.event == "order_posted"))
        assert rule.stage_id == choice.id


def test_a_bad_rule_is_named_in_the_form_and_nothing_is_written(shell):
    form = shell.open_special("processes", "all")
    form.add_rule({"name": "Без этапа", "event": "order_posted", "action": "move"})
    assert not form.write()
    assert "Поле «Этап»" in form.messages.text()
    with unit_of_work(shell.app.engine) as ctx:
        assert ctx.session.scalar(select(EventRule).where(EventRule.name == "Без этапа")) \
            is None


def test_the_deal_card_keeps_probability_and_dates_and_shows_its_documents(shell):
    engine = shell.app.engine
    with unit_of_work(engine) as ctx:
        deal_id = ctx.session.scalar(select(Deal.id).join(Stage).where(
            Stage.code == "invoicing").order_by(Deal.id))
    from crmdesk.ui.generic.registry import entity

    entity("deal").open(shell, deal_id, None)
    form = shell.mdi.activeSubWindow().widget()
    titles = [form.tab_widget.tabText(i) for i in range(form.tab_widget.count())]
    assert {"Счета", "Заказы", "Задачи", "Взаимодействия"} <= set(titles)
    invoices = form.related[titles.index("Счета") - 1]
    assert invoices.model.rowCount() >= 1  # the deal's invoice
    form.editors["probability"].set("45")
    form.editors["source"].set("Выставка")
    _shot(shell, "deal")
    assert form.write()
    with unit_of_work(engine) as ctx:
        deal = ctx.session.get(Deal, deal_id)
        assert (deal.probability, deal.source) == (45, "Выставка")
    form.editors["probability"].set("120")
    assert not form.write()
    assert "Вероятность" in form.messages.text()
