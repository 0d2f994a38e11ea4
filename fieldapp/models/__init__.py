"""All mapped classes, importable from one place."""

from .alerts import Alert, DeviceQueue
from .audit import AuditEvent, AuditHead
from .base import Base
from .campaign import (
    CampaignCase,
    CampaignLetter,
    CampaignTarget,
    QuarterFigure,
    RiskAssessment,
    Setting,
    StandardizationRecord,
    StarRating,
    TenancyAgreement,
)
from .checklists import ChecklistVersion
from .enforcement import (
    Attachment,
    AttachmentRef,
    EnforcementCase,
    EnforcementHazard,
    EnforcementRecord,
)
from .filings import QuarterFiling
from .governance import CadreAssignment, HazardAcceptance, HazardPlan, VisitTeam
from .hazards import Hazard
from .inspections import Answer, NoticeSequence, Visit, VisitChecklist
from .jobs import ExportJob
from .photos import Photo, PhotoRef, PhotoUpload
from .plan import ChecklistProposal, PlanFiling, PlanPhase, PlanRequirement
from .registry import Enterprise, EnterpriseChange, EnterpriseGram, Grid, Street
from .reports import PublicReport
from .summaries import HazardTally, PremisesVisit, VisitTally
from .units import UnitProposal, UnitVisit
from .users import AuthSession, RateCounter, User, user_grids

__all__ = [
    "Alert",
    "HazardTally",
    "PremisesVisit",
    "VisitTally",
    "DeviceQueue",
    "CampaignCase",
    "CampaignLetter",
    "CampaignTarget",
    "QuarterFigure",
    "QuarterFiling",
    "RiskAssessment",
    "Setting",
    "StandardizationRecord",
    "StarRating",
    "TenancyAgreement",
    "Answer",
    "Attachment",
    "AttachmentRef",
    "CadreAssignment",
    "EnforcementCase",
    "EnforcementHazard",
    "EnforcementRecord",
    "HazardAcceptance",
    "HazardPlan",
    "NoticeSequence",
    "UnitProposal",
    "UnitVisit",
    "VisitTeam",
    "AuditEvent",
    "AuditHead",
    "AuthSession",
    "Base",
    "ChecklistProposal",
    "ChecklistVersion",
    "Enterprise",
    "ExportJob",
    "EnterpriseChange",
    "EnterpriseGram",
    "Grid",
    "Hazard",
    "Photo",
    "PlanFiling",
    "PlanPhase",
    "PlanRequirement",
    "PhotoRef",
    "PhotoUpload",
    "PublicReport",
    "RateCounter",
    "Street",
    "User",
    "Visit",
    "VisitChecklist",
    "user_grids",
]
