"""Reports from the public waiting for an inspector: confirm (→ hazard) or dismiss with a reason."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import public, roles, scope
from ..access import roles_required
from ..clock import utcnow
from ..extensions import db
from ..htmx import is_htmx
from ..models import Enterprise, PublicReport

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _in_scope(report_uuid: str) -> PublicReport:
    report = db.session.scalar(
        select(PublicReport)
        .join(Enterprise, Enterprise.id == PublicReport.enterprise_id)
        .where(PublicReport.uuid == report_uuid, scope.enterprise_clause(g.user))
    )
    if report is None:
        abort(404)
    return report


@bp.get("")
@roles_required(*roles.FIELD)
def index():
    rows = db.session.scalars(
        select(PublicReport)
        .join(Enterprise, Enterprise.id == PublicReport.enterprise_id)
        .where(scope.enterprise_clause(g.user), PublicReport.status == "new")
        .order_by(PublicReport.created_at)
    ).all()
    return render_template("reports/index.html", rows=rows)


@bp.post("/<report_uuid>/<decision>")
@roles_required(*roles.FIELD)
def decide(report_uuid: str, decision: str):
    if decision not in ("confirm", "dismiss"):
        abort(404)
    report = _in_scope(report_uuid)
    message, error, status = "", "", 200
    try:
        if decision == "confirm":
            level = "major" if request.form.get("level") == "major" else "general"
            public.confirm(
                report,
                actor=g.user,
                now=utcnow(),
                level=level,
                item_text=request.form.get("item_text", "")[:500],
            )
            message = "已确认，已登记为隐患。"
        else:
            public.dismiss(
                report, actor=g.user, now=utcnow(), reason=request.form.get("reason", "")[:500]
            )
            message = "已不予采纳。"
        db.session.commit()
    except public.ReportError as exc:
        db.session.rollback()
        report = _in_scope(report_uuid)
        error, status = exc.message, exc.status
    if is_htmx():
        return current_app.make_response(
            (render_template("reports/_item.html", r=report, message=message, error=error), status)
        )
    if error:
        return render_template("reports/index.html", rows=[report], error=error), status
    return redirect(url_for("reports.index"), 303)
