"""The demo's examples of issue 20 (fieldapp.field_samples), made through the domain functions."""

from __future__ import annotations

from sqlalchemy import func, select

from fieldapp import audit, field_samples, hazard_major
from fieldapp.extensions import db
from fieldapp.models import (
    CadreAssignment,
    EnforcementCase,
    EnforcementRecord,
    Hazard,
    HazardAcceptance,
    HazardPlan,
    UnitProposal,
    UnitVisit,
    VisitTeam,
)

from ..clock import NOW


def test_the_demo_holds_an_example_of_each(ctx, world):
    counts = field_samples.populate(now=NOW)
    db.session.commit()
    assert counts == {"units": 3, "records": 10, "cadres": 2}
    assert sorted(db.session.scalars(select(UnitProposal.status))) == [
        "approved",
        "merged",
        "rejected",
    ]
    assert db.session.scalar(select(UnitVisit.status)) == "attached"
    assert set(db.session.scalars(select(EnforcementRecord.kind))) == {
        "inspection",
        "penalty",
        "judicial",
        "interview",
        "notice",
        "exposure",
        "incentive",
        "restraint",
    }
    assert (
        db.session.scalar(select(func.count()).where(EnforcementRecord.dual_penalty.is_(True))) == 1
    )
    assert sorted(db.session.scalars(select(EnforcementCase.status))) == ["decided", "open"]
    governed = db.session.scalar(select(Hazard).where(Hazard.plan_status == "accepted"))
    assert (
        governed.state == "closed"
        and governed.supervision_level == "street"
        and not hazard_major.pending(governed)
    )
    assert db.session.get(HazardAcceptance, governed.acceptance_uuid) is not None
    assert db.session.scalar(select(HazardPlan.status)) == "accepted"
    assert db.session.scalar(select(func.count()).select_from(VisitTeam)) == 1
    assert db.session.scalar(select(func.count()).select_from(CadreAssignment)) == 2
    assert audit.verify().ok
