"""What the inspector's phone asks and reports besides visits: held?, its queue, alerts."""

from __future__ import annotations

import uuid as uuidlib

from flask import current_app, g, jsonify, request

from .. import alerts, reconcile, roles, tx
from ..access import roles_required
from ..clock import utcnow
from ..contract.types import UUID_RE
from . import bp

DEVICE_COOKIE = "fieldapp_device"
DEVICE_MAX_AGE = 10 * 365 * 24 * 3600


@bp.post("/held")
@roles_required(*roles.FIELD)
def held():
    """Which of these records does the server hold? (R9: heal a restore from an older backup.)"""
    asked = reconcile.validate_held(request.get_json(silent=True))
    return jsonify(reconcile.held(g.user, asked))


@bp.put("/alerts/<alert_uuid>")
@roles_required(*roles.FIELD)
def alert_put(alert_uuid: str):
    """A report to the street office from the phone (major hazard, sync conflict); idempotent."""
    body = request.get_json(silent=True)
    # A lost race with the same uuid is answered as a replay.
    receipt = tx.run_or_replay(alerts.receive, alert_uuid, body, actor=g.user, now=utcnow())
    return jsonify(receipt.body), 201 if receipt.created else 200


def _device_id() -> tuple[str, bool]:
    """This phone's id: an HttpOnly cookie the server sets, which outlives a wiped IndexedDB."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if UUID_RE.match(raw):
        return raw, False
    return str(uuidlib.uuid4()), True


@bp.post("/queue")
@roles_required(*roles.FIELD)
def queue_report():
    """The phone's unsynced records, kept per phone and user; a vanished one is reported to the street."""
    report = reconcile.validate_queue(request.get_json(silent=True))
    device, new = _device_id()
    # The same phone reporting twice at once: the later report wins.
    result = tx.run_or_replay(reconcile.report_queue, g.user, device, report, now=utcnow())
    resp = jsonify(result)
    if new:
        resp.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            path="/api/v1/queue",
        )
    return resp
