"""Enterprise list, record page and editing."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from .. import contract, enterprises, hazards, placards, premises_reads, roles, scope, tx, visits
from ..access import login_required, roles_required
from ..clock import local_today, utcnow
from ..contract.pages import EnterpriseFilters
from ..htmx import is_htmx, vary_on_htmx
from .campaign import panel_context as campaign_panel_context
from .campaign import risk_context

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")

PER_PAGE = 20


@bp.get("")
@roles_required(*roles.STAFF)
def index():
    q = contract.query(EnterpriseFilters)
    filters = enterprises.Filters(**q.model_dump(exclude={"page"}))
    page = enterprises.search(g.user, filters, page=q.page, per_page=PER_PAGE, now=utcnow())
    context = {"page": page, "filters": filters, **scope.filter_choices(g.user)}
    template = "enterprises/_results.html" if is_htmx() else "enterprises/index.html"
    return vary_on_htmx(current_app.make_response(render_template(template, **context)))


@bp.get("/<int:enterprise_id>")
@login_required
def detail(enterprise_id: int):
    ent = enterprises.get(g.user, enterprise_id)
    can_edit = scope.can_edit_enterprise(g.user, ent)
    changes = enterprises.history(ent.id) if g.user.role in roles.OVERSIGHT else []
    applicable = current_app.extensions["checklists"].for_enterprise(ent, local_today(utcnow()))
    found = premises_reads.premises_hazards(ent.id, limit=100, by_deadline=True)
    cp = campaign_panel_context(ent) if can_edit else None
    # A department decides 四色 for its industry's premises (the page is in its scope already).
    rk = risk_context(ent, g.user) if g.user.role == roles.Role.DEPARTMENT else None
    return render_template(
        "enterprises/detail.html",
        ent=ent,
        can_edit=can_edit,
        changes=changes,
        cp=cp,
        rk=rk,
        checklists=applicable,
        hazards=found,
        hz=hazards,
        today=local_today(utcnow()),
        visits=visits.for_enterprise(ent.id, limit=20),
        public_url=placards.public_url(current_app.config["BASE_URL"], ent),
        tenant_hazards=enterprises.tenant_hazards(g.user, ent),
        **enterprises.related(ent),
        **_field_context(ent),
    )


def _field_context(ent) -> dict:
    """Issue 20 on the premises page: its 包保责任人 and, for oversight roles, its enforcement records."""
    from .. import cadres, enforcement

    records = enforcement.for_enterprise(ent.id) if g.user.role in roles.OVERSIGHT else []
    return {
        "cadre": cadres.for_premises(ent.id, ent.grid_id) if g.user.role in roles.STAFF else None,
        "enforcement_records": records,
        "describe_record": enforcement.describe,
    }


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@roles_required(*roles.OFFICE)
def edit(enterprise_id: int):
    ent = scope.get_editable_enterprise(g.user, enterprise_id)
    context = {
        "ent": ent,
        "streets": scope.streets(g.user),
        "landlords": enterprises.landlord_choices(ent),
    }
    if request.method == "GET":
        return render_template(
            "enterprises/edit.html", values=enterprises.form_values(ent), errors={}, **context
        )
    values = enterprises.form_input(ent, request.form.to_dict())
    try:
        tx.run(enterprises.apply_form, ent, values, actor=g.user, now=utcnow())
    except enterprises.ValidationError as exc:
        if exc.status == 409:  # saved by someone else meanwhile: show what is on record now
            values = enterprises.form_values(ent)
        return render_template(
            "enterprises/edit.html", values=values, errors=exc.fields, **context
        ), exc.status
    return redirect(url_for("enterprises.detail", enterprise_id=ent.id), 303)
