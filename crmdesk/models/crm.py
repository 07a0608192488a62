"""Interactions with clients, tasks, attachments and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, Markable, UTCDateTime, Versioned, utcnow
from crmdesk.models.clients import Client, ContactPerson
from crmdesk.models.users import User

INTERACTION_KINDS = {
    "call_in": "Входящий звонок",
    "call_out": "Исходящий звонок",
    "meeting": "Встреча",
    "letter": "Письмо",
    "mail_in": "Входящее письмо",
    "mail_out": "Исходящее письмо",
    "sms_out": "Исходящее SMS",
    "note": "Заметка",
}
TASK_STATUSES = {"open": "Открыта", "done": "Выполнена", "cancelled": "Отменена"}


class Interaction(IdMixin, Markable, Base):
    __tablename__ = "interactions"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    kind: Mapped[str] = mapped_column(String(10))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    duration_min: Mapped[int | None] = mapped_column(Integer)
    gist: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client] = relationship()
    contact: Mapped[ContactPerson | None] = relationship()
    user: Mapped[User | None] = relationship()


class Task(IdMixin, Versioned, Markable, Base):
    __tablename__ = "tasks"

    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 high, 2 normal, 3 low
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client | None] = relationship()
    contact: Mapped[ContactPerson | None] = relationship()
    executor: Mapped[User | None] = relationship(foreign_keys=[executor_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Overdue is derived: open and past its deadline."""
        return bool(self.status == "open" and self.deadline and self.deadline < (now or utcnow()))


class Attachment(IdMixin, Base):
    """A file attached to a client, a deal or a document, stored in the database."""

    __tablename__ = "attachments"

    owner_type: Mapped[str] = mapped_column(String(20))  # client | deal | document
    owner_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    mime: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_attachments_owner", Attachment.owner_type, Attachment.owner_id)


class AuditEntry(IdMixin, Base):
    """Who changed which field of which object, when, from what to what."""

    __tablename__ = "audit_log"

    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(100))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


Index("ix_audit_object", AuditEntry.object_type, AuditEntry.object_id)
