"""Hazards: list, detail and POST /api/v1/hazards/{uuid}/events (the closed loop)."""

from __future__ import annotations

from flask import g, jsonify

from .. import audit, contract, hazards, tx
from ..access import login_required
from ..clock import local_today, utcnow
from ..contract.api import HazardEventIn, HazardQuery
from ..errors import error_response
from ..models import Hazard
from . import bp, page_args


def hazard_item(h: Hazard, today) -> dict:
    return {
        "uuid": h.uuid,
        "enterprise_id": h.enterprise_id,
        "state": h.state,
        "level": h.level,
        "deadline": h.deadline.isoformat(),
        "overdue": hazards.is_overdue(h, today),
        "days_left": hazards.days_left(h, today) if h.state != "closed" else None,
        "version": h.version,
        "item_text": h.item_text,
        "defect": h.finding,
        "checklist": h.checklist_id,
        "item": h.item_key,
        "category": h.category,
        "supervised": h.supervised,
        "referred": h.referred,
        "major_pending": hazards.hazard_major.pending(h),
        "supervision_level": h.supervision_level,
        "plan_status": h.plan_status,
        "fixed_on_spot": h.fixed_on_spot,
        "extension_requested_to": h.extension_requested_to.isoformat()
        if h.extension_requested_to
        else None,
        "raised_at": h.raised_at.isoformat(),
        "closed_at": h.closed_at.isoformat() if h.closed_at else None,
    }


def hazard_detail(h: Hazard, today, actor) -> dict:
    data = hazard_item(h, today)
    data.update(
        description=h.description,
        visit=h.visit_uuid,
        level_reason=h.level_reason,
        deadline_reason=h.deadline_reason,
        before_photos=h.before_photos,
        after_photos=h.after_photos,
        evidence_flags=h.evidence_flags,
        allowed_actions=hazards.allowed_actions(h, actor),
    )
    return data


@bp.get("/hazards")
@login_required
def hazards_list():
    q = contract.query(HazardQuery)
    page, per_page = page_args(q)
    today = local_today(utcnow())
    total, rows = hazards.listing(
        g.user,
        today=today,
        enterprise=q.enterprise,
        state=q.state,
        level=q.level,
        page=page,
        per_page=per_page,
    )
    return jsonify(
        items=[hazard_item(h, today) for h in rows], total=total, page=page, per_page=per_page
    )


@bp.get("/hazards/<hazard_uuid>")
@login_required
def hazard_get(hazard_uuid: str):
    try:
        h = hazards.get_in_scope(g.user, hazard_uuid)
    except hazards.TransitionError as exc:
        return error_response(exc.status, exc.message)
    return jsonify(hazard_detail(h, local_today(utcnow()), g.user))


@bp.post("/hazards/<hazard_uuid>/events")
@login_required
def hazard_event(hazard_uuid: str):
    _, body = contract.json_body(HazardEventIn)
    data = {"deadline": body.deadline.isoformat()} if body.deadline else {}
    # The major-hazard steps' own fields (fieldapp.hazard_major), passed on as given.
    if body.plan is not None:
        data["plan"] = body.plan.model_dump()
    data.update(
        {
            k: v
            for k, v in (
                ("supervision_level", body.supervision_level),
                ("supervisor", body.supervisor),
                ("accepted_by", body.accepted_by),
                ("accepted_on", body.accepted_on),
                ("attachments", body.attachments),
            )
            if v is not None
        }
    )
    try:
        outcome = tx.run(
            hazards.transition,
            hazard_uuid,
            body.action,
            actor=g.user,
            now=utcnow(),
            version=body.version,
            event_uuid=body.uuid,
            note=body.note or "",
            photos=list(body.photos or []),
            data=data,
        )
    except hazards.TransitionError as exc:
        return error_response(exc.status, exc.message)
    # Built from the event itself, so a replay gets exactly the first answer.
    # An event from an older shape (the first demo's) may lack "version": the hazard's own then.
    done = audit.view(outcome.event)
    return jsonify(
        uuid=hazard_uuid,
        event=outcome.event.uuid,
        action=outcome.event.action,
        state=done["to"] or outcome.hazard.state,
        version=done["version"] or outcome.hazard.version,
        at=outcome.event.at.isoformat(),
    )
