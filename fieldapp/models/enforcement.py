"""Enforcement and supervision records (执法推动), referral cases and the documents attached to them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Attachment(Base):
    """A document kept as received (PDF, image, Office file), addressed by its SHA-256."""

    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # as uploaded, for the download only
    kind: Mapped[str] = mapped_column(String(10))  # recognised from the bytes (fieldapp.documents)
    mime: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime]


class AttachmentRef(Base):
    """Where a document is used; the premises decides who may open it (like PhotoRef)."""

    __tablename__ = "attachment_refs"
    __table_args__ = (Index("ix_attachment_refs_sha_enterprise", "sha256", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachments.sha256"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(20))  # enforcement / plan / acceptance
    object_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class EnforcementCase(Base):
    """A hazard handed to enforcement (移交执法), followed until its outcome is on record."""

    __tablename__ = "enforcement_cases"
    __table_args__ = (CheckConstraint("status IN ('open', 'decided', 'closed')", name="status"),)

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    hazard_uuid: Mapped[str] = mapped_column(ForeignKey("hazards.uuid"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    # open 待处理 → decided 已作出处理决定 (a record names it) | closed 已结案（不予处罚等）
    status: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]

    hazard = relationship("Hazard")
    enterprise = relationship("Enterprise")


class EnforcementRecord(Base):
    """One decision or action on one premises: 执法检查, 行政处罚, 移送司法, 约谈, 通报, 曝光, 激励, 约束."""

    __tablename__ = "enforcement_records"
    __table_args__ = (
        Index("ix_enforcement_records_decided", "decided_on", "enterprise_id"),
        CheckConstraint(
            "kind IN ('inspection', 'penalty', 'judicial', 'interview', 'notice', 'exposure', "
            "'incentive', 'restraint')",
            name="kind",
        ),
    )

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    doc_number: Mapped[str] = mapped_column(String(80))  # 决定书（文书）编号
    decided_on: Mapped[date] = mapped_column(Date)
    # 行政处罚: the measures decided (fine, suspension, licence_suspended, licence_revoked, closure).
    measures: Mapped[list] = mapped_column(JSON, default=list)
    fine_wan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))  # 罚款 on the unit, 万元
    # 一案双罚: the responsible person is fined too.
    dual_penalty: Mapped[bool] = mapped_column(Boolean, default=False)
    person_name: Mapped[str] = mapped_column(String(40), default="")
    person_role: Mapped[str] = mapped_column(String(40), default="")
    person_fine_wan: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    persons: Mapped[int | None] = mapped_column(Integer)  # 移送司法: people referred (人次)
    note: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # sha256 of Attachment rows
    case_uuid: Mapped[str | None] = mapped_column(ForeignKey("enforcement_cases.uuid"), index=True)
    # Who filed it: a street office, a department (its industry) or the district.
    filer_kind: Mapped[str] = mapped_column(String(12))
    filer_street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    filer_industry: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    # A record entered in error is voided with a reason, never deleted or edited.
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str] = mapped_column(Text, default="")

    enterprise = relationship("Enterprise")
    recorder = relationship("User", foreign_keys=[recorded_by])
    hazards: Mapped[list[EnforcementHazard]] = relationship(
        cascade="all, delete-orphan", order_by="EnforcementHazard.hazard_uuid"
    )


class EnforcementHazard(Base):
    """A hazard a record is about (隐患数量 of annex 7 counts these)."""

    __tablename__ = "enforcement_hazards"

    record_uuid: Mapped[str] = mapped_column(
        ForeignKey("enforcement_records.uuid", ondelete="CASCADE"), primary_key=True
    )
    hazard_uuid: Mapped[str] = mapped_column(
        ForeignKey("hazards.uuid"), primary_key=True, index=True
    )
