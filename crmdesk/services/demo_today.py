"""What a demo base made today must show on its first look, as a plan for its first clients.

``plan_for_today(today, people, rnd)`` gives one entry per client, in order; ``demo``
applies an entry to the client it is generating (its tasks, its deal's stage and dates, a
recent call). The plan holds, for each manager and the administrator: two tasks later
today with reminders an hour before, an open task overdue by a few days, one done
yesterday; and, spread over the clients: a deal in every stage of the sales process (a
new inquiry with a proposal valid for a month, invoices due this week, invoices overdue,
paid deals waiting for documents, regular clients, a running contract) and calls of the
last three days. No Qt, no database: dates and choices only.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

# stage, days since the deal began, share paid (None: no invoice yet / nothing paid)
DEALS = [
    ("new", 1, None),  # a proposal sent yesterday, valid for a month
    ("new", 3, None),
    ("choice", 2, None),  # an order agreed, planned payment in the weeks to come
    ("choice", 6, None),
    ("invoicing", 1, 0),  # invoiced yesterday: due in four days
    ("invoicing", 3, 0),  # due in two days
    ("invoicing", 4, 0.5),  # half paid, the rest due this week
    ("invoicing", 12, 0),  # overdue by five days
    ("invoicing", 25, 0.5),  # half paid, the rest overdue
    ("paid", 9, 1),
    ("awaiting_docs", 15, 1),
    ("client", 40, 1),
    ("contract", 70, 1),
    ("refusal", 20, None),
]
TODAY_TITLES = ["Перезвонить по КП", "Согласовать отгрузку", "Напомнить об оплате"]
OVERDUE_TITLES = ["Уточнить реквизиты", "Отправить акт сверки"]


def anchor_of(today: date | None) -> datetime:
    """The demo's "now", as an aware UTC moment: its history ends there and today's tasks
    run on from it. For a given day, 09:00 of it in this computer's time zone (the same
    base for the same seed and day); without one, this very moment."""
    if today is None:
        return datetime.now(UTC)
    return datetime.combine(today, time(9, 0)).astimezone().astimezone(UTC)


def _at(today: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(today, time(hour, minute)).astimezone().astimezone(UTC)


def _later_today(now: datetime, hours: float) -> datetime:
    """``hours`` after ``now`` on the half hour, but still today (by 23:45 local time)."""
    local = now.astimezone()
    moment = local + timedelta(hours=hours)
    moment = moment.replace(minute=30 if moment.minute >= 30 else 0, second=0, microsecond=0)
    last = datetime.combine(local.date(), time(23, 45)).astimezone()
    return min(moment, last - timedelta(minutes=int(5 * (10 - hours)))).astimezone(UTC)


def plan_for_today(
    today: date, people: list[int], rnd: random.Random, now: datetime | None = None
) -> list[dict]:
    """One entry per client (the first ones generated): ``tasks`` as (executor, deadline,
    remind_at, done, title), ``stage``/``days_ago``/``paid`` for its deal, ``recent_call``.

    Today's tasks come two and a half and five and a half hours after ``now`` (the
    anchor), so a base made in the evening still has tasks ahead today."""
    now = now or anchor_of(today)
    plans: list[dict] = []
    for n, person in enumerate(dict.fromkeys(p for p in people if p)):
        first = _later_today(now, 2.5 + n % 3)
        second = _later_today(now, 5.5 + n % 3)
        tasks = [
            (person, first, first - timedelta(hours=1), False, TODAY_TITLES[0]),
            (person, second, second - timedelta(hours=1), False, TODAY_TITLES[1 + n % 2]),
        ]
        overdue = today - timedelta(days=2 + n % 4)
        plans.append({"tasks": tasks, "recent_call": True})
        plans.append(
            {
                "tasks": [
                    (person, _at(overdue, 15), _at(overdue, 14), False, OVERDUE_TITLES[n % 2]),
                    (person, _at(today - timedelta(days=1), 12), None, True, "Перезвонить"),
                ],
                "recent_call": n % 2 == 0,
            }
        )
    for i, (stage, days_ago, paid) in enumerate(DEALS):
        entry = plans[i] if i < len(plans) else {}
        entry.update(stage=stage, days_ago=days_ago, paid=paid)
        if i >= len(plans):
            entry["recent_call"] = i % 3 == 0
            plans.append(entry)
    rnd.shuffle(plans)  # not all of them on the first client's page
    return plans
