"""What a report returns: a Qt-free table with typed columns, groups, totals and chart data.

The desktop's generic report form shows a ``ReportResult`` as a grouped table with a chart;
``crmdesk.reports.tabular`` renders the same object to XLSX and PDF; the command line prints
it as text or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from crmdesk.services.money import ZERO

KINDS = ("text", "money", "percent", "int", "date", "number")


@dataclass
class Column:
    key: str
    title: str
    kind: str = "text"  # one of KINDS: how to align and format
    total: bool = False  # summed in the group subtotals and the grand total
    width: int = 14  # a suggested width in characters


@dataclass
class Group:
    """Rows under one heading (a client, a manager…) and their subtotal; title None: no heading."""

    title: str | None
    rows: list[dict]
    subtotal: dict | None = None


@dataclass
class Series:
    name: str
    values: list[Decimal]


@dataclass
class Chart:
    title: str
    kind: str  # bar | line | pie
    categories: list[str]
    series: list[Series]


@dataclass
class ReportResult:
    """One computed report. Row dicts are keyed by ``Column.key``; keys starting with «_» are
    references for drill-down (``_client_id``, ``_document_id`` …), not shown."""

    name: str
    title: str
    subtitle: str
    columns: list[Column]
    groups: list[Group]
    total: dict | None
    params: dict = field(default_factory=dict)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    generated_at: datetime | None = None

    @property
    def rows(self) -> list[dict]:
        return [row for g in self.groups for row in g.rows]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def to_json(self) -> dict:
        """Plain JSON types: money as strings ("12345.67"), dates ISO."""
        return _plain(
            {
                "report": self.name,
                "title": self.title,
                "subtitle": self.subtitle,
                "params": self.params,
                "columns": [
                    {"key": c.key, "title": c.title, "kind": c.kind, "total": c.total}
                    for c in self.columns
                ],
                "groups": [
                    {"title": g.title, "rows": g.rows, "subtotal": g.subtotal} for g in self.groups
                ],
                "total": self.total,
                "charts": [
                    {
                        "title": ch.title,
                        "kind": ch.kind,
                        "categories": ch.categories,
                        "series": [{"name": s.name, "values": s.values} for s in ch.series],
                    }
                    for ch in self.charts
                ],
                "notes": self.notes,
                "generated_at": self.generated_at,
            }
        )


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole × 100 to two places, half up; None when whole is zero."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"), ROUND_HALF_UP)


def sum_rows(rows: list[dict], columns: list[Column], label_key: str, label: str) -> dict:
    """A subtotal/total row: the ``total`` columns summed, the label in ``label_key``."""
    out: dict = {label_key: label}
    for c in columns:
        if c.total:
            out[c.key] = sum((r.get(c.key) or ZERO for r in rows), ZERO)
    return out
