"""What the premises and enforcement pages read beside the records: hazards and open cases."""

from __future__ import annotations

from sqlalchemy import select

from . import hazards
from .extensions import db
from .models import EnforcementCase, EnforcementRecord, Hazard


def premises_hazards(enterprise_id: int, *, limit: int, by_deadline: bool = False) -> list[Hazard]:
    """Return a premises' hazards, open ones first, then (by_deadline) soonest due, then newest."""
    order = [hazards.state_sort_key(), *([Hazard.deadline] if by_deadline else [])]
    return list(
        db.session.scalars(
            select(Hazard)
            .where(Hazard.enterprise_id == enterprise_id)
            .order_by(*order, Hazard.raised_at.desc())
            .limit(limit)
        )
    )


def open_cases(enterprise_id: int) -> list[EnforcementCase]:
    """Return a premises' referral cases still waiting for a decision."""
    return list(
        db.session.scalars(
            select(EnforcementCase).where(
                EnforcementCase.enterprise_id == enterprise_id, EnforcementCase.status == "open"
            )
        )
    )


def case_hazards(enterprise_id: int, case_uuid: str) -> list[str]:
    """Return the hazard a case of this premises refers (to preselect it), or none."""
    case = db.session.get(EnforcementCase, case_uuid) if case_uuid else None
    if case is None or case.enterprise_id != enterprise_id:
        return []
    return [case.hazard_uuid]


def record_hazards(rec: EnforcementRecord) -> list[Hazard]:
    """Return the hazards a record names."""
    uuids = [h.hazard_uuid for h in rec.hazards]
    return list(db.session.scalars(select(Hazard).where(Hazard.uuid.in_(uuids))))
