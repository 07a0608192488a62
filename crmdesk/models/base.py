"""Declarative base and the column types every model shares (money, quantity, aware time)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, Numeric
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp: stored in UTC, always returned aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times are stored timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _ScaledDecimal(TypeDecorator):
    """Exact decimal: NUMERIC on PostgreSQL, a scaled integer on SQLite (which has no NUMERIC).

    SQLite would keep NUMERIC values as binary floats; an integer count of the smallest
    unit keeps sums exact there while the Python side always sees ``Decimal``.
    """

    impl = Numeric
    cache_ok = True
    precision = 18
    scale = 2

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(Decimal(1).scaleb(-self.scale), ROUND_HALF_UP)
        return int(value.scaleb(self.scale)) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value).quantize(Decimal(1).scaleb(-self.scale))

    @property
    def python_type(self):
        return Decimal


class Money(_ScaledDecimal):
    """Money in roubles with kopecks."""

    cache_ok = True

    precision, scale = 18, 2


class Quantity(_ScaledDecimal):
    """A quantity of goods, three decimal places."""

    cache_ok = True
    precision, scale = 15, 3


class Rate(_ScaledDecimal):
    """A percentage (VAT rate, discount), two decimal places."""

    cache_ok = True
    precision, scale = 7, 2


class IdMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Versioned:
    """Optimistic locking: every save bumps ``version`` and records who and when."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", use_alter=True), nullable=True)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


class Markable:
    """1C-style deletion mark instead of deletion."""

    deletion_mark: Mapped[bool] = mapped_column(default=False, nullable=False)
