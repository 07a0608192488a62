"""Contracts with clients: number, date, subject, term, amount and the signed file."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, Markable, Money, UTCDateTime, Versioned, utcnow
from crmdesk.models.clients import Client
from crmdesk.models.sales import Deal
from crmdesk.models.users import User


class Contract(IdMixin, Versioned, Markable, Base):
    __tablename__ = "contracts"

    number: Mapped[str] = mapped_column(String(50))
    date: Mapped[date] = mapped_column(Date)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    file_name: Mapped[str | None] = mapped_column(String(300))
    file_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship()
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    deal: Mapped[Deal | None] = relationship()

    @property
    def title(self) -> str:
        return f"Договор № {self.number} от {self.date:%d.%m.%Y}"


Index("ix_contracts_client_number", Contract.client_id, Contract.number)
