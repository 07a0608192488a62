"""Service requests («Заявки») and the housing-services module: the production calendar,
request categories, external contractors, requests with their status log and work lines,
houses, premises, residents, meters, readings and outage notices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
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
from crmdesk.models.clients import Client
from crmdesk.models.users import User


class CalendarDay(Base):
    """An exception to «Monday to Friday work»: a holiday or day off (kind «holiday») or a
    working Saturday/Sunday (kind «workday»). Shipped for 2026–2027, editable."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # holiday | workday
    name: Mapped[str | None] = mapped_column(String(200))


class Contractor(IdMixin, Markable, Base):
    """An external executor (a plumbing firm, a lift service) from the catalogue."""

    __tablename__ = "contractors"

    name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))


class RequestCategory(IdMixin, Markable, Base):
    """A kind of request with its normal deadline (SLA) and default executor."""

    __tablename__ = "request_categories"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    sla_days: Mapped[int | None] = mapped_column(Integer)  # working days
    sla_hours: Mapped[int | None] = mapped_column(Integer)  # astronomical hours (emergencies)
    executor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractors.id"))
    paid: Mapped[bool] = mapped_column(Boolean, default=False)

    executor: Mapped[User | None] = relationship()
    contractor: Mapped[Contractor | None] = relationship()


class House(IdMixin, Markable, Base):
    __tablename__ = "houses"

    address: Mapped[str] = mapped_column(String(500), unique=True)
    note: Mapped[str | None] = mapped_column(Text)


class Premises(IdMixin, Markable, Base):
    """A flat or a non-residential room of a house."""

    __tablename__ = "premises"
    __table_args__ = (UniqueConstraint("house_id", "number"),)

    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"))
    number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12), default="flat")  # flat | nonresidential
    area: Mapped[Decimal | None] = mapped_column(Quantity)  # m²

    house: Mapped[House] = relationship()

    def title(self) -> str:
        return f"{self.house.address}, кв. {self.number}" if self.kind == "flat" else (
            f"{self.house.address}, пом. {self.number}")


class Resident(IdMixin, Base):
    """A client (a person) living in or owning premises; share: the owned part, percent."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("premises_id", "client_id"),)

    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="owner")  # owner | tenant
    share: Mapped[Decimal | None] = mapped_column(Rate)

    client: Mapped[Client] = relationship()
    premises: Mapped[Premises] = relationship()


class ServiceRequest(IdMixin, Versioned, Markable, Base):
    __tablename__ = "service_requests"

    number: Mapped[str] = mapped_column(String(30), unique=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(12), default="call")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    applicant_name: Mapped[str | None] = mapped_column(String(300))
    applicant_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    applicant_email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    premises_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("request_categories.id"))
    description: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 high, 2 normal, 3 low
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    executor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("contractors.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    planned_on: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="new")
    result: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)

    client: Mapped[Client | None] = relationship()
    category: Mapped[RequestCategory | None] = relationship()
    executor: Mapped[User | None] = relationship(foreign_keys=[executor_id])
    contractor: Mapped[Contractor | None] = relationship()
    premises: Mapped[Premises | None] = relationship()
    lines: Mapped[list[RequestLine]] = relationship(
        cascade="all, delete-orphan", order_by="RequestLine.line_no"
    )


Index("ix_service_requests_status_deadline", ServiceRequest.status, ServiceRequest.deadline)
Index(
    "ix_service_requests_executor",
    ServiceRequest.executor_id,
    ServiceRequest.status,
    ServiceRequest.deadline,
)
Index("ix_service_requests_registered", ServiceRequest.registered_at)
Index("ix_service_requests_category", ServiceRequest.category_id, ServiceRequest.registered_at)


class RequestStatusChange(IdMixin, Base):
    """Every status change of a request: who, when, from what to what, with a comment."""

    __tablename__ = "request_status_log"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User | None] = relationship()


class RequestLine(IdMixin, Base):
    """Materials and work of a completed request (priced for a paid one)."""

    __tablename__ = "request_lines"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(String(500))
    unit: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


METER_KINDS = {
    "cold_water": "Холодная вода",
    "hot_water": "Горячая вода",
    "el_day": "Электроэнергия (день)",
    "el_night": "Электроэнергия (ночь)",
    "heat": "Тепло",
    "gas": "Газ",
}


class Meter(IdMixin, Markable, Base):
    __tablename__ = "meters"
    __table_args__ = (UniqueConstraint("kind", "serial"),)

    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    serial: Mapped[str] = mapped_column(String(50))
    verified_until: Mapped[date | None] = mapped_column(Date)
    verify_reminded: Mapped[date | None] = mapped_column(Date)  # the date reminded of, once

    premises: Mapped[Premises] = relationship()


class MeterReading(IdMixin, Base):
    """One reading a month per meter; «flagged»: accepted, but far above the usual."""

    __tablename__ = "meter_readings"
    __table_args__ = (UniqueConstraint("meter_id", "period"),)

    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    value: Mapped[Decimal] = mapped_column(Quantity)
    taken_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10), default="hand")  # hand | call | import
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(300))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meter: Mapped[Meter] = relationship()


outage_houses = Table(
    "outage_houses",
    Base.metadata,
    Column("outage_id", ForeignKey("outages.id", ondelete="CASCADE"), primary_key=True),
    Column("house_id", ForeignKey("houses.id"), primary_key=True),
)


class Outage(IdMixin, Markable, Base):
    """A notice of an outage or planned works in one or more houses."""

    __tablename__ = "outages"

    what: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notice: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    houses: Mapped[list[House]] = relationship(secondary=outage_houses)
