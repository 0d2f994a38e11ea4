"""PUT /api/v1/units/{uuid}: a unit found in the field, stored once whatever the number of retries."""

from __future__ import annotations

from flask import g, jsonify, request

from .. import roles, tx, units
from ..access import roles_required
from ..clock import utcnow
from . import bp


@bp.put("/units/<unit_uuid>")
@roles_required(*roles.FIELD)
def unit_put(unit_uuid: str):
    body = request.get_json(silent=True)
    # A lost race with an identical (or conflicting) submission is answered as a replay.
    receipt = tx.run_or_replay(units.receive, unit_uuid, body, actor=g.user, now=utcnow())
    return jsonify(receipt.body), 201 if receipt.created else 200


@bp.get("/units/<unit_uuid>")
@roles_required(*roles.FIELD)
def unit_get(unit_uuid: str):
    """The receipt of a proposed unit: its status and, once approved or merged, its premises id."""
    return jsonify(units.receipt(units.get_in_scope(g.user, unit_uuid)))
