"""Telephony: every call the PBX reports, and the ringing signals desktops pick up.

A call is also an interaction of its client (``Interaction``); this table keeps what only a
call has: the PBX's id of the call (``linkedid`` — unique, so several listeners logging the
same call write it once), direction, who answered, start, talk time, the recording's file.
A call from a number nobody has is kept with the bare number (no client, no interaction)
until a client with that number appears.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, UTCDateTime, utcnow
from crmdesk.models.clients import Client, ContactPerson
from crmdesk.models.crm import Interaction
from crmdesk.models.users import User

CALL_DIRECTIONS = {"in": "Входящий", "out": "Исходящий"}
CALL_STATES = {
    "ringing": "Звонит",
    "talking": "Разговор",
    "answered": "Отвечен",
    "missed": "Пропущен",
}


class Call(IdMixin, Base):
    __tablename__ = "calls"

    linkedid: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(20), default="ami")  # ami | external
    direction: Mapped[str] = mapped_column(String(3))
    number: Mapped[str] = mapped_column(String(50))  # as the PBX gave it
    e164: Mapped[str | None] = mapped_column(String(20), index=True)
    ext: Mapped[str | None] = mapped_column(String(20))  # the extension that rang / dialled
    state: Mapped[str] = mapped_column(String(10), default="ringing")
    answered_ext: Mapped[str | None] = mapped_column(String(20))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    transferred_to: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_sec: Mapped[int | None] = mapped_column(Integer)  # talk time
    recording: Mapped[str | None] = mapped_column(String(300))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    called_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a missed call cleared
    noted: Mapped[bool] = mapped_column(default=False)  # the user wrote the gist
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client | None] = relationship()
    contact: Mapped[ContactPerson | None] = relationship()
    answered_by: Mapped[User | None] = relationship()
    interaction: Mapped[Interaction | None] = relationship()


Index("ix_calls_missed", Call.direction, Call.state, Call.called_back_at)


class CallSignal(IdMixin, Base):
    """A call's state change for one extension, for desktops not connected to the PBX
    themselves (cloud PBXs feed ``crmdesk call event``): they poll ``id > last seen``."""

    __tablename__ = "call_signals"

    linkedid: Mapped[str] = mapped_column(String(100))
    ext: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_call_signals_ext", CallSignal.ext, CallSignal.id)
