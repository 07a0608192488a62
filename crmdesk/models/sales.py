"""Sales processes: stages, allowed transitions, deals and their stage history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, Markable, Money, UTCDateTime, Versioned, utcnow
from crmdesk.models.clients import Client
from crmdesk.models.users import User


class SalesProcess(IdMixin, Base):
    __tablename__ = "sales_processes"

    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(default=False)

    stages: Mapped[list[Stage]] = relationship(order_by="Stage.order", back_populates="process")


class Stage(IdMixin, Base):
    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("process_id", "code"),)

    process_id: Mapped[int] = mapped_column(ForeignKey("sales_processes.id"))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(100))
    order: Mapped[int] = mapped_column(Integer)
    is_refusal: Mapped[bool] = mapped_column(default=False)
    # a final stage ends the deal: won unless it is a refusal
    is_final: Mapped[bool] = mapped_column(default=False)
    color: Mapped[str | None] = mapped_column(String(7))  # «#RRGGBB» of its cards and header
    probability: Mapped[int | None] = mapped_column(Integer)  # % a deal here is won

    process: Mapped[SalesProcess] = relationship(back_populates="stages")


class StageTransition(Base):
    __tablename__ = "stage_transitions"

    from_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), primary_key=True)
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), primary_key=True)


class Deal(IdMixin, Versioned, Markable, Base):
    __tablename__ = "deals"

    process_id: Mapped[int] = mapped_column(ForeignKey("sales_processes.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(300))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    contract_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expected_close: Mapped[date | None] = mapped_column(Date)
    probability: Mapped[int | None] = mapped_column(Integer)  # None: the stage's
    source: Mapped[str | None] = mapped_column(String(100))
    # typed by hand: the documents of the deal no longer set it
    amount_fixed: Mapped[bool] = mapped_column(default=False)
    stage_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()
    stage: Mapped[Stage] = relationship()
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    history: Mapped[list[DealStageHistory]] = relationship(
        order_by="DealStageHistory.id", cascade="all, delete-orphan"
    )


class DealStageHistory(IdMixin, Base):
    __tablename__ = "deal_stage_history"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    rule_id: Mapped[int | None] = mapped_column(Integer)  # moved by this event rule
    stayed_seconds: Mapped[int | None] = mapped_column(Integer)  # until the deal's next move


# the funnel reads these indexes alone, never the table: time in a stage by stage and
# period, and each deal's moves by stage in deal order
Index("ix_deal_stage_history_to_at", DealStageHistory.to_stage_id, DealStageHistory.at,
      DealStageHistory.stayed_seconds)
Index("ix_deal_stage_history_deal_stage", DealStageHistory.deal_id,
      DealStageHistory.to_stage_id, DealStageHistory.at)
Index("ix_deals_manager_stage", Deal.manager_id, Deal.stage_id)
Index("ix_deals_stage_since", Deal.stage_id, Deal.stage_since)  # a board column's page
