"""The quarterly tables on screen and for download, and the form for figures entered by hand."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, abort, g, render_template, request
from sqlalchemy import select

from .. import contract, quarterly, quarterly_export, roles, vocab
from ..access import roles_required
from ..clock import local_today, utcnow
from ..contract.pages import QuarterQuery
from ..extensions import db
from ..models import QuarterFigure, Street

bp = Blueprint("quarterly", __name__, url_prefix="/quarterly")


def _choice() -> tuple[quarterly.Period, list[Street], str, list[Street]]:
    today = local_today(utcnow())
    last_q = (today.month - 1) // 3 or 4  # by default the quarter just ended
    q = contract.query(QuarterQuery)
    year = q.year or (today.year if last_q != 4 or today.month > 3 else today.year - 1)
    quarter = q.quarter or last_q
    try:
        p = quarterly.period(year, quarter)
    except ValueError:
        abort(400)
    allowed = db.session.scalars(select(Street).order_by(Street.id)).all()
    if g.user.role == "street":
        allowed = [s for s in allowed if s.id == g.user.street_id]
    name = request.args.get("street", "")
    streets = [s for s in allowed if s.name == name] if name else allowed
    if name and not streets:
        abort(404)
    unit = streets[0].name if len(streets) == 1 and (name or g.user.role == "street") else "鲤城区（全区）"
    return p, streets, unit, allowed


@bp.get("")
@roles_required(*roles.OFFICE)
def index():
    p, streets, unit, allowed = _choice()
    annex = contract.query(QuarterQuery).annex or 4
    if annex not in quarterly.ANNEXES:
        abort(404)
    table = quarterly.build(annex, streets, p, unit=unit)
    fmt = request.args.get("format")
    if fmt == "csv":
        resp = Response("\ufeff" + quarterly_export.to_csv(table), mimetype="text/csv")
        resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''annex{annex}-{p.year}Q{p.quarter}.csv"
        return resp
    if fmt == "xlsx":
        tables = [quarterly.build(a, streets, p, unit=unit) for a in quarterly.ANNEXES]
        resp = Response(quarterly_export.workbook(tables), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''quarterly-{p.year}Q{p.quarter}.xlsx"
        return resp
    return render_template("quarterly/index.html", table=table, header=quarterly_export.header_grid(table),
                           body=quarterly_export.body_rows(table), p=p, annex=annex, unit=unit, streets=allowed,
                           street=request.args.get("street", ""), annexes=quarterly.ANNEXES)


def _manual_columns(annex: int) -> list[quarterly.Column]:
    return [c for c in quarterly.ANNEXES[annex][1] if c.manual]


@bp.route("/figures", methods=["GET", "POST"])
@roles_required(*roles.OFFICE)
def figures():
    """Enter the quarter's own figures the app cannot count (they are summed from January in the tables)."""
    p, streets, unit, allowed = _choice()
    if len(streets) != 1:
        return render_template("quarterly/pick_street.html", streets=allowed, p=p)
    street = streets[0]
    rows7 = list(vocab.VENUE_TYPES.items())
    existing = {(f.annex, f.row_key, f.column_key): f for f in db.session.scalars(select(QuarterFigure).where(
        QuarterFigure.street_id == street.id, QuarterFigure.year == p.year, QuarterFigure.quarter == p.quarter))}
    error = message = ""
    if request.method == "POST":
        now = utcnow()
        try:
            changed = 0
            for annex, row_keys in ((5, [""]), (7, [code for code, _ in rows7])):
                for row_key in row_keys:
                    for c in _manual_columns(annex):
                        raw = (request.form.get(f"{annex}.{row_key}.{c.key}") or "0").strip()
                        value = Decimal(raw)
                        if value < 0 or value > Decimal("1e9") or (not c.decimal and value != value.to_integral_value()):
                            raise InvalidOperation
                        f = existing.get((annex, row_key, c.key))
                        if f is None:
                            if value == 0:
                                continue
                            f = QuarterFigure(street_id=street.id, year=p.year, quarter=p.quarter, annex=annex, row_key=row_key,
                                              column_key=c.key, value=value, entered_by=g.user.id, entered_at=now)
                            db.session.add(f)
                            existing[(annex, row_key, c.key)] = f
                            changed += 1
                        elif f.value != value:
                            f.value, f.entered_by, f.entered_at = value, g.user.id, now
                            changed += 1
            db.session.commit()
            message = f"已保存（更新 {changed} 项）。"
        except (InvalidOperation, ValueError):
            db.session.rollback()
            error = "请填写非负数：人次、家次等为整数，金额（万元）可保留两位小数。"
    return render_template("quarterly/figures.html", street=street, p=p, cols5=_manual_columns(5), cols7=_manual_columns(7),
                           rows7=rows7, existing=existing, form=request.form if error else None, message=message,
                           error=error), 422 if error else 200
