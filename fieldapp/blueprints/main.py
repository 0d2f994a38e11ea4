"""Home page per role and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, redirect, send_from_directory, url_for

from .. import health
from ..access import login_required

bp = Blueprint("main", __name__)


@bp.get("/healthz")
def healthz():
    health.check()
    return jsonify(status="ok")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this path on pages without an icon link."""
    return send_from_directory(
        current_app.static_folder, "img/icon.svg", mimetype="image/svg+xml", max_age=86400
    )


@bp.get("/")
@login_required
def home():
    """Send each role to where its work starts."""
    user = g.user
    if user.role == "enterprise" and user.enterprise_id:
        return redirect(url_for("enterprises.detail", enterprise_id=user.enterprise_id), 303)
    if user.role == "inspector":
        return redirect(url_for("inspect.due"), 303)
    return redirect(url_for("dashboard.index"), 303)
