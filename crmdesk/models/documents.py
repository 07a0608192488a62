"""Sales documents (proposal, order, invoice, payment), their lines, numbering and settlements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import (
    Base,
    IdMixin,
    Markable,
    Money,
    Quantity,
    Rate,
    UTCDateTime,
    Versioned,
    utcnow,
)
from crmdesk.models.catalog import Product
from crmdesk.models.clients import Client, ContactPerson
from crmdesk.models.users import User

DOC_TYPES = {
    "proposal": ("КП", "Коммерческое предложение"),
    "order": ("ЗК", "Заказ клиента"),
    "invoice": ("СЧ", "Счёт на оплату"),
    "payment": ("ПО", "Поступление оплаты"),
}


class Document(IdMixin, Versioned, Markable, Base):
    """One table for every document type: they share header, lines, posting and basis."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("doc_type", "year", "number"),)

    doc_type: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    basis_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    posted: Mapped[bool] = mapped_column(default=False)
    vat_mode: Mapped[str] = mapped_column(String(10), default="included")
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    vat_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    cost_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    # invoice: pay by this date; order: planned payment date; proposal: valid until
    due_date: Mapped[date | None] = mapped_column(Date)
    payment_method: Mapped[str | None] = mapped_column(String(10))  # payment: bank | cash
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship()
    contact: Mapped[ContactPerson | None] = relationship()
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    basis: Mapped[Document | None] = relationship(remote_side="Document.id")
    contract: Mapped[Contract | None] = relationship("Contract")  # noqa: F821
    lines: Mapped[list[DocumentLine]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentLine.line_no"
    )

    @property
    def title(self) -> str:
        return f"{DOC_TYPES[self.doc_type][1]} {self.number} от {self.date:%d.%m.%Y}"


Index("ix_documents_client", Document.client_id, Document.doc_type)
Index("ix_documents_type_date", Document.doc_type, Document.date)


class DocumentLine(IdMixin, Base):
    __tablename__ = "document_lines"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str] = mapped_column(String(20), default="шт")
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    price: Mapped[Decimal] = mapped_column(Money)
    discount_pct: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    vat_rate: Mapped[Decimal | None] = mapped_column(Rate)  # None = без НДС
    amount: Mapped[Decimal] = mapped_column(Money)  # the table's «Сумма»: qty × price − discount
    vat_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    cost_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))  # frozen at sale
    cost_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    document: Mapped[Document] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()


class NumberSequence(Base):
    """The last number given per document type and year; never goes back."""

    __tablename__ = "number_sequences"

    doc_type: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Settlement(IdMixin, Base):
    """Receivables register: what a posted document does to a client's debt.

    A posted invoice adds its total (due on its due date); a posted payment subtracts
    what it settles per invoice, and the rest as the client's advance (invoice_id None).
    Unposting deletes the rows of that recorder, so it reverses exactly.
    """

    __tablename__ = "settlements"

    recorder_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    due_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
