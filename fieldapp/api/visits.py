"""PUT /api/v1/visits/{uuid}: a finished visit, stored once whatever the number of retries."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy.exc import IntegrityError

from .. import checklist_versions, roles, visits
from ..access import roles_required
from ..clock import utcnow
from ..errors import error_response
from ..extensions import db
from . import bp


@bp.put("/visits/<visit_uuid>")
@roles_required(*roles.FIELD)
def visit_put(visit_uuid: str):
    body = request.get_json(silent=True)
    try:
        try:
            receipt = visits.receive(visit_uuid, body, actor=g.user, now=utcnow())
            db.session.commit()
        except IntegrityError:
            # Lost a race with an identical (or conflicting) submission: answer as a replay.
            db.session.rollback()
            receipt = visits.receive(visit_uuid, body, actor=g.user, now=utcnow())
    except visits.VisitError as exc:
        db.session.rollback()
        return error_response(exc.status, exc.message, errors=exc.errors)
    except checklist_versions.VersionConflict as exc:
        db.session.rollback()
        return error_response(409, str(exc))
    return jsonify(receipt.body), 201 if receipt.created else 200


@bp.get("/visits/<visit_uuid>")
@roles_required(*roles.STAFF)
def visit_receipt(visit_uuid: str):
    """The receipt of a stored visit (R9: 'which visits do you have?')."""
    from .. import enterprises
    from ..models import Visit

    visit = db.session.get(Visit, visit_uuid)
    if visit is None:
        return error_response(404)
    enterprises.get_row(g.user, visit.enterprise_id)  # 404 out of scope
    return jsonify(visits.receipt_for(visit_uuid))
