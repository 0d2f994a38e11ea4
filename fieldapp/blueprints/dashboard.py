"""The office dashboard (street, district, department) and the campaign targets."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, g, render_template, request

from .. import (
    alerts,
    charts,
    contract,
    dashboard,
    plan,
    public,
    roles,
    scope,
    targets,
    tx,
)
from ..access import roles_required
from ..clock import local_today, utcnow
from ..contract.pages import InspectorsQuery, PeriodQuery, YearQuery

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _window() -> tuple[dashboard.Window, str, str]:
    """The period from ?start=&end= (dates, Asia/Shanghai), and its first and last day for the form."""
    q = contract.query(PeriodQuery)
    w = dashboard.window(q.start, q.end, utcnow())
    last = (w.end - timedelta(days=1)).date()
    return w, w.start.date().isoformat(), last.isoformat()


@bp.get("")
@roles_required(*roles.OVERSIGHT)
def index():
    w, start, end = _window()
    now = utcnow()
    department = g.user.role == roles.Role.DEPARTMENT
    dim, dims, coverage_by = dashboard.layout(g.user)
    cov_by = dashboard.DIMENSIONS[coverage_by]
    o = dashboard.overview(g.user, w, now, dims, coverage_by=coverage_by)
    k, week, cats, cov = o.kpis, o.weekly, o.categories[:12], o.coverage
    figs = {
        "weekly": charts.bars(
            "每周新发现与销号隐患数",
            week["labels"],
            [charts.Series("新发现", week["opened"]), charts.Series("销号", week["closed"])],
            chart_id="c-weekly",
        ),
        "overdue": charts.lines(
            "每周末逾期未整改隐患数",
            week["labels"],
            [charts.Series("逾期", week["overdue"])],
            chart_id="c-overdue",
        ),
        "category": charts.bars(
            "本期隐患类别",
            [c for c, _ in cats],
            [charts.Series("隐患数", [n for _, n in cats])],
            chart_id="c-cat",
            horizontal=True,
        ),
        "coverage": charts.bars(
            f"各{cov_by}超过检查周期未检查的单位",
            [x["grid"] for x in cov["grids"]],
            [
                charts.Series("超期未查", [x["late"] for x in cov["grids"]]),
                charts.Series("单位总数", [x["total"] for x in cov["grids"]]),
            ],
            chart_id="c-cov",
        ),
    }
    return render_template(
        "dashboard/index.html",
        scope_label=scope.label(g.user),
        k=k,
        week=week,
        cats=cats,
        cov=cov,
        figs=figs,
        start=start,
        end=end,
        dim=dim,
        rows=o.rows,
        dims=dashboard.DIMENSIONS,
        inspectors=o.inspectors[: dashboard.INSPECTORS_SHOWN],
        inspectors_total=len(o.inspectors),
        majors=dashboard.awaiting_supervision(g.user),
        today=local_today(now),
        reports=public.pending_count(g.user) if g.user.role != "department" else 0,
        plan_due=plan.attention(g.user, local_today(now)),
        cov_by=cov_by,
        colours=dashboard.colours_by_street(g.user) if department else None,
        panel=alerts.open_for(g.user) if g.user.role in alerts.ACK_ROLES else {},
        kinds=alerts.KINDS,
    )


@bp.get("/inspectors")
@roles_required(*roles.OVERSIGHT)
def inspectors_page():
    q = contract.query(InspectorsQuery)
    w = dashboard.window(q.start, q.end, utcnow())
    start, end = w.start.date().isoformat(), (w.end - timedelta(days=1)).date().isoformat()
    return render_template(
        "dashboard/inspectors.html",
        scope_label=scope.label(g.user),
        page=dashboard.inspectors_page(g.user, w, q.page),
        start=start,
        end=end,
    )


@bp.route("/targets", methods=["GET", "POST"])
@roles_required(*roles.OFFICE)
def targets_page():
    year = contract.query(YearQuery).year or local_today(utcnow()).year
    streets = scope.streets(g.user)
    error = message = ""
    if request.method == "POST":
        if g.user.role != "district":
            abort(403)
        try:
            tx.run(targets.save_form, streets, year, request.form, actor=g.user, now=utcnow())
            message = "目标已保存。"
        except targets.TargetError as exc:
            error = exc.message
    return render_template(
        "dashboard/targets.html",
        rows=targets.progress(streets, year),
        year=year,
        keys=targets.KEYS,
        base_label=targets.KEYS[targets.BASE],
        message=message,
        error=error,
    ), 422 if error else 200
