"""Document numbers: a prefix per type, sequential within the year, never reused.

The counter row is incremented with an upsert … RETURNING inside the caller's
transaction: on PostgreSQL the row lock makes a second writer wait for the first to
commit; on SQLite the write transaction (BEGIN IMMEDIATE) serializes writers.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crmdesk.models import DOC_TYPES, NumberSequence


def format_number(doc_type: str, year: int, n: int) -> str:
    return f"{DOC_TYPES[doc_type][0]}-{year}-{n:06d}"


def next_number(session: Session, doc_type: str, year: int) -> str:
    """One statement (an upsert … RETURNING): the year's first number creates the row, the
    others increment it — one round trip under the row lock instead of two."""
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(NumberSequence)
    n = session.execute(
        ins.values(doc_type=doc_type, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[NumberSequence.doc_type, NumberSequence.year],
            set_={"last_number": NumberSequence.last_number + 1},
        )
        .returning(NumberSequence.last_number)
    ).scalar_one()
    return format_number(doc_type, year, n)


__all__ = ["format_number", "next_number"]
