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


def test_a_street_whose_premises_all_closed_is_passed_over(ctx, world):
    """The history may close a small street's only premises; the examples go to a street that has some."""
    from fieldapp import enterprises
    from fieldapp.models import Enterprise

    first_street, _, _ = field_samples._people()
    for ent in db.session.scalars(
        select(Enterprise).where(Enterprise.street_id == first_street.street_id)
    ):
        enterprises.update(
            ent,
            {"active": False, "street_id": ent.street_id, "note": "已停业"},
            actor=first_street,
            now=NOW,
        )
    db.session.commit()

    counts = field_samples.populate(now=NOW)
    db.session.commit()

    assert counts == {"units": 3, "records": 10, "cadres": 2}
    street, inspector, _ = field_samples._people()
    assert street.street_id != first_street.street_id
    merged = db.session.scalar(select(UnitProposal).where(UnitProposal.status == "merged"))
    assert merged is not None
    assert audit.verify().ok
