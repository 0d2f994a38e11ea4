"""Visits (检查), the checklists they used and their answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Visit(Base):
    """One inspector's finished visit to one premises, received whole (PUT /api/v1/visits)."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_enterprise_finished", "enterprise_id", "finished_at"),
        Index(
            "ix_visits_finished_enterprise", "finished_at", "enterprise_id"
        ),  # visits in a window, per premises
        Index(
            "uq_visits_notice_number", "notice_street_id", "notice_year", "notice_seq", unique=True
        ),
    )

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)  # made by the client
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    received_at: Mapped[datetime]  # server time: the authoritative one
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    # ok / denied / unavailable / timeout / none — a refusal is recorded as such.
    location_status: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the canonical request body: an identical replay gets the same receipt.
    body_hash: Mapped[str] = mapped_column(String(64))
    item_count: Mapped[int] = mapped_column(Integer)
    answered_count: Mapped[int] = mapped_column(Integer)
    fail_count: Mapped[int] = mapped_column(Integer)
    # The earlier visit this one corrects (same inspector and premises; checked on receipt).
    # No foreign key: adding one rebuilds the table on SQLite, which cascades into its children.
    amends: Mapped[str | None] = mapped_column(String(36), index=True)
    # The premises' responsible person at the end of the visit: {"status": "signed", "signature": sha256,
    # "signer", "signed_at"} or {"status": "refused", "reason", "signer", "signed_at"}; None from older clients.
    sign_off: Mapped[dict | None] = mapped_column(JSON)
    # Items left unanswered on purpose (未检查): [{"checklist", "item", "reason"}]; None when there were none.
    unchecked: Mapped[list | None] = mapped_column(JSON)
    # The 整改通知书's number, from the street's yearly sequence when the visit reached the
    # server (fieldapp.notices); None for a visit that raised nothing to rectify. The text is
    # kept as printed, so a later change of the pattern does not renumber issued notices.
    notice_street_id: Mapped[int | None] = mapped_column(Integer)
    notice_year: Mapped[int | None] = mapped_column(Integer)
    notice_seq: Mapped[int | None] = mapped_column(Integer)
    notice_no: Mapped[str | None] = mapped_column(String(60))

    enterprise = relationship("Enterprise")
    inspector = relationship("User")
    checklists: Mapped[list[VisitChecklist]] = relationship(
        order_by="VisitChecklist.position", cascade="all, delete-orphan"
    )
    answers: Mapped[list[Answer]] = relationship(order_by="Answer.id", cascade="all, delete-orphan")


class VisitChecklist(Base):
    """The checklist versions a visit answered, pinned by content hash.

    Each row also carries its visit's premises and finishing time and the items passed
    and not applicable on this checklist (copies: a visit never changes once received),
    so the latest inspection of a premises with a checklist is one index range and one
    row for the campaign's measures, not a join over every visit and answer.
    """

    __tablename__ = "visit_checklists"
    __table_args__ = (
        Index(
            "ix_visit_checklists_latest",
            "checklist_id",
            "enterprise_id",
            "finished_at",
            "visit_uuid",
        ),
    )

    visit_uuid: Mapped[str] = mapped_column(
        ForeignKey("visits.uuid", ondelete="CASCADE"), primary_key=True
    )
    checklist_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    finished_at: Mapped[datetime]
    passed: Mapped[list] = mapped_column(JSON)  # item keys answered "pass", sorted
    not_applicable: Mapped[list] = mapped_column(JSON)  # item keys answered "na", sorted


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("visit_uuid", "checklist_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_uuid: Mapped[str] = mapped_column(ForeignKey("visits.uuid", ondelete="CASCADE"))
    checklist_id: Mapped[str] = mapped_column(String(40))
    item_key: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(4))  # pass / fail / na
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list] = mapped_column(JSON, default=list)  # sha256 list, in order


class NoticeSequence(Base):
    """The last 整改通知书 number a street gave in a year: one row per street and year."""

    __tablename__ = "notice_sequences"

    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)
