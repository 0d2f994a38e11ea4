"""A finished visit: what was checked and found, and the printable 整改通知书."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template

from .. import hazards, notices, visits
from ..access import login_required
from ..clock import local_today, utcnow

bp = Blueprint("visits", __name__, url_prefix="/visits")


@bp.get("/<visit_uuid>")
@login_required
def show(visit_uuid: str):
    visit, ent = visits.get_in_scope(g.user, visit_uuid)
    return render_template(
        "visits/show.html",
        visit=visit,
        ent=ent,
        sections=visits.report(visit),
        hazards=visits.visit_hazards(visit),
        inherited=notices.inherited(visit),
        today=local_today(utcnow()),
        hz=hazards,
        results=visits.RESULTS,
        combined=visits.combined_judgement(visit),
        signature_held=visits.signature_held(visit),
        notice_no=notices.number(visit, pattern=current_app.config["NOTICE_NUMBER_PATTERN"]),
    )


@bp.get("/<visit_uuid>/notice")
@login_required
def notice(visit_uuid: str):
    visit, _ent = visits.get_in_scope(g.user, visit_uuid)
    # An amendment's notice is the corrected notice: it lists the hazards it names again too.
    found = notices.found(visit, visits.visit_hazards(visit))
    cfg = current_app.config
    # Handed to the enterprise: it carries the placard link the owner uses to see progress
    # and upload evidence (the same link is on the door).
    n = notices.view(
        visit,
        found,
        title=cfg["NOTICE_TITLE"],
        pattern=cfg["NOTICE_NUMBER_PATTERN"],
        base_url=cfg["BASE_URL"],
    )
    return render_template(
        "visits/notice.html", visit=visit, n=n, signature_held=visits.signature_held(visit)
    )
