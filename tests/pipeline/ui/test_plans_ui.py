"""«Планы продаж»: typed in the table, written for the manager and month; a bad amount is
named with its manager and month and nothing is written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from crmdesk.models import SalesPlan, User
from crmdesk.services.context import unit_of_work


def test_plans_are_typed_per_manager_and_month(shell):
    form = shell.open_special("plans", "all")
    names = [name for _, name in form.managers]
    row = names.index("Иванов Иван Иванович")
    form.table.item(row, 2).setText("150 000,50")  # March
    assert form.write(), form.messages.text()
    with unit_of_work(shell.app.engine) as ctx:
        uid = ctx.session.scalar(select(User.id).where(User.login == "ivanov"))
        plan = ctx.session.scalar(select(SalesPlan).where(SalesPlan.manager_id == uid))
        assert (plan.month, plan.amount) == (date(date.today().year, 3, 1), Decimal("150000.50"))
    form.table.item(row, 3).setText("много")
    assert not form.write()
    assert "Иванов Иван Иванович, Апрель" in form.messages.text()
    with unit_of_work(shell.app.engine) as ctx:
        assert len(ctx.session.scalars(select(SalesPlan)).all()) == 1
