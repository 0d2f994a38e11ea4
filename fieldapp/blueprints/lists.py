"""The three lists on screen, printable, and exported as XLSX or CSV."""

from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path

from flask import Blueprint, abort, g, render_template, request, send_file

from .. import contract, hazards, lists
from ..access import login_required
from ..clock import local_today, utcnow
from ..contract.pages import ListQuery
from ..tabular import write_table

bp = Blueprint("lists", __name__, url_prefix="/lists")


@bp.get("/<kind>")
@login_required
def show(kind: str):
    if kind not in lists.KINDS:
        abort(404)
    q = contract.query(ListQuery)  # ids, dates and the page are checked; free text is kept as typed
    f = lists.ListFilters.from_args(request.args)
    today = local_today(utcnow())
    if q.format:
        return _export(kind, f, today, q.format)
    page = lists.page(kind, g.user, f, today, q.page)
    return render_template(
        f"lists/{kind}.html",
        kind=kind,
        kinds=lists.KINDS,
        page=page,
        rows=page.rows,
        f=f,
        today=today,
        hz=hazards,
        states=lists.STATE_FILTERS,
        **lists.filter_choices(g.user),
    )


def _export(kind: str, f: lists.ListFilters, today, fmt: str):
    headers, rows = lists.table(kind, g.user, f, today)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.{fmt}"
        write_table(path, headers, rows, sheet=lists.KINDS[kind])
        data = path.read_bytes()
    name = f"{lists.KINDS[kind]}-{today.isoformat()}.{fmt}"
    mimetype = (
        "text/csv"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
