"""Quarterly tables as filed (报送): frozen, sealed snapshots the district's roll-up reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class QuarterFiling(Base):
    """One version of one filer's annex 4/5/7 tables for one quarter.

    `figures` and `rows_behind` are canonical JSON texts (the tables as computed at the
    moment of filing, and the ids of the rows behind every figure); `seal` is the sha256
    of the canonical form of both with the filing's own facts, and is also recorded in
    the audit chain (event `event_uuid`). Rows are never updated: a correction is a new
    version with a reason.
    """

    __tablename__ = "quarter_filings"
    __table_args__ = (UniqueConstraint("unit", "year", "quarter", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # street:<id>, department:<industry> or district (the district's own roll-up)
    unit: Mapped[str] = mapped_column(String(60))
    unit_name: Mapped[str] = mapped_column(String(60))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)
    industry: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[str] = mapped_column(Text)
    rows_behind: Mapped[str] = mapped_column(Text)
    seal: Mapped[str] = mapped_column(String(64))
    event_uuid: Mapped[str] = mapped_column(String(36))
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime]

    filer = relationship("User")
