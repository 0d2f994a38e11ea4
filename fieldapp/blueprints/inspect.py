"""The inspector's pages: due list, the checklist walk, scanning and the outbox.

The walk and the outbox are shells: their content comes from the offline bundle
and the phone's own store (IndexedDB), so they work the same with or without signal.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from .. import inspect, public, roles
from ..access import roles_required
from ..clock import utcnow
from ..htmx import is_htmx, vary_on_htmx
from .pwa import shell_page

bp = Blueprint("inspect", __name__, url_prefix="/inspect")


@bp.get("")
@roles_required(*roles.FIELD)
@shell_page
def due():
    q = request.args.get("q", "").strip()[:50]
    tab = request.args.get("show", "all")
    tab = tab if tab in inspect.DUE_TABS else "all"
    rows, counts = inspect.due_tabs(g.user, now=utcnow(), tab=tab, q=q)
    ctx = dict(rows=rows, q=q, tab=tab, counts=counts, tabs=inspect.DUE_TABS)
    if is_htmx():
        return vary_on_htmx(
            current_app.make_response(render_template("inspect/_due_list.html", **ctx))
        )
    return vary_on_htmx(
        current_app.make_response(
            render_template("inspect/due.html", **ctx, reports=public.pending_count(g.user))
        )
    )


@bp.get("/walk")
@roles_required(*roles.FIELD)
@shell_page
def walk():
    return render_template("inspect/walk.html")


@bp.get("/notice")
@roles_required(*roles.FIELD)
@shell_page
def notice():
    """The 整改通知书 of a visit still on the phone, filled in there (works with no signal)."""
    return render_template("inspect/notice.html")


@bp.get("/outbox")
@roles_required(*roles.FIELD)
@shell_page
def outbox():
    return render_template("inspect/outbox.html")


@bp.get("/unit")
@roles_required(*roles.FIELD)
@shell_page
def unit():
    """Record a unit found in the field (排查摸底), offline like a visit; it syncs with PUT /api/v1/units/{uuid}."""
    return render_template("inspect/unit.html", grids=inspect.grids_of(g.user))


@bp.route("/scan", methods=["GET", "POST"])
@roles_required(*roles.FIELD)
def scan():
    code = request.values.get("code", "").strip()
    if not code:
        return render_template("inspect/scan.html", error=None, code="")
    ent_id = inspect.find_by_code(g.user, code)
    if ent_id is None:
        return render_template(
            "inspect/scan.html",
            error="没有找到对应的场所，或不在您的网格内。请核对后重试。",
            code=code,
        ), 404
    return redirect(url_for("enterprises.detail", enterprise_id=ent_id), 303)
