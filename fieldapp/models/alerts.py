"""What the phone reports to the street office beyond visits: alerts and its queue count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Alert(Base):
    """A report to the street office (街道安办) that a person must look at.

    `major_hazard` (重大隐患当日报告) and `sync_conflict` (a queued record the server
    refused with 409) come from the inspector's phone under a client-made uuid, so a
    replay is idempotent; `lost_record` is raised by the server when a phone's queue
    shrank without the records reaching it (可能丢失的离线记录).
    """

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_open", "acknowledged_at", "kind", "enterprise_id"),)

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # major_hazard / sync_conflict / lost_record
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # the inspector it concerns
    hazard_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    record_uuid: Mapped[str | None] = mapped_column(
        String(36)
    )  # the visit (or queued record) it is about
    subject: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict | None] = mapped_column(JSON)  # a conflict: the phone's copy, as evidence
    body_hash: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]  # phone time (untrusted), or the server's for lost records
    received_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enterprise = relationship("Enterprise")
    user = relationship("User", foreign_keys=[user_id])


class DeviceQueue(Base):
    """The last queue a phone reported for one user: what it still holds unsynced."""

    __tablename__ = "device_queues"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    queued: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[list] = mapped_column(JSON, default=list)  # [{"uuid", "type", "enterprise_id"}]
    reported_at: Mapped[datetime]
