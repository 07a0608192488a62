"""The sales pipeline's settings and records: refusal reasons, event rules and what they did,
sales plans per manager and month."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, Money, UTCDateTime, utcnow
from crmdesk.models.sales import Deal, SalesProcess, Stage


class RefusalReason(IdMixin, Base):
    """A reason a deal is lost, chosen from this catalogue when it moves to «Отказ»."""

    __tablename__ = "refusal_reasons"
    __table_args__ = (UniqueConstraint("process_id", "name"),)

    process_id: Mapped[int] = mapped_column(ForeignKey("sales_processes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    order: Mapped[int] = mapped_column(Integer, default=0)

    process: Mapped[SalesProcess] = relationship()


class EventRule(IdMixin, Base):
    """When ``event`` happens to a deal of the process, ``action`` follows.

    events: proposal_posted | order_posted | invoice_posted | invoice_paid | docs_received |
    contract_ends (``days`` before the contract end) | contract_ended | idle (``days`` without
    activity); actions: move (to ``stage_id``) | task (``task_title`` for the manager, due in
    ``task_days``) | email | sms (``template_id``)."""

    __tablename__ = "event_rules"

    process_id: Mapped[int] = mapped_column(ForeignKey("sales_processes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(30))
    days: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    task_title: Mapped[str | None] = mapped_column(String(300))
    task_days: Mapped[int | None] = mapped_column(Integer)
    template_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)

    process: Mapped[SalesProcess] = relationship()
    stage: Mapped[Stage | None] = relationship()


class RuleRun(IdMixin, Base):
    """What a rule did to a deal: done, refused (with the reason) or not set up. A date rule
    fires once per ``occasion`` (the contract end it was about, the idle day it counted)."""

    __tablename__ = "rule_runs"
    __table_args__ = (UniqueConstraint("rule_id", "deal_id", "occasion"),)

    rule_id: Mapped[int] = mapped_column(ForeignKey("event_rules.id", ondelete="CASCADE"))
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    occasion: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[str] = mapped_column(String(10))  # done | refused | skipped
    message: Mapped[str | None] = mapped_column(Text)
    # an e-mail/SMS rule's queued message (sent once the rule's unit of work commits)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)


class SalesPlan(IdMixin, Base):
    """How much a manager is to sell in a month (the month's first day)."""

    __tablename__ = "sales_plans"
    __table_args__ = (UniqueConstraint("manager_id", "month"),)

    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)


# the board's column headers (count and sum per stage) read this index alone; its filter of
# sources reads the distinct sources from the other
Index("ix_deals_board", Deal.process_id, Deal.stage_id, Deal.deletion_mark, Deal.amount)
Index("ix_deals_source", Deal.source)
