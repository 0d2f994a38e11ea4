"""Hazard reports from the public (吹哨), made from a premises' placard page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class PublicReport(Base):
    __tablename__ = "public_reports"
    __table_args__ = (Index("ix_public_reports_enterprise_status", "enterprise_id", "status"),)

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    description: Mapped[str] = mapped_column(Text)
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    # Personal data, kept private: shown to staff in scope, never published.
    contact: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(10), default="new")  # new / confirmed / dismissed
    created_at: Mapped[datetime]
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    hazard_uuid: Mapped[str | None] = mapped_column(ForeignKey("hazards.uuid"))

    enterprise = relationship("Enterprise")
    handler = relationship("User")
