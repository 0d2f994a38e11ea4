"""The plan's calendar (phases and the filings each requires) and what each filer filed, with receipts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class PlanPhase(Base):
    """One stage of a year's plan (动员部署 … 总结完善), with its dates; the district edits it."""

    __tablename__ = "plan_phases"
    __table_args__ = (UniqueConstraint("year", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(Text, default="")  # the plan's words for it
    position: Mapped[int] = mapped_column(Integer, default=0)


class PlanRequirement(Base):
    """A filing the plan requires of every street and/or department, due by a date."""

    __tablename__ = "plan_requirements"
    __table_args__ = (UniqueConstraint("year", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(30))
    # None: a standing duty outside the five phases (季度、年度报送, plan 五（五）).
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("plan_phases.id"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date] = mapped_column(Date)  # filed on or before this local date is on time
    filers: Mapped[str] = mapped_column(String(12), default="both")  # street / department / both
    forms: Mapped[list] = mapped_column(JSON)  # any of document, note, table
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)  # 须加盖公章（及主要领导签字）
    period: Mapped[str] = mapped_column(String(10), default="")  # "2025Q1" for a quarter's tables
    basis: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    phase: Mapped[PlanPhase | None] = relationship()


class PlanFiling(Base):
    """One thing a filer filed for a requirement: a document, a note or a table snapshot, with its receipt.

    Rows are never changed: filing again adds a row. A filer's status for a requirement
    is computed from its earliest filing and the due date, never stored.
    """

    __tablename__ = "plan_filings"
    __table_args__ = (Index("ix_plan_filings_requirement_filer", "requirement_id", "filer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("plan_requirements.id"))
    # street:<id> or department:<industry> (the quarterly filings name their units the same way)
    filer: Mapped[str] = mapped_column(String(60))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    industry: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # document / note / table
    note: Mapped[str] = mapped_column(Text, default="")
    file_key: Mapped[str | None] = mapped_column(
        String(200)
    )  # in the configured store, area "filings"
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_type: Mapped[str] = mapped_column(
        String(10), default=""
    )  # pdf / jpeg / png / webp / heic / docx / xlsx / pptx
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    # sha256 of the stored file (or, for a note or a table, of its canonical text): the receipt's hash.
    sha256: Mapped[str] = mapped_column(String(64))
    # A quarterly table snapshot (the sealed filing of annexes 4/5/7) this filing hands in.
    snapshot_id: Mapped[int | None] = mapped_column(Integer, index=True)
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime]
    event_uuid: Mapped[str] = mapped_column(String(36))  # its record in the audit chain

    requirement: Mapped[PlanRequirement] = relationship()
    filer_user = relationship("User")


class ChecklistProposal(Base):
    """A department's proposed change to a checklist, and the district's decision on it.

    `changes` lists {"action": add|change|remove, "key", "section", "fields"}. An accepted
    proposal keeps the checklist file it produces (`toml_text`, with its sha256 and the
    checklist content hash), which is installed into the checklists folder and takes
    effect at the next start.
    """

    __tablename__ = "checklist_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(40), index=True)
    base_version: Mapped[int] = mapped_column(Integer)
    industry: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(
        String(10), default="draft"
    )  # draft / pending / accepted / refused
    reason: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list] = mapped_column(JSON)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    new_version: Mapped[int | None] = mapped_column(Integer)
    toml_text: Mapped[str | None] = mapped_column(Text)
    toml_sha256: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))

    proposer = relationship("User", foreign_keys=[proposed_by])
    decider = relationship("User", foreign_keys=[decided_by])
