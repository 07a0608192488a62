"""Clients (companies and people), their groups, phones, e-mails, addresses, contacts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, Markable, UTCDateTime, Versioned, utcnow
from crmdesk.models.users import User

client_group_links = Table(
    "client_group_links",
    Base.metadata,
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("client_groups.id"), primary_key=True),
)


class ClientGroup(IdMixin, Markable, Base):
    __tablename__ = "client_groups"

    name: Mapped[str] = mapped_column(String(100), unique=True)


class Client(IdMixin, Versioned, Markable, Base):
    __tablename__ = "clients"

    # company | ip (индивидуальный предприниматель: INN of 12, ОГРНИП in ogrn, no KPP) | person
    kind: Mapped[str] = mapped_column(String(10), default="company")
    name: Mapped[str] = mapped_column(String(300))
    full_name: Mapped[str | None] = mapped_column(String(500))
    inn: Mapped[str | None] = mapped_column(String(12), index=True)
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    source: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(50))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    preferences: Mapped[str | None] = mapped_column(Text)
    interests: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # consent to advertising mailings per channel, and when it was withdrawn (migration 0008)
    consent_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    consent_sms: Mapped[bool] = mapped_column(default=False, server_default=false())
    opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # normalized (lower case, ё→е) name, INN, e-mails and phone digits, kept by the
    # search service on every flush; the search indexes of both databases stand on it
    search_name: Mapped[str] = mapped_column(String(300), default="", index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    groups: Mapped[list[ClientGroup]] = relationship(secondary=client_group_links)
    phones: Mapped[list[ClientPhone]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="ClientPhone.id"
    )
    emails: Mapped[list[ClientEmail]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="ClientEmail.id"
    )
    addresses: Mapped[list[ClientAddress]] = relationship(
        cascade="all, delete-orphan", order_by="ClientAddress.id"
    )
    bank_accounts: Mapped[list[BankAccount]] = relationship(
        cascade="all, delete-orphan", order_by="BankAccount.id"
    )
    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="ContactPerson.id"
    )


class ClientPhone(IdMixin, Base):
    __tablename__ = "client_phones"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    e164: Mapped[str] = mapped_column(String(20), index=True)
    ext: Mapped[str | None] = mapped_column(String(10))
    label: Mapped[str | None] = mapped_column(String(50))

    client: Mapped[Client] = relationship(back_populates="phones")


class ClientEmail(IdMixin, Base):
    __tablename__ = "client_emails"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(200), index=True)
    label: Mapped[str | None] = mapped_column(String(50))

    client: Mapped[Client] = relationship(back_populates="emails")


class ClientAddress(IdMixin, Base):
    __tablename__ = "client_addresses"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="actual")  # legal | actual | delivery
    text: Mapped[str] = mapped_column(String(500))


class BankAccount(IdMixin, Base):
    __tablename__ = "bank_accounts"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    bank_name: Mapped[str | None] = mapped_column(String(300))
    bik: Mapped[str | None] = mapped_column(String(9))
    corr_account: Mapped[str | None] = mapped_column(String(20))
    account: Mapped[str | None] = mapped_column(String(20))


class ContactPerson(IdMixin, Markable, Base):
    __tablename__ = "contact_persons"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    birthday: Mapped[date | None] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)
    consent_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    consent_sms: Mapped[bool] = mapped_column(default=False, server_default=false())
    opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship(back_populates="contacts")
    phones: Mapped[list[ContactPhone]] = relationship(
        cascade="all, delete-orphan", order_by="ContactPhone.id"
    )
    emails: Mapped[list[ContactEmail]] = relationship(
        cascade="all, delete-orphan", order_by="ContactEmail.id"
    )


class ContactPhone(IdMixin, Base):
    __tablename__ = "contact_phones"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="CASCADE"), index=True
    )
    e164: Mapped[str] = mapped_column(String(20), index=True)
    ext: Mapped[str | None] = mapped_column(String(10))
    label: Mapped[str | None] = mapped_column(String(50))


class ContactEmail(IdMixin, Base):
    __tablename__ = "contact_emails"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact_persons.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(200), index=True)


Index("ix_clients_owner_name", Client.owner_id, Client.search_name)
