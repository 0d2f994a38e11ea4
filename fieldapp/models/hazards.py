"""Hazards (隐患) and their closed loop; state changes only through fieldapp.hazards.transition."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

# Open first, then rectified, then closed. The text is the index's expression: SQLite and
# PostgreSQL use an expression index only for that expression, so queries order by
# exactly this (hazards.state_sort_key) rather than a CASE with bound parameters.
STATE_ORDER_SQL = "CASE {state} WHEN 'open' THEN 0 WHEN 'rectified' THEN 1 ELSE 2 END"
# Major hazards awaiting 挂牌督办 (the dashboard's first box): a partial index holds only
# them. Both databases use a partial index only when the query names its condition
# itself, with literals, so the query reads this text too (dashboard.awaiting_supervision).
MAJOR_AWAITING_SQL = "{t}level = 'major' AND {t}supervised = false AND {t}state <> 'closed'"


class Hazard(Base):
    __tablename__ = "hazards"
    __table_args__ = (
        # Overdue is derived (deadline passed, not closed): these indexes serve it, and with the
        # premises and times in them the reports and dashboard count from the index alone.
        Index("ix_hazards_open_due", "state", "deadline", "enterprise_id", "raised_at"),
        Index("ix_hazards_enterprise_state", "enterprise_id", "state"),
        # With source and uuid, the quarterly tables' hazards of the year are read from the
        # index alone (0.55 s less for the district's annex 4 at city scale).
        Index("ix_hazards_raised_enterprise", "raised_at", "enterprise_id", "source", "uuid"),
        Index(
            "ix_hazards_closed",
            "closed_at",
            "enterprise_id",
            "raised_at",
            "deadline",
            "source",
            "uuid",
        ),
        # The lists' first page in the lists' own order, read from the index and stopped
        # after 100 rows instead of sorting every hazard in scope (issue 23).
        Index(
            "ix_hazards_worklist",
            text(f"({STATE_ORDER_SQL.format(state='state')})"),
            "deadline",
            "raised_at",
            "uuid",
        ),
        Index("ix_hazards_closure_list", "state", "closed_at", "uuid"),
        # The enterprise's own 三张清单 (annexes 4 and 5) read its self-found hazards only.
        Index("ix_hazards_source_raised", "source", "raised_at", "enterprise_id"),
        Index(
            "ix_hazards_major_awaiting",
            "raised_at",
            sqlite_where=text(MAJOR_AWAITING_SQL.format(t="")),
            postgresql_where=text(MAJOR_AWAITING_SQL.format(t="")),
        ),
        CheckConstraint("state IN ('open', 'rectified', 'closed')", name="state"),
        CheckConstraint("level IN ('general', 'major')", name="level"),
    )

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)  # made by the client
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    visit_uuid: Mapped[str | None] = mapped_column(ForeignKey("visits.uuid"), index=True)
    checklist_id: Mapped[str | None] = mapped_column(String(40))
    item_key: Mapped[str | None] = mapped_column(String(40))
    # The item's text when raised (the compliant state), kept for hazards recorded before defects.
    item_text: Mapped[str] = mapped_column(String(200))
    # The finding worded as a defect (the item's `defect`, as the inspector confirmed or edited it):
    # what every page, list and notice calls the hazard.
    defect: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(30), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # 整改清单: the rectification measure and who at the premises is responsible.
    measure: Mapped[str] = mapped_column(Text, default="", server_default="")
    owner: Mapped[str] = mapped_column(String(60), default="", server_default="")
    level: Mapped[str] = mapped_column(String(10))
    level_reason: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date] = mapped_column(Date)
    deadline_reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10))
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)  # 挂牌督办
    referred: Mapped[bool] = mapped_column(Boolean, default=False)  # 移交执法
    fixed_on_spot: Mapped[bool] = mapped_column(Boolean, default=False)  # 当场整改
    # Who found it: "inspection" (an inspector, on a visit or confirming a public report) or
    # "self" (the enterprise's own self-inspection, 企业自查). The quarterly tables count the
    # two apart (自查隐患 vs 发现隐患); a self-found hazard stays off the public placard page
    # until an inspector confirms it (confirmed_by/at).
    source: Mapped[str] = mapped_column(
        String(12), default="inspection", server_default="inspection"
    )
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    # A pending 申请延期: the date asked for, until a street user decides.
    extension_requested_to: Mapped[date | None] = mapped_column(Date)
    before_photos: Mapped[list] = mapped_column(JSON, default=list)
    after_photos: Mapped[list] = mapped_column(JSON, default=list)  # of the latest rectification
    evidence_flags: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    raised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    # A major hazard with flagged evidence closes only when a second office user
    # confirms: the first verifier waits here (PRODUCT.md §4, ASVS 2.3.5).
    first_verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_verified_at: Mapped[datetime | None]
    # A major hazard is 待确认 until a street, district or department user confirms it
    # (an office user raising it confirms it at once); a downgrade makes it general with a reason.
    major_confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    major_confirmed_at: Mapped[datetime | None]
    # 挂牌督办: at which level (street 街道 / district 区) and who supervises it.
    supervision_level: Mapped[str | None] = mapped_column(String(10))
    supervisor: Mapped[str | None] = mapped_column(String(60))
    # The latest 治理方案's state (submitted / accepted / returned) and the current 销号 acceptance record.
    plan_status: Mapped[str | None] = mapped_column(String(10))
    acceptance_uuid: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime]

    enterprise = relationship("Enterprise")
    raiser = relationship("User", foreign_keys=[raised_by])
    submitter = relationship("User", foreign_keys=[submitted_by])
    closer = relationship("User", foreign_keys=[closed_by])
    confirmer = relationship("User", foreign_keys=[confirmed_by])
    first_verifier = relationship("User", foreign_keys=[first_verified_by])
    major_confirmer = relationship("User", foreign_keys=[major_confirmed_by])

    @property
    def finding(self) -> str:
        """What the hazard is called: its defect wording, or the item text for hazards recorded before defects."""
        return self.defect or self.item_text
