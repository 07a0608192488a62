"""The catalogue of products and services."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crmdesk.models.base import Base, IdMixin, Markable, Money, Rate, Versioned


class Product(IdMixin, Versioned, Markable, Base):
    __tablename__ = "products"

    article: Mapped[str | None] = mapped_column(String(50), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10), default="goods")  # goods | service
    unit: Mapped[str] = mapped_column(String(20), default="шт")
    price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    cost_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    vat_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("22"))
    description: Mapped[str | None] = mapped_column(Text)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
