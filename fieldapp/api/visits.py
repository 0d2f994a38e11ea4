"""PUT /api/v1/visits/{uuid}: a finished visit, stored once whatever the number of retries."""

from __future__ import annotations

from flask import g, jsonify, request

from .. import roles, tx, visits
from ..access import roles_required
from ..clock import utcnow
from ..errors import error_response
from . import bp


@bp.put("/visits/<visit_uuid>")
@roles_required(*roles.FIELD)
def visit_put(visit_uuid: str):
    body = request.get_json(silent=True)
    try:
        receipt = tx.run_or_replay(visits.receive, visit_uuid, body, actor=g.user, now=utcnow())
    except visits.VisitError as exc:
        # Always with its list (empty or not): the phone reads `errors` on a refused visit.
        return error_response(exc.status, exc.message, errors=exc.errors)
    return jsonify(receipt.body), 201 if receipt.created else 200


@bp.get("/visits/<visit_uuid>")
@roles_required(*roles.STAFF)
def visit_receipt(visit_uuid: str):
    """The receipt of a stored visit (R9: 'which visits do you have?')."""
    visits.get_in_scope(g.user, visit_uuid)
    return jsonify(visits.receipt_for(visit_uuid))
