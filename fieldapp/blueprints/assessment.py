"""Annex 1's targets per phase, and each street's annual assessment (年度考评)."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from .. import assessment, contract, phase_targets, plan, roles
from .. import hazards as hazard_rules
from ..access import roles_required
from ..clock import local_today, utcnow
from ..contract.pages import LoopQuery, YearQuery

bp = Blueprint("assessment", __name__, url_prefix="/assessment")


def _year() -> int:
    return contract.query(YearQuery).year or local_today(utcnow()).year


@bp.get("/phases")
@roles_required(*roles.OFFICE)
def phases():
    year = _year()
    return render_template(
        "assessment/phases.html",
        p=phase_targets.by_phase(g.user, year, now=utcnow()),
        year=year,
        years=plan.years(),
    )


@bp.get("")
@roles_required(*roles.OFFICE)
def index():
    year = _year()
    return render_template(
        "assessment/index.html",
        rows=assessment.overview(g.user, year, now=utcnow()),
        year=year,
        years=plan.years(),
        status_labels=plan.STATUS,
    )


@bp.get("/<int:street_id>")
@roles_required(*roles.OFFICE)
def street(street_id: int):
    year = _year()
    return render_template(
        "assessment/street.html",
        a=assessment.assess(g.user, street_id, year, now=utcnow()),
        year=year,
        years=plan.years(),
        status_labels=plan.STATUS,
        forms=plan.FORMS,
        loop_labels=assessment.LOOP_LABELS,
    )


@bp.get("/<int:street_id>/hazards")
@roles_required(*roles.OFFICE)
def hazards(street_id: int):
    q = contract.query(LoopQuery)
    year = q.year or local_today(utcnow()).year
    if q.figure not in assessment.LOOP_LABELS:
        abort(404)
    now = utcnow()
    page = assessment.loop_hazards(g.user, street_id, year, q.figure, now=now, page=q.page)
    return render_template(
        "assessment/hazards.html",
        page=page,
        year=year,
        figure=q.figure,
        label=assessment.LOOP_LABELS[q.figure],
        hz=hazard_rules,
        today=local_today(now),
    )
