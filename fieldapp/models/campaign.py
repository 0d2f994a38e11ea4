"""The 2025 campaign's own records: letters, four-colour assessments, standardization, stars,
tenancy agreements, cases, targets, figures entered by hand, and editable settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class CampaignLetter(Base):
    """告知书 (annex 2) delivered or 承诺书 (annex 3) signed, one of each per premises and year."""

    __tablename__ = "campaign_letters"
    __table_args__ = (UniqueConstraint("enterprise_id", "kind", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # notice / commitment
    year: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[date | None] = mapped_column(
        Date
    )  # the self-assessment deadline the street sets
    done_on: Mapped[date] = mapped_column(Date)  # delivered (notice) or signed (commitment)
    signer: Mapped[str] = mapped_column(String(40), default="")  # personal: staff only
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    recorder = relationship("User")


class RiskAssessment(Base):
    """One four-colour decision: the rules' suggestion, its reasons, and what the street confirmed."""

    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    suggested: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list] = mapped_column(JSON)
    color: Mapped[str] = mapped_column(String(10))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(index=True)
    # The role the decider acted in (street, department, district): both streets and
    # departments may decide (settings "risk_deciders"), and the history says which did.
    decided_as: Mapped[str] = mapped_column(String(20), default="")

    decider = relationship("User")


class StandardizationRecord(Base):
    """A standardization review (定级/达标评审) or an annual self-assessment (自评)."""

    __tablename__ = "standardization_records"
    __table_args__ = (Index("ix_standardization_records_enterprise_on", "enterprise_id", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    kind: Mapped[str] = mapped_column(String(16))  # review / self_assessment
    level: Mapped[str] = mapped_column(String(20))  # level1..level3, micro_pass, self_assessed
    result: Mapped[str] = mapped_column(String(4))  # pass / fail
    on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    organizer: Mapped[str | None] = mapped_column(String(10))  # city / district / street
    # A passed review of premises that already held a standardization grade (复评、换证、升级):
    # annex 1's targets count only new ones (新增).
    renewal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    recorder = relationship("User")


class StarRating(Base):
    """A star grade (星级管理) with the ladder's suggestion, kept as history."""

    __tablename__ = "star_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    suggested: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]

    decider = relationship("User")


class TenancyAgreement(Base):
    """A safety agreement between a landlord (一企多租) and one tenant (Work Safety Law Art. 49)."""

    __tablename__ = "tenancy_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date)
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class CampaignCase(Base):
    """A recognised case: 样板街道, 标杆企业 (百优企业案例), 九小场所优秀案例."""

    __tablename__ = "campaign_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # sample_street / benchmark / excellent_venue
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    level: Mapped[str] = mapped_column(String(10))  # city / district / street
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    enterprise = relationship("Enterprise")


class CampaignTarget(Base):
    """Annex 1's guidance numbers per street and year, editable by the district."""

    __tablename__ = "campaign_targets"
    __table_args__ = (UniqueConstraint("street_id", "year", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(20))  # sample_street / benchmark / reviewed / posts
    target: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]


class QuarterFigure(Base):
    """A figure the app does not capture (enforcement, training …), entered for one quarter.

    Entered by a street (street_id) or by a supervising department for its industry
    (industry); exactly one of the two is set. Each unique constraint holds for its own
    kind of filer (NULLs never collide).
    """

    __tablename__ = "quarter_figures"
    __table_args__ = (
        UniqueConstraint("street_id", "year", "quarter", "annex", "row_key", "column_key"),
        UniqueConstraint("industry", "year", "quarter", "annex", "row_key", "column_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    industry: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    annex: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(
        String(30), default=""
    )  # venue type (annex 7) or level (annex 5)
    column_key: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    entered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime]

    enterer = relationship("User")


class Setting(Base):
    """Settings district users edit: risk rules, visit intervals, the star ladder."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
