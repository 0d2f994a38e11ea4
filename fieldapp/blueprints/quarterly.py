"""The quarterly tables on screen and for download, filing them, the filed snapshots, and figures entered by hand.

Streets and departments see and file their own rows; the district sees the roll-up of
the filed versions (or any filer's table as the data says now) and files the roll-up.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from .. import (
    contract,
    enforcement,
    enforcement_counts,
    filings,
    hazards,
    quarter_figures,
    quarterly,
    quarterly_drill,
    quarterly_export,
    quarterly_pages,
    roles,
    scope,
    tx,
)
from ..access import roles_required
from ..clock import local_today, utcnow
from ..contract.pages import QuarterQuery

bp = Blueprint("quarterly", __name__, url_prefix="/quarterly")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period() -> quarterly.Period:
    today = local_today(utcnow())
    last_q = (today.month - 1) // 3 or 4  # by default the quarter just ended
    q = contract.query(QuarterQuery)
    year = q.year or (today.year if last_q != 4 or today.month > 3 else today.year - 1)
    quarter = q.quarter or last_q
    try:
        return quarterly.period(year, quarter)
    except ValueError:
        abort(400)


def _annex() -> int:
    annex = contract.query(QuarterQuery).annex or 4
    if annex not in quarterly.ANNEXES:
        abort(404)
    return annex


def _shown() -> quarterly_pages.Shown:
    """The table asked for: a filer's own, or for the district a filer's or the roll-up."""
    return quarterly_pages.shown(
        g.user,
        _period(),
        _annex(),
        code=request.args.get("unit", ""),
        live=request.args.get("view") == "live",
    )


def _download(tables: list[quarterly.Table], name: str, fmt: str) -> Response:
    if fmt == "csv":
        resp = Response("\ufeff" + quarterly_export.to_csv(tables[0]), mimetype="text/csv")
        resp.headers["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{name}-annex{tables[0].annex}.csv"
        )
        return resp
    resp = Response(quarterly_export.workbook(tables), mimetype=XLSX)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}.xlsx"
    return resp


@bp.get("")
@roles_required(*roles.OVERSIGHT)
def index():
    s = _shown()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        tables = quarterly_pages.download(s, fmt)
        return _download(tables, f"quarterly-{s.p.year}Q{s.p.quarter}", fmt)
    return render_template(
        "quarterly/index.html", **quarterly_pages.table_page(g.user, s, now=utcnow())
    )


def _behind_page(page: dict, *, back: str):
    """Render the rows behind a figure, with the template's helpers and the pager's arguments."""
    return render_template(
        "quarterly/cell.html",
        **page,
        back=back,
        via_label=quarterly_drill.via_label,
        sources=quarterly_drill.SOURCES,
        hz=hazards,
        describe_record=enforcement.describe,
        pager_args={
            **{k: v for k, v in request.args.items() if k != "page"},
            **(request.view_args or {}),
        },
    )


@bp.get("/cell")
@roles_required(*roles.OVERSIGHT)
def cell():
    """The rows behind one figure of the table on screen."""
    s = _shown()
    page = quarterly_pages.cell_page(
        g.user,
        s,
        request.args.get("row", ""),
        request.args.get("col", ""),
        page=request.args.get("page", 1, type=int),
        now=utcnow(),
    )
    return _behind_page(page, back=url_for("quarterly.index", **s.link_args(g.user)))


@bp.post("/file")
@roles_required(*roles.OVERSIGHT)
def file():
    """File this quarter's tables for the user's own unit (a correction when filed before)."""
    p = _period()
    try:
        f = tx.run(
            filings.file_quarter,
            quarterly.unit_of(g.user),
            p.year,
            p.quarter,
            actor=g.user,
            now=utcnow(),
            reason=request.form.get("reason", ""),
        )
    except filings.FilingError as exc:
        return render_template("quarterly/refused.html", error=exc.message, p=p), exc.status
    return redirect(url_for("quarterly.filing", filing_id=f.id), 303)


@bp.get("/filings")
@roles_required(*roles.OVERSIGHT)
def filing_list():
    return render_template("quarterly/filings.html", rows=quarterly_pages.filed(g.user))


@bp.get("/filings/<int:filing_id>")
@roles_required(*roles.OVERSIGHT)
def filing(filing_id: int):
    f = scope.get_quarter_filing(g.user, filing_id)
    annex = _annex()
    fmt = request.args.get("format")
    if fmt == "xlsx":
        resp = Response(filings.workbook(f), mimetype=XLSX)
        resp.headers["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''filed-{f.year}Q{f.quarter}-{f.id}-v{f.version}.xlsx"
        )
        return resp
    if fmt == "csv":
        table = quarterly_pages.filing_table(f, annex)
        return _download([table], f"filed-{f.year}Q{f.quarter}-{f.id}", "csv")
    return render_template("quarterly/filing.html", **quarterly_pages.filing_page(f, annex))


@bp.get("/filings/<int:filing_id>/cell")
@roles_required(*roles.OVERSIGHT)
def filing_cell(filing_id: int):
    f = scope.get_quarter_filing(g.user, filing_id)
    annex = _annex()
    page = quarterly_pages.filing_cell_page(
        f,
        annex,
        request.args.get("row", ""),
        request.args.get("col", ""),
        actor=g.user,
        page=request.args.get("page", 1, type=int),
        now=utcnow(),
    )
    return _behind_page(page, back=url_for("quarterly.filing", filing_id=f.id, annex=annex))


@bp.get("/filings/<int:filing_id>/diff")
@roles_required(*roles.OVERSIGHT)
def filing_diff(filing_id: int):
    f = scope.get_quarter_filing(g.user, filing_id)
    return render_template("quarterly/diff.html", f=f, rows=filings.differences(f), now=utcnow())


@bp.route("/figures", methods=["GET", "POST"])
@roles_required(*roles.OVERSIGHT)
def figures():
    """Enter the quarter's own figures the app cannot count (the tables sum them from January)."""
    p = _period()
    unit = scope.quarter_unit(g.user, request.args.get("unit") or "")
    if unit.kind == "district":  # the district enters nothing itself: it picks whose figures
        return render_template("quarterly/pick_unit.html", units=filings.filers(), p=p)
    rows7 = list(quarterly.VENUE_ROWS.items())
    error = message = ""
    if request.method == "POST":
        try:
            changed = tx.run(
                quarter_figures.save_form,
                unit,
                p.year,
                p.quarter,
                request.form,
                actor=g.user,
                now=utcnow(),
            )
            message = f"已保存（更新 {changed} 项）。"
        except quarter_figures.FigureError as exc:
            error = exc.message
    existing = quarter_figures.existing(unit, p.year, p.quarter)
    return (
        render_template(
            "quarterly/figures.html",
            unit=unit,
            p=p,
            cols5=quarter_figures.manual_columns(5),
            cols7=quarter_figures.manual_columns(7),
            rows7=rows7,
            existing=existing,
            form=request.form if error else None,
            message=message,
            error=error,
            unit_arg=unit.code if g.user.role == roles.Role.DISTRICT else "",
            form_label=quarter_figures.form_label,
            counted_columns=()
            if enforcement_counts.hand_entry_allowed(p.year, p.quarter)
            else enforcement_counts.COLUMNS,
        ),
        422 if error else 200,
    )
