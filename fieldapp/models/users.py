"""Users, their scope, server-side sessions and throttling counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .registry import Enterprise, Grid, Street

user_grids = Table(
    "user_grids",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    industry: Mapped[str | None] = mapped_column(String(40))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    street: Mapped[Street | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
    grids: Mapped[list[Grid]] = relationship(secondary=user_grids, order_by="Grid.code")

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class AuthSession(Base):
    """A server-side session: logout or disabling the user ends it for good."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the SHA-256 of the token is stored; a database leak yields no sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "web" or "api"
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class RateCounter(Base):
    """A fixed-window counter shared by every worker (login, PIN, public pages)."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
