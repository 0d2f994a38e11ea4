"""Reports from the public waiting for an inspector: confirm (→ hazard) or dismiss with a reason."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from .. import public, roles, tx
from ..access import roles_required
from ..clock import utcnow
from ..htmx import is_htmx

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.get("")
@roles_required(*roles.FIELD)
def index():
    return render_template("reports/index.html", rows=public.waiting(g.user))


@bp.post("/<report_uuid>/<decision>")
@roles_required(*roles.FIELD)
def decide(report_uuid: str, decision: str):
    if decision not in ("confirm", "dismiss"):
        abort(404)
    report = public.report_in_scope(g.user, report_uuid)
    message, error, status = "", "", 200
    try:
        if decision == "confirm":
            level = "major" if request.form.get("level") == "major" else "general"
            tx.run(
                public.confirm,
                report,
                actor=g.user,
                now=utcnow(),
                level=level,
                item_text=request.form.get("item_text", "")[:500],
            )
            message = "已确认，已登记为隐患。"
        else:
            tx.run(
                public.dismiss,
                report,
                actor=g.user,
                now=utcnow(),
                reason=request.form.get("reason", "")[:500],
            )
            message = "已不予采纳。"
    except public.ReportError as exc:
        report = public.report_in_scope(g.user, report_uuid)
        error, status = exc.message, exc.status
    if is_htmx():
        return current_app.make_response(
            (render_template("reports/_item.html", r=report, message=message, error=error), status)
        )
    if error:
        return render_template("reports/index.html", rows=[report], error=error), status
    return redirect(url_for("reports.index"), 303)
