"""The street office takes in hand what inspectors' phones reported (接报)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, url_for

from .. import alerts, tx
from ..access import roles_required
from ..clock import utcnow
from ..htmx import is_htmx

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.post("/<alert_uuid>/ack")
@roles_required(*alerts.ACK_ROLES)
def acknowledge(alert_uuid: str):
    alert = tx.run(alerts.acknowledge, g.user, alert_uuid, now=utcnow())
    if is_htmx():
        return current_app.make_response(
            render_template("alerts/_entry.html", e=alerts.Entry(alert, None), done=True)
        )
    return redirect(url_for("dashboard.index") + "#alerts-panel", 303)
