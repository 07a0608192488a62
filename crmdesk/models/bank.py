"""Bank payments loaded from statements: what was loaded, so nothing is loaded twice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, Money, UTCDateTime, utcnow
from crmdesk.models.documents import Document

bank_payment_documents = Table(
    "bank_payment_documents",
    Base.metadata,
    Column("bank_payment_id", ForeignKey("bank_payments.id", ondelete="CASCADE"),
           primary_key=True),
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
)


class BankPayment(IdMixin, Base):
    """One payment document of a statement, once loaded (or deliberately skipped).

    The bank's document number, its date, the sum and the payer's account identify it,
    whatever file it comes in again.
    """

    __tablename__ = "bank_payments"
    __table_args__ = (UniqueConstraint("bank_number", "bank_date", "amount", "payer_account"),)

    bank_number: Mapped[str] = mapped_column(String(30))
    bank_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    payer_account: Mapped[str] = mapped_column(String(20), default="")
    payer_inn: Mapped[str | None] = mapped_column(String(12))
    payer_name: Mapped[str | None] = mapped_column(String(300))
    account: Mapped[str | None] = mapped_column(String(20))  # the organization's account
    booked: Mapped[date | None] = mapped_column(Date)
    purpose: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(10))  # invoice | client | skipped
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    file_name: Mapped[str | None] = mapped_column(String(300))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    documents: Mapped[list[Document]] = relationship(secondary=bank_payment_documents)
