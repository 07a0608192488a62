"""A dispatcher, two executors and the housing module switched on, over the team's database."""

from __future__ import annotations

import pytest

from crmdesk.services import housing
from crmdesk.services.requestcatalog import save_category
from crmdesk.services.users import create_user


@pytest.fixture
def service(uow):
    """Users disp (Диспетчер), fixer and fixer2 (Исполнитель); categories «Сантехника»
    (2 working days, fixer) and «Авария» (4 hours, no executor); the housing module on."""
    with uow() as ctx:
        ids = {}
        for login, name, role in (("disp", "Диспетчерова Дарья", "dispatcher"),
                                  ("fixer", "Слесарев Семён", "executor"),
                                  ("fixer2", "Электриков Эдуард", "executor")):
            ids[login] = create_user(ctx.session, login, name, role).id
        ctx.session.flush()
        save_category(ctx, {"name": "Сантехника", "sla_days": 2, "executor_id": ids["fixer"]})
        save_category(ctx, {"name": "Авария", "sla_hours": 4})
        housing.set_enabled(ctx, True)
    return ids
