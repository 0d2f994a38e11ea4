"""Units found in the field (排查摸底, 查缺补漏) and the first visits walked against them before approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class UnitProposal(Base):
    """A premises an inspector recorded on the street (PUT /api/v1/units/{uuid}), until the office decides.

    It is not in the register (nor counted anywhere) while proposed: approval creates the
    enterprise, merging points it at an existing one, rejection keeps it with the reason.
    """

    __tablename__ = "unit_proposals"
    __table_args__ = (
        Index("ix_unit_proposals_street_status", "street_id", "status"),
        CheckConstraint("status IN ('proposed', 'approved', 'merged', 'rejected')", name="status"),
    )

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)  # made by the phone
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    # 尚未办照: no business licence yet, so no credit code to record.
    no_licence: Mapped[bool] = mapped_column(default=False)
    venue_type: Mapped[str | None] = mapped_column(String(30))
    industry: Mapped[str] = mapped_column(String(40))
    size_class: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_status: Mapped[str] = mapped_column(String(20), default="none")
    photos: Mapped[list] = mapped_column(JSON, default=list)  # the front (门头), sha256 in order
    note: Mapped[str] = mapped_column(Text, default="")
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    found_at: Mapped[datetime]  # the phone's clock, when recorded
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    received_at: Mapped[datetime]  # server time
    # SHA-256 of the canonical body: an identical replay gets the same receipt.
    body_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")  # why rejected, or a note on the merge
    # Approved: the enterprise created; merged: the existing one it duplicates.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    street = relationship("Street")
    grid = relationship("Grid")
    proposer = relationship("User", foreign_keys=[proposed_by])
    decider = relationship("User", foreign_keys=[decided_by])
    enterprise = relationship("Enterprise")


class UnitVisit(Base):
    """A visit walked against a proposed unit: held as sent, received as a visit once the unit is in the register.

    Its uuid is the visit's own; after approval (or a merge) the same uuid names the
    stored Visit, and a replay from the phone still answers with this receipt.
    """

    __tablename__ = "unit_visits"
    __table_args__ = (
        CheckConstraint("status IN ('held', 'attached', 'unit_rejected')", name="status"),
    )

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_uuid: Mapped[str] = mapped_column(ForeignKey("unit_proposals.uuid"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[dict] = mapped_column(JSON)  # as sent, to be received whole later
    body_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    hazards: Mapped[list] = mapped_column(JSON, default=list)  # the hazard uuids it raises
    status: Mapped[str] = mapped_column(String(14), default="held")
    attached_at: Mapped[datetime | None]
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
