"""Chart axes a reader takes in at a glance: round ticks and amounts grouped the Russian way.

Qt-free: the desktop's charts and any other picture take their ticks and labels from here.
The values are drawing positions only (floats); money itself stays Decimal in the tables.
"""

from __future__ import annotations

import math

NBSP = "\u00a0"


def _nice(x: float, round_: bool) -> float:
    """1, 2, 5 or 10 times a power of ten, near ``x``."""
    exp = math.floor(math.log10(x))
    f = x / 10**exp
    if round_:
        nice = 1 if f < 1.5 else 2 if f < 3 else 5 if f < 7 else 10
    else:
        nice = 1 if f <= 1 else 2 if f <= 2 else 5 if f <= 5 else 10
    return nice * 10**exp


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi], zero included, about ``count`` of them."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo <= 0:
        return [0.0, 1.0]
    step = _nice(_nice(hi - lo, False) / max(count - 1, 1), True)
    start = math.floor(lo / step) * step
    end = math.ceil(hi / step) * step
    n = round((end - start) / step)
    return [round(start + i * step, 10) for i in range(n + 1)]


def group_number(value: float, places: int = 0) -> str:
    """«10 026 157» — thousands apart by a non-breaking space, a decimal comma."""
    text = f"{value:,.{places}f}".replace(",", NBSP).replace(".", ",")
    return "0" if text in ("-0", f"-0,{'0' * places}") else text


def tick_places(ticks: list[float]) -> int:
    """Decimal places the ticks need (0 for whole steps)."""
    if len(ticks) < 2:
        return 0
    step = ticks[1] - ticks[0]
    return 0 if step >= 1 else min(6, -math.floor(math.log10(step)))


def abbreviate(text: str, limit: int = 24) -> str:
    """A long category name shortened with «…» (the full one goes to a tooltip)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
