"""Home page per role and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, send_from_directory, url_for
from sqlalchemy import func, select, text

from .. import scope
from ..access import login_required
from ..extensions import db
from ..models import Enterprise, Grid, Street, user_grids


bp = Blueprint("main", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this path on pages without an icon link."""
    return send_from_directory(current_app.static_folder, "img/icon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.get("/")
@login_required
def home():
    user = g.user
    if user.role == "enterprise" and user.enterprise_id:
        return redirect(url_for("enterprises.detail", enterprise_id=user.enterprise_id), 303)
    if user.role == "inspector":
        return redirect(url_for("inspect.due"), 303)
    conn = db.session.connection()
    by_color = dict(conn.execute(
        select(Enterprise.risk_color, func.count()).where(scope.enterprise_clause(user)).group_by(Enterprise.risk_color)
    ).all())
    context = {"total": sum(by_color.values()), "by_color": by_color, "grids": [], "street_name": None}
    if user.role == "inspector":
        context["grids"] = conn.execute(
            select(Grid.code, Grid.name).join(user_grids, user_grids.c.grid_id == Grid.id)
            .where(user_grids.c.user_id == user.id).order_by(Grid.code)
        ).all()
    elif user.street_id:
        context["street_name"] = conn.execute(select(Street.name).where(Street.id == user.street_id)).scalar()
    return render_template("main/home.html", **context)



