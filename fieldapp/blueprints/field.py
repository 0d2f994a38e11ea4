"""Office pages for the plan's later phases: major hazards under governance, 督导帮扶 visits, 包保 cadres."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from .. import cadres, contract, hazard_major, hazards, roles, supervision, tx
from ..access import roles_required
from ..clock import local_today, utcnow

bp = Blueprint("field", __name__)


@bp.get("/majors")
@roles_required(*roles.OVERSIGHT)
def majors():
    """Major hazards not yet closed, in scope: where each stands in its governance."""
    rows = hazard_major.open_in_scope(g.user, limit=500)
    pending = [h for h in rows if hazard_major.pending(h)]
    return render_template(
        "field/majors.html",
        rows=rows,
        pending=len(pending),
        hz=hazards,
        hm=hazard_major,
        today=local_today(utcnow()),
    )


@bp.get("/supervision")
@roles_required(*roles.OVERSIGHT)
def supervision_visits():
    today = local_today(utcnow())
    start, counts = supervision.year_counts(g.user, today)
    return render_template(
        "field/supervision.html",
        items=supervision.listing(g.user),
        counts=counts,
        names=supervision.street_names(),
        start=start,
        today=today,
    )


@bp.get("/cadres")
@roles_required(*roles.OFFICE)
def cadre_list(error: str = "", status: int = 200):
    return render_template(
        "field/cadres.html",
        items=cadres.listing(g.user),
        grids=cadres.grid_choices(g.user),
        error=error,
    ), status


@bp.post("/cadres")
@roles_required(*roles.OFFICE)
def cadre_assign():
    form = request.form
    try:
        ent_id = contract.form_id(form.get("enterprise_id"), what="场所编号")
        grid_id = contract.form_id(form.get("grid_id"), what="网格")
        tx.run(
            cadres.assign,
            actor=g.user,
            now=utcnow(),
            name=form.get("name", ""),
            title=form.get("title", ""),
            phone=form.get("phone", ""),
            enterprise_id=ent_id,
            grid_id=grid_id,
        )
    except (cadres.CadreError, contract.ContractError) as exc:
        if exc.status == 404:
            abort(404)
        return cadre_list(error=exc.message, status=exc.status)
    back = form.get("back", "")
    if back.startswith("/enterprises/"):
        return redirect(back, 303)
    return redirect(url_for("field.cadre_list"), 303)


@bp.post("/cadres/<int:assignment_id>/end")
@roles_required(*roles.OFFICE)
def cadre_end(assignment_id: int):
    try:
        tx.run(cadres.end, assignment_id, actor=g.user, now=utcnow())
    except cadres.CadreError as exc:
        if exc.status == 404:
            abort(404)
        return cadre_list(error=exc.message, status=exc.status)
    return redirect(url_for("field.cadre_list"), 303)
