"""GET /api/v1/enterprises and /api/v1/enterprises/{id}."""

from __future__ import annotations

from flask import current_app, g, jsonify
from sqlalchemy import Row

from .. import contract, enterprises, placards, roles
from ..access import login_required
from ..auth import Actor
from ..clock import local_today, utcnow
from ..contract.api import EnterpriseQuery
from ..models import Enterprise
from . import bp, page_args


def enterprise_item(ent: Row | Enterprise) -> dict:
    """Return the list representation of an enterprise (a list row or a loaded one)."""
    return {
        "id": ent.id,
        "name": ent.name,
        "credit_code": ent.credit_code,
        "street": ent.street_name,
        "grid": ent.grid_code,
        "industry": ent.industry,
        "venue_type": ent.venue_type,
        "size_class": ent.size_class,
        "standardization": ent.standardization,
        "stars": ent.stars,
        "risk_color": ent.risk_color,
        "address": ent.address,
        "hosts_tenants": ent.hosts_tenants,
        "landlord_id": ent.landlord_id,
        "version": ent.version,
        "updated_at": ent.updated_at.isoformat(),
    }


def enterprise_detail(ent: Enterprise, actor: Actor) -> dict:
    """Return the full record: the list fields plus contacts and more."""
    data = enterprise_item(ent)
    data.update(
        lat=ent.lat,
        lng=ent.lng,
        employees=ent.employees,
        principal_name=ent.principal_name,
        principal_phone=ent.principal_phone,
        safety_officer_name=ent.safety_officer_name,
        safety_officer_phone=ent.safety_officer_phone,
        tenants=[t.id for t in enterprises.related(ent)["tenants"]],
        checklists=[
            {"id": c.id, "version": c.version}
            for c in current_app.extensions["checklists"].for_enterprise(ent, local_today(utcnow()))
        ],
        note=ent.note,
        created_at=ent.created_at.isoformat(),
    )
    if actor.role in roles.OFFICE:
        data["public_url"] = placards.public_url(current_app.config["BASE_URL"], ent)
    return data


@bp.get("/enterprises")
@login_required
def enterprises_list():
    q = contract.query(EnterpriseQuery)
    page, per_page = page_args(q)
    filters = enterprises.Filters(**q.model_dump(exclude={"page", "per_page"}))
    result = enterprises.search(g.user, filters, page=page, per_page=per_page, now=utcnow())
    return jsonify(
        items=[enterprise_item(e) for e in result.items],
        total=result.total,
        page=page,
        per_page=per_page,
    )


@bp.get("/enterprises/<int:enterprise_id>")
@login_required
def enterprise_get(enterprise_id: int):
    ent = enterprises.get(g.user, enterprise_id)
    return jsonify(enterprise_detail(ent, g.user))
