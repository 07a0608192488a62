"""Working days and deadlines from the shipped production calendar, and its editing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crmdesk.services import calendar
from crmdesk.services.errors import AccessDenied


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 12, 30), 1, date(2027, 1, 11)),  # 31.12 and the January holidays are off
    (date(2026, 12, 30), 0, date(2026, 12, 30)),
    (date(2026, 3, 6), 1, date(2026, 3, 10)),  # 9 March: 8 March moved from a Sunday
    (date(2026, 5, 8), 1, date(2026, 5, 12)),  # 11 May: 9 May moved from a Saturday
    (date(2026, 11, 3), 1, date(2026, 11, 5)),  # 4 November
    (date(2026, 12, 5), 0, date(2026, 12, 7)),  # a request of a Saturday: Monday
    (date(2026, 12, 5), 1, date(2026, 12, 7)),  # the first working day after Saturday
    (date(2026, 12, 4), 1, date(2026, 12, 7)),  # Friday + 1
    (date(2027, 6, 11), 1, date(2027, 6, 15)),  # 14 June 2027: 12 June moved
])
def test_working_days_follow_the_calendar(engine, start, days, expected):
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine) as ctx:
        assert calendar.add_working_days(ctx.session, start, days) == expected


def test_deadline_after_hours_counts_from_the_next_day(engine):
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine) as ctx:
        evening = datetime(2026, 12, 1, 20, 0).astimezone()  # Tuesday, after 18:00 local
        d = calendar.deadline(ctx.session, evening, 1, None).astimezone()
        assert (d.date(), d.hour) == (date(2026, 12, 3), 18)
        morning = datetime(2026, 12, 1, 10, 0).astimezone()
        assert calendar.deadline(ctx.session, morning, 1, None).astimezone().date() == date(
            2026, 12, 2)
        assert calendar.deadline(ctx.session, morning.astimezone(UTC), None, None) is None


def test_the_catalogue_is_edited_by_the_administrator(uow):
    with uow() as ctx:
        calendar.set_day(ctx, date(2026, 12, 7), "holiday", "Местный праздник")
        assert not calendar.is_working_day(ctx.session, date(2026, 12, 7))
        calendar.set_day(ctx, date(2026, 12, 12), "workday", "Рабочая суббота")
        assert calendar.add_working_days(ctx.session, date(2026, 12, 11), 1) == date(2026, 12, 12)
        calendar.set_day(ctx, date(2026, 12, 7), "normal")
        assert calendar.is_working_day(ctx.session, date(2026, 12, 7))
        calendar.set_day(ctx, date(2026, 12, 31), "normal", "31 декабря работаем")
        assert calendar.is_working_day(ctx.session, date(2026, 12, 31))
        days = calendar.list_days(ctx.session, 2026)
        assert {d["name"] for d in days} >= {"Рождество Христово", "Рабочая суббота"}
        assert [d["edited"] for d in days if d["day"] == date(2026, 12, 31)] == [True]
    with uow("ivanov") as ctx, pytest.raises(AccessDenied):
        calendar.set_day(ctx, date(2026, 12, 8), "holiday")
