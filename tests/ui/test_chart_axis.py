"""Chart axes: round ticks, zero included, amounts grouped the Russian way."""

from __future__ import annotations

from crmdesk.reports.axis import abbreviate, group_number, nice_ticks, tick_places


def test_ticks_are_round_numbers_covering_the_values():
    ticks = nice_ticks(0, 10026157)
    assert ticks[0] == 0 and ticks[-1] >= 10026157
    step = ticks[1] - ticks[0]
    assert step in (1_000_000, 2_000_000, 2_500_000, 5_000_000)
    assert all(abs((b - a) - step) < 1e-6 for a, b in zip(ticks, ticks[1:], strict=False))
    assert 4 <= len(ticks) <= 8
    assert [group_number(t) for t in ticks[:2]] == ["0", group_number(step)]


def test_negative_and_small_values_and_an_empty_range():
    ticks = nice_ticks(-120, 480)
    assert ticks[0] <= -120 and ticks[-1] >= 480 and 0 in ticks
    assert nice_ticks(0, 0) == [0.0, 1.0]
    small = nice_ticks(0, 0.8)
    assert tick_places(small) == 1 and small[-1] >= 0.8


def test_grouping_and_abbreviation():
    assert group_number(10026157) == "10\u00a0026\u00a0157"
    assert group_number(1234.5, 2) == "1\u00a0234,50"
    assert group_number(-0.2) == "0"
    name = "ООО «Очень длинное наименование клиента»"
    short = abbreviate(name)
    assert short.endswith("…") and len(short) <= 24 and name.startswith(short[:-1])
    assert abbreviate("АО «Гранит»") == "АО «Гранит»"
