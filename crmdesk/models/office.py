"""The office on one database: who is working (sessions), what is being edited (object
locks) and a change counter per table for desktops that cannot be notified (SQLite)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crmdesk.models.base import Base, IdMixin, UTCDateTime, utcnow


class OfficeSession(IdMixin, Base):
    """One running desktop (or CLI run that asked for one): kept alive by its heartbeat."""

    __tablename__ = "office_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    computer: Mapped[str] = mapped_column(String(200))
    program: Mapped[str] = mapped_column(String(100), default="crmdesk")
    pid: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(String(300))


class ObjectLock(Base):
    """An object open for editing: one row per object, owned by a session."""

    __tablename__ = "object_locks"

    object_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    object_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("office_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeCounter(Base):
    """How many committed writes touched a table: SQLite desktops compare it every second."""

    __tablename__ = "change_counters"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger, default=0)
