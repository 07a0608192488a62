"""Users (managers) and roles with permissions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, UTCDateTime, utcnow


class Role(IdMixin, Base):
    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)


class User(IdMixin, Base):
    __tablename__ = "users"

    login: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    extension: Mapped[str | None] = mapped_column(String(20), unique=True)  # PBX internal number
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deletion_mark: Mapped[bool] = mapped_column(default=False)

    role: Mapped[Role] = relationship(lazy="joined")

    def has(self, permission: str) -> bool:
        return permission in (self.role.permissions or [])
