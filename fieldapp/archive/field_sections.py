"""Issue 20 in the one-file archive: enforcement records and cases, major-hazard governance, 包保, origin."""

from __future__ import annotations

from sqlalchemy import false, select

from .. import enforcement
from ..extensions import db
from ..models import (
    Attachment,
    CadreAssignment,
    EnforcementCase,
    Hazard,
    HazardAcceptance,
    HazardPlan,
    UnitProposal,
)
from .collect import Context, iso, section


def _files(shas: list[str]) -> list[dict]:
    """Documents are named with their hash (kept as evidence, not embedded)."""
    rows = {
        a.sha256: a
        for a in db.session.scalars(
            select(Attachment).where(Attachment.sha256.in_(list(shas or [])))
        )
    }
    return [
        {
            "sha256": s,
            "name": rows[s].name if s in rows else None,
            "kind": rows[s].kind if s in rows else None,
        }
        for s in shas or []
    ]


@section("enforcement", order=57)
def enforcement_records(ctx: Context):
    """Every enforcement and supervision record of the premises (voided ones marked), and its referral cases."""
    eid = ctx.ent.id
    records = [
        {
            "uuid": r.uuid,
            "kind": r.kind,
            "label": enforcement.KINDS[r.kind],
            "summary": enforcement.describe(r),
            "doc_number": r.doc_number,
            "decided_on": iso(r.decided_on),
            "measures": list(r.measures),
            "fine_wan": str(r.fine_wan) if r.fine_wan is not None else None,
            "dual_penalty": r.dual_penalty,
            "person_name": r.person_name,
            "person_role": r.person_role,
            "person_fine_wan": str(r.person_fine_wan) if r.person_fine_wan is not None else None,
            "persons": r.persons,
            "hazards": [h.hazard_uuid for h in r.hazards],
            "case": r.case_uuid,
            "note": r.note,
            "attachments": _files(r.attachments),
            "filer": r.filer_kind,
            "recorded_by": ctx.person(r.recorded_by),
            "recorded_at": iso(r.recorded_at),
            "voided_at": iso(r.voided_at),
            "void_reason": r.void_reason or None,
        }
        for r in enforcement.for_enterprise(eid)
    ]
    cases = [
        {
            "uuid": c.uuid,
            "hazard": c.hazard_uuid,
            "status": c.status,
            "opened_at": iso(c.opened_at),
            "opened_by": ctx.person(c.opened_by),
            "note": c.note,
            "outcome": c.outcome,
            "closed_at": iso(c.closed_at),
        }
        for c in db.session.scalars(
            select(EnforcementCase)
            .where(EnforcementCase.enterprise_id == eid)
            .order_by(EnforcementCase.opened_at)
        )
    ]
    return "执法与监督记录", {"records": records, "cases": cases}


@section("major_governance", order=58)
def major_governance(ctx: Context):
    """The 治理方案 and 销号 acceptances of the premises' major hazards."""
    hazard_ids = select(Hazard.uuid).where(Hazard.enterprise_id == ctx.ent.id)
    plans = [
        {
            "uuid": p.uuid,
            "hazard": p.hazard_uuid,
            "status": p.status,
            "goal": p.goal,
            "method": p.method,
            "funds": p.funds,
            "organization": p.organization,
            "timeline": p.timeline,
            "safety_measures": p.safety_measures,
            "emergency_plan": p.emergency_plan,
            "status_and_cause": p.status_and_cause,
            "harm_analysis": p.harm_analysis,
            "attachments": _files(p.attachments),
            "submitted_by": ctx.person(p.submitted_by),
            "submitted_at": iso(p.submitted_at),
            "decided_by": ctx.person(p.decided_by),
            "decided_at": iso(p.decided_at),
            "decision_note": p.decision_note,
        }
        for p in db.session.scalars(
            select(HazardPlan)
            .where(HazardPlan.hazard_uuid.in_(hazard_ids))
            .order_by(HazardPlan.submitted_at)
        )
    ]
    acceptances = [
        {
            "uuid": a.uuid,
            "hazard": a.hazard_uuid,
            "accepted_by": a.accepted_by,
            "accepted_on": iso(a.accepted_on),
            "photos": [ctx.use_photo(s) for s in a.photos],
            "attachments": _files(a.attachments),
            "note": a.note,
            "recorded_by": ctx.person(a.recorded_by),
            "recorded_at": iso(a.recorded_at),
        }
        for a in db.session.scalars(
            select(HazardAcceptance)
            .where(HazardAcceptance.hazard_uuid.in_(hazard_ids))
            .order_by(HazardAcceptance.recorded_at)
        )
    ]
    majors = [
        {
            "hazard": h.uuid,
            "confirmed_at": iso(h.major_confirmed_at),
            "confirmed_by": ctx.person(h.major_confirmed_by),
            "supervision_level": h.supervision_level,
            "supervisor": h.supervisor,
            "plan_status": h.plan_status,
            "acceptance": h.acceptance_uuid,
        }
        for h in db.session.scalars(
            select(Hazard)
            .where(Hazard.enterprise_id == ctx.ent.id, Hazard.level == "major")
            .order_by(Hazard.raised_at, Hazard.uuid)
        )
    ]
    return "重大隐患治理", {"majors": majors, "plans": plans, "acceptances": acceptances}


@section("field_origin", order=59)
def field_origin(ctx: Context):
    """How the premises entered the register (排查摸底), its 四类市场主体 flags and its 包保责任人 history."""
    proposals = [
        {
            "uuid": p.uuid,
            "status": p.status,
            "name": p.name,
            "proposed_by": ctx.person(p.proposed_by),
            "found_at": iso(p.found_at),
            "received_at": iso(p.received_at),
            "decided_by": ctx.person(p.decided_by),
            "decided_at": iso(p.decided_at),
            "reason": p.reason,
            "photos": [ctx.use_photo(s) for s in p.photos],
        }
        for p in db.session.scalars(
            select(UnitProposal)
            .where(UnitProposal.enterprise_id == ctx.ent.id)
            .order_by(UnitProposal.received_at)
        )
    ]
    cadres = [
        {
            "name": c.name,
            "title": c.title,
            "scope": "premises" if c.enterprise_id else "grid",
            "assigned_at": iso(c.assigned_at),
            "ended_at": iso(c.ended_at),
        }
        for c in db.session.scalars(
            select(CadreAssignment)
            .where(
                (CadreAssignment.enterprise_id == ctx.ent.id)
                | ((CadreAssignment.grid_id == ctx.ent.grid_id) if ctx.ent.grid_id else false())
            )
            .order_by(CadreAssignment.assigned_at)
        )
    ]
    return "入册与包保", {
        "four_categories": ctx.ent.market_categories,
        "proposals": proposals,
        "cadres": cadres,
    }
