"""A hazard's page: what was found, the evidence, its history, and what may be done next."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from .. import audit, evidence, hazards
from ..access import login_required
from ..clock import local_today, utcnow

bp = Blueprint("hazards", __name__, url_prefix="/hazards")


def _events(h) -> list[dict]:
    return [{"event": e, "payload": audit.payload(e), "label": hazards.ACTION_LABELS.get(e.action, e.action)}
            for e in audit.events_for("hazard", h.uuid)]


@bp.get("/<hazard_uuid>")
@login_required
def show(hazard_uuid: str):
    try:
        h = hazards.get_in_scope(g.user, hazard_uuid)
    except hazards.TransitionError:
        abort(404)
    return render_template("hazards/show.html", h=h, hz=hazards, today=local_today(utcnow()), events=_events(h),
                           actions=hazards.allowed_actions(h, g.user), flag_labels=evidence.FLAGS)
