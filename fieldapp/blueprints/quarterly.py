"""The quarterly tables on screen and for download, filing them, the filed snapshots, and figures entered by hand.

Streets and departments see and file their own rows; the district sees the roll-up of
the filed versions (or any filer's table as the data says now) and files the roll-up.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select

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
    roles,
)
from ..access import roles_required
from ..clock import local_today, utcnow
from ..contract.pages import QuarterQuery
from ..extensions import db
from ..models import QuarterFiling

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


def _view() -> tuple[str, quarterly.Unit]:
    """What the page shows: a filer's own table (live), or for the district the roll-up (filed or live)."""
    mine = quarterly.unit_of(g.user)
    if mine is None:
        abort(404)
    code = request.args.get("unit", "")
    if mine.kind != "district":
        if code and code != mine.code:
            abort(404)
        return "unit", mine
    if code:
        unit = quarterly.unit_from_code(code)
        if unit is None or unit.kind == "district":
            abort(404)
        return "unit", unit
    return ("live" if request.args.get("view") == "live" else "rollup"), mine


def _tables(view: str, unit: quarterly.Unit, p: quarterly.Period, annexes) -> list[quarterly.Table]:
    if view == "rollup":
        return [t for t in filings.rollup(p) if t.annex in annexes]
    if view == "live":
        return [_live(a, p) for a in annexes]
    return [quarterly.for_unit(a, unit, p) for a in annexes]


def _live(annex: int, p: quarterly.Period) -> quarterly.Table:
    from ..quarterly_rows import live_rollup

    return live_rollup(annex, p, quarterly.streets(), quarterly.departments())


def _download(tables: list[quarterly.Table], name: str, fmt: str, **workbook_args) -> Response:
    if fmt == "csv":
        resp = Response("\ufeff" + quarterly_export.to_csv(tables[0]), mimetype="text/csv")
        resp.headers["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{name}-annex{tables[0].annex}.csv"
        )
        return resp
    resp = Response(quarterly_export.workbook(tables, **workbook_args), mimetype=XLSX)
    resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}.xlsx"
    return resp


@bp.get("")
@roles_required(*roles.OVERSIGHT)
def index():
    p, annex = _period(), _annex()
    view, unit = _view()
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        tables = _tables(view, unit, p, (annex,) if fmt == "csv" else tuple(quarterly.ANNEXES))
        return _download(tables, f"quarterly-{p.year}Q{p.quarter}", fmt)
    table = _tables(view, unit, p, (annex,))[0]
    context = {
        "table": table,
        "header": quarterly_export.header_grid(table),
        "body": quarterly_export.body_rows(table),
        "p": p,
        "annex": annex,
        "view": view,
        "unit": unit,
        "annexes": quarterly.ANNEXES,
        "annex6": quarterly.ANNEX6_NOTE,
        "notes": quarterly_export.numbered_notes(table),
        "legend": quarterly_export.legend(table),
        "link_args": _link_args(view, unit, p, annex),
    }
    mine = quarterly.unit_of(g.user)
    if mine.kind == "district":
        context["filers"] = [
            (u, filings.latest(u.code, p.year, p.quarter)) for u in filings.filers()
        ]
    context["versions"] = filings.versions(mine.code, p.year, p.quarter)
    context["may_file"] = (
        filings.may_file(g.user, mine)
        and utcnow() >= p.end
        and (mine.kind != "district" or any(f for _, f in context["filers"]))
    )
    context["mine"] = mine
    return render_template("quarterly/index.html", **context)


def _link_args(view: str, unit: quarterly.Unit, p: quarterly.Period, annex: int) -> dict:
    args = {"year": p.year, "quarter": p.quarter, "annex": annex}
    if view == "live":
        args["view"] = "live"
    elif view == "unit" and unit.kind != g.user.role:
        args["unit"] = unit.code
    return args


def _figure(table: quarterly.Table, row_key: str, col_key: str):
    row, col = table.row(row_key), table.column(col_key)
    if row is None or col is None or col.level or row.values.get(col_key) is None:
        abort(404)
    return row, col


def _behind_page(table: quarterly.Table, row, col, *, title: str, back: str):
    ids = filings.rows_behind(table, row, col.key)
    via = row.via.get(col.key, {})
    behind = quarterly_drill.rows_behind(
        g.user, col.source, ids, via, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "quarterly/cell.html",
        table=table,
        row=row,
        col=col,
        behind=behind,
        title=title,
        back=back,
        value=quarterly.fmt(row.values[col.key], col),
        path=quarterly_export.column_path(col),
        row_label=filings._row_label(row),
        via_label=quarterly_drill.via_label,
        sources=quarterly_drill.SOURCES,
        hz=hazards,
        today=local_today(utcnow()),
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
    p, annex = _period(), _annex()
    view, unit = _view()
    table = _tables(view, unit, p, (annex,))[0]
    row, col = _figure(table, request.args.get("row", ""), request.args.get("col", ""))
    back = url_for("quarterly.index", **_link_args(view, unit, p, annex))
    return _behind_page(
        table,
        row,
        col,
        title=f"{table.unit.name if view != 'rollup' else '区汇总（按报送版本）'} · {p.label}",
        back=back,
    )


@bp.post("/file")
@roles_required(*roles.OVERSIGHT)
def file():
    """File this quarter's tables for the user's own unit (a correction when filed before)."""
    p = _period()
    unit = quarterly.unit_of(g.user)
    try:
        f = filings.file_quarter(
            unit,
            p.year,
            p.quarter,
            actor=g.user,
            now=utcnow(),
            reason=request.form.get("reason", ""),
        )
        db.session.commit()
    except filings.FilingError as exc:
        db.session.rollback()
        return render_template("quarterly/refused.html", error=exc.message, p=p), exc.status
    return redirect(url_for("quarterly.filing", filing_id=f.id), 303)


def _filing(filing_id: int) -> QuarterFiling:
    f = db.session.get(QuarterFiling, filing_id)
    if f is None:
        abort(404)
    mine = quarterly.unit_of(g.user)
    if mine is None or (mine.kind != "district" and f.unit != mine.code):
        abort(404)
    return f


@bp.get("/filings")
@roles_required(*roles.OVERSIGHT)
def filing_list():
    mine = quarterly.unit_of(g.user)
    stmt = select(QuarterFiling).order_by(
        QuarterFiling.year.desc(),
        QuarterFiling.quarter.desc(),
        QuarterFiling.unit,
        QuarterFiling.version.desc(),
    )
    if mine.kind != "district":
        stmt = stmt.where(QuarterFiling.unit == mine.code)
    return render_template("quarterly/filings.html", rows=db.session.scalars(stmt.limit(500)).all())


@bp.get("/filings/<int:filing_id>")
@roles_required(*roles.OVERSIGHT)
def filing(filing_id: int):
    f = _filing(filing_id)
    annex = _annex()
    fmt = request.args.get("format")
    if fmt == "xlsx":
        resp = Response(filings.workbook(f), mimetype=XLSX)
        resp.headers["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''filed-{f.year}Q{f.quarter}-{f.id}-v{f.version}.xlsx"
        )
        return resp
    tables = filings.tables_of(f)
    table = next(t for t in tables if t.annex == annex)
    if fmt == "csv":
        return _download([table], f"filed-{f.year}Q{f.quarter}-{f.id}", "csv")
    check = filings.check_record(f)
    return render_template(
        "quarterly/filing.html",
        f=f,
        table=table,
        header=quarterly_export.header_grid(table),
        body=quarterly_export.body_rows(table),
        annex=annex,
        annexes=quarterly.ANNEXES,
        check=check,
        notes=quarterly_export.numbered_notes(table),
        legend=quarterly_export.legend(table),
        others=filings.versions(f.unit, f.year, f.quarter),
        annex6=quarterly.ANNEX6_NOTE,
    )


@bp.get("/filings/<int:filing_id>/cell")
@roles_required(*roles.OVERSIGHT)
def filing_cell(filing_id: int):
    f = _filing(filing_id)
    annex = _annex()
    table = next(t for t in filings.tables_of(f, with_ids=True) if t.annex == annex)
    row, col = _figure(table, request.args.get("row", ""), request.args.get("col", ""))
    back = url_for("quarterly.filing", filing_id=f.id, annex=annex)
    return _behind_page(
        table,
        row,
        col,
        title=f"{f.unit_name} · {f.year} 年第 {f.quarter} 季度 · 报送第 {f.version} 版",
        back=back,
    )


@bp.get("/filings/<int:filing_id>/diff")
@roles_required(*roles.OVERSIGHT)
def filing_diff(filing_id: int):
    f = _filing(filing_id)
    return render_template("quarterly/diff.html", f=f, rows=filings.differences(f), now=utcnow())


@bp.route("/figures", methods=["GET", "POST"])
@roles_required(*roles.OVERSIGHT)
def figures():
    """Enter the quarter's own figures the app cannot count (the tables sum them from January)."""
    p = _period()
    mine = quarterly.unit_of(g.user)
    unit = mine
    if mine.kind == "district":
        code = request.args.get("unit") or ""
        unit = quarterly.unit_from_code(code) if code else None
        if unit is None or unit.kind == "district":
            if code:
                abort(404)
            return render_template("quarterly/pick_unit.html", units=filings.filers(), p=p)
    rows7 = list(quarterly.VENUE_ROWS.items())
    error = message = ""
    if request.method == "POST":
        try:
            values = {
                (annex, row_key, c.key): quarter_figures.parse(
                    request.form.get(f"{annex}.{row_key}.{c.key}"), c
                )
                for annex, row_key, c in quarter_figures.cells()
            }
            changed = quarter_figures.save(
                unit, p.year, p.quarter, values, actor=g.user, now=utcnow()
            )
            db.session.commit()
            message = f"已保存（更新 {changed} 项）。"
        except quarter_figures.FigureError as exc:
            db.session.rollback()
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
            unit_arg=unit.code if mine.kind == "district" else "",
            form_label=quarter_figures.form_label,
            counted_columns=()
            if enforcement_counts.hand_entry_allowed(p.year, p.quarter)
            else enforcement_counts.COLUMNS,
        ),
        422 if error else 200,
    )
