"""Office pages for the plan's later phases: major hazards under governance, 督导帮扶 visits, 包保 cadres."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import cadres, contract, hazard_major, hazards, roles, scope, supervision
from ..access import roles_required
from ..clock import local_today, utcnow
from ..extensions import db
from ..models import Enterprise, Hazard, Street

bp = Blueprint("field", __name__)


@bp.get("/majors")
@roles_required(*roles.OVERSIGHT)
def majors():
    """Major hazards not yet closed, in scope: where each stands in its governance."""
    rows = db.session.scalars(
        select(Hazard)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(Hazard.level == "major", Hazard.state != "closed", scope.enterprise_clause(g.user))
        .order_by(Hazard.major_confirmed_at.is_not(None), Hazard.raised_at)
        .limit(500)
    ).all()
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
    start = today.replace(month=1, day=1)
    streets = None if g.user.role != "street" else [g.user.street_id]
    counts = supervision.counts(streets, start, today + timedelta(days=1))
    names = dict(db.session.execute(select(Street.id, Street.name)).all())
    return render_template(
        "field/supervision.html",
        items=supervision.listing(g.user),
        counts=counts,
        names=names,
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
        cadres.assign(
            actor=g.user,
            now=utcnow(),
            name=form.get("name", ""),
            title=form.get("title", ""),
            phone=form.get("phone", ""),
            enterprise_id=ent_id,
            grid_id=grid_id,
        )
        db.session.commit()
    except (cadres.CadreError, contract.ContractError) as exc:
        db.session.rollback()
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
        cadres.end(assignment_id, actor=g.user, now=utcnow())
        db.session.commit()
    except cadres.CadreError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        return cadre_list(error=exc.message, status=exc.status)
    return redirect(url_for("field.cadre_list"), 303)
