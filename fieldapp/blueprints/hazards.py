"""A hazard's page, its actions (the closed loop) and the verification queue."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from .. import (
    attachments,
    audit,
    contract,
    evidence,
    hazard_major,
    hazards,
    people,
    photos,
    roles,
    tx,
)
from ..access import login_required, roles_required
from ..clock import local_today, utcnow
from ..contract.pages import HazardActForm
from ..errors import DomainError
from ..htmx import is_htmx, trigger
from ..models import Hazard

bp = Blueprint("hazards", __name__, url_prefix="/hazards")


def _events(h) -> list[dict]:
    events = audit.events_for("hazard", h.uuid)
    who = people.labels(e.actor_id for e in events)
    return [
        {
            "event": e,
            "payload": audit.view(e),
            "label": hazards.ACTION_LABELS.get(e.action, e.action),
            "who": who.get(e.actor_id, people.NOBODY),
        }
        for e in events
    ]


def panel_context(h: Hazard, **extra) -> dict:
    major = (
        {
            "plans": hazard_major.plans(h),
            "acceptances": hazard_major.acceptances(h),
            "hm": hazard_major,
            "files": attachments.rows,
        }
        if h.level == "major" or h.plan_status
        else {}
    )
    return {
        "h": h,
        "hz": hazards,
        "today": local_today(utcnow()),
        "actions": hazards.allowed_actions(h, g.user),
        "flag_labels": evidence.FLAGS,
        "labels": hazards.ACTION_LABELS,
        **major,
        **extra,
    }


def _load(hazard_uuid: str) -> Hazard:
    try:
        return hazards.get_in_scope(g.user, hazard_uuid)
    except hazards.TransitionError:
        abort(404)


@bp.get("/<hazard_uuid>")
@login_required
def show(hazard_uuid: str):
    h = _load(hazard_uuid)
    return render_template("hazards/show.html", events=_events(h), **panel_context(h))


@bp.post("/<hazard_uuid>/act")
@login_required
def act(hazard_uuid: str):
    """Take one action on a hazard from a page form (htmx or plain)."""
    h = _load(hazard_uuid)
    form = request.form
    now = utcnow()
    try:
        f = contract.query(HazardActForm, form)
        data = {"deadline": f.deadline.isoformat()} if f.deadline else {}
        data.update(f.major_data())
        # The files sent and the action are recorded together or not at all.
        with tx.atomic():
            shas = photos.ingest_uploads(
                request.files.getlist("photo"), form, actor=g.user, now=now
            ) + [s for s in form.getlist("photos") if photos.SHA_RE.match(s)]
            if f.action in ("submit_plan", "record_acceptance"):
                data["attachments"] = attachments.ingest_uploads(
                    request.files.getlist("attachment"), actor=g.user, now=now
                )
            outcome = hazards.transition(
                h.uuid,
                f.action,
                actor=g.user,
                now=now,
                version=f.version,
                event_uuid=f.event_uuid,
                note=f.note,
                photos=shas,
                data=data,
            )
    except DomainError as exc:
        fresh = _load(hazard_uuid)
        return _respond(fresh, error=exc.message, status=exc.status)
    label = hazards.ACTION_LABELS.get(outcome.event.action, "")
    if hazards.awaiting_confirmation(outcome.hazard):
        label = "复查通过，待另一位街道或区安委办人员二次确认"
    return _respond(
        outcome.hazard, message=f"已{label}。" if not outcome.replayed else "该操作已完成。"
    )


def _respond(h: Hazard, *, message: str = "", error: str = "", status: int = 200):
    template = request.form.get("panel", "hazards/_panel.html")
    if template not in ("hazards/_panel.html", "hazards/_queue_item.html"):
        template = "hazards/_panel.html"
    if is_htmx():
        resp = current_app.make_response(
            (render_template(template, message=message, error=error, **panel_context(h)), status)
        )
        return trigger(resp, "hazard-changed") if not error else resp
    if error:
        return render_template(
            "hazards/show.html", events=_events(h), message=message, error=error, **panel_context(h)
        ), status
    return redirect(url_for("hazards.show", hazard_uuid=h.uuid), 303)


@bp.get("/<hazard_uuid>/history")
@login_required
def history(hazard_uuid: str):
    h = _load(hazard_uuid)
    return render_template("hazards/_history.html", h=h, events=_events(h))


@bp.get("/queue")
@roles_required(*roles.FIELD)
def queue():
    """Rectifications awaiting verification in scope, oldest first."""
    items = hazards.review_queue(g.user)
    submissions = hazards.latest_submissions(items)
    who = people.labels(s["actor_id"] for s in submissions.values())
    for s in submissions.values():
        s["by"] = who.get(s["actor_id"], people.NOBODY)
    return render_template(
        "hazards/queue.html", items=[panel_context(h) for h in items], submissions=submissions
    )
