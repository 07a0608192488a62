"""Document numbers: a prefix per type, sequential within the year, never reused.

The counter row is incremented with an UPDATE … RETURNING inside the caller's
transaction: on PostgreSQL the row lock makes a second writer wait for the first to
commit; on SQLite the write transaction (BEGIN IMMEDIATE) serializes writers.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crmdesk.models import DOC_TYPES, NumberSequence


def format_number(doc_type: str, year: int, n: int) -> str:
    return f"{DOC_TYPES[doc_type][0]}-{year}-{n:06d}"


def next_number(session: Session, doc_type: str, year: int) -> str:
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(NumberSequence)
    session.execute(
        ins.values(doc_type=doc_type, year=year, last_number=0).on_conflict_do_nothing()
    )
    n = session.execute(
        update(NumberSequence)
        .where(NumberSequence.doc_type == doc_type, NumberSequence.year == year)
        .values(last_number=NumberSequence.last_number + 1)
        .returning(NumberSequence.last_number)
    ).scalar_one()
    return format_number(doc_type, year, n)


__all__ = ["format_number", "next_number"]
