"""The own organization (its requisites) and key/value settings."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crmdesk.models.base import Base, IdMixin, Rate, Versioned

VAT_MODES = ("none", "included", "on_top")


class Organization(IdMixin, Versioned, Base):
    __tablename__ = "organization"

    name: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str | None] = mapped_column(String(500))
    inn: Mapped[str | None] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str | None] = mapped_column(String(15))
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(200))
    bank_name: Mapped[str | None] = mapped_column(String(300))
    bank_city: Mapped[str | None] = mapped_column(String(100))
    bik: Mapped[str | None] = mapped_column(String(9))
    corr_account: Mapped[str | None] = mapped_column(String(20))
    account: Mapped[str | None] = mapped_column(String(20))
    director: Mapped[str | None] = mapped_column(String(200))
    chief_accountant: Mapped[str | None] = mapped_column(String(200))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    stamp: Mapped[bytes | None] = mapped_column(LargeBinary)
    director_signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    accountant_signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    vat_mode: Mapped[str] = mapped_column(String(10), default="included")
    vat_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("22"))
    payment_terms: Mapped[str | None] = mapped_column(Text)


class Setting(Base):
    """One named setting shared by every user of the database (phone region, designs…)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
