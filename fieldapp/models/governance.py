"""Major-hazard governance (安全生产法 Art. 41; 安全生产事故隐患排查治理暂行规定), 包保 cadres and supervision teams."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class HazardPlan(Base):
    """A 治理方案 the enterprise submits for a major hazard; the office accepts or returns it.

    The seven elements, after Art. 15 of 原国家安全生产监督管理总局令第16号 (2007), with
    its sixth item split into 安全措施 and 应急预案; the report's other contents (Art. 14:
    the hazard's state and cause, its harm and how hard it is to fix) travel with it.
    """

    __tablename__ = "hazard_plans"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'accepted', 'returned')", name="status"),
    )

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)  # the submit_plan event's uuid
    hazard_uuid: Mapped[str] = mapped_column(ForeignKey("hazards.uuid"), index=True)
    goal: Mapped[str] = mapped_column(Text)  # 目标任务
    method: Mapped[str] = mapped_column(Text)  # 方法措施
    funds: Mapped[str] = mapped_column(Text)  # 经费物资
    organization: Mapped[str] = mapped_column(Text)  # 机构人员
    timeline: Mapped[str] = mapped_column(Text)  # 时限要求
    safety_measures: Mapped[str] = mapped_column(Text)  # 安全措施
    emergency_plan: Mapped[str] = mapped_column(Text)  # 应急预案
    status_and_cause: Mapped[str] = mapped_column(Text, default="")  # 现状及其产生原因
    harm_analysis: Mapped[str] = mapped_column(Text, default="")  # 危害程度和整改难易程度分析
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")

    submitter = relationship("User", foreign_keys=[submitted_by])
    decider = relationship("User", foreign_keys=[decided_by])


class HazardAcceptance(Base):
    """The 销号 acceptance of a treated major hazard: who accepted it, on which day, on what evidence."""

    __tablename__ = "hazard_acceptances"

    uuid: Mapped[str] = mapped_column(
        String(36), primary_key=True
    )  # the record_acceptance event's uuid
    hazard_uuid: Mapped[str] = mapped_column(ForeignKey("hazards.uuid"), index=True)
    accepted_by: Mapped[str] = mapped_column(
        String(200)
    )  # the people (and experts) who accepted it
    accepted_on: Mapped[date] = mapped_column(Date)
    photos: Mapped[list] = mapped_column(JSON, default=list)
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # 验收报告, 评估报告 …
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    recorder = relationship("User")


class CadreAssignment(Base):
    """A 包保责任人: the cadre answering for one premises or one grid, from one day until relieved."""

    __tablename__ = "cadre_assignments"
    __table_args__ = (
        CheckConstraint("(enterprise_id IS NULL) <> (grid_id IS NULL)", name="one_target"),
        Index("ix_cadre_assignments_street", "street_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(60), default="")  # 职务
    phone: Mapped[str | None] = mapped_column(String(40))  # personal data: staff in scope only
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime]
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]

    grid = relationship("Grid")
    enterprise = relationship("Enterprise")


class VisitTeam(Base):
    """A 督导帮扶 visit: the team that walked it (several participants, experts named as written).

    A visit with a team row is a supervision visit, counted apart from the routine ones.
    """

    __tablename__ = "visit_teams"

    visit_uuid: Mapped[str] = mapped_column(
        ForeignKey("visits.uuid", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(12), default="supervision")
    participants: Mapped[list] = mapped_column(JSON, default=list)  # names, as written
    experts: Mapped[str] = mapped_column(Text, default="")
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
