"""The street office's review of units found in the field: approve into the register, merge, or reject."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from .. import contract, enterprises, photos, roles, scope, tx, units
from ..access import roles_required
from ..clock import utcnow
from ..contract.pages import UnitsQuery
from ..storage import StorageMissing

bp = Blueprint("units", __name__, url_prefix="/units")
VARIANTS = {"display.jpg": "display", "thumb.jpg": "thumb"}


def _version() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return 0


def _load(unit_uuid: str):
    try:
        return units.get_in_scope(g.user, unit_uuid)
    except units.UnitError:
        abort(404)


@bp.get("")
@roles_required(*roles.OFFICE)
def index():
    q = contract.query(UnitsQuery)
    status = q.status if q.status in units.STATUS else None
    page = units.page(g.user, status=status, number=q.page)
    return render_template("units/index.html", items=page.rows, page=page, status=status or "")


def _show(p, *, values=None, errors=None, message="", status=200):
    held = units.held_visits(p)
    return render_template(
        "units/show.html",
        p=p,
        candidates=units.candidates(p) if p.status == "proposed" else [],
        held=[(v, units.hazard_summary(v)) for v in held],
        values=values or units.form_values(p),
        errors=errors or {},
        message=message,
        streets=scope.streets(g.user),
    ), status


@bp.get("/<unit_uuid>")
@roles_required(*roles.OFFICE)
def show(unit_uuid: str):
    return _show(_load(unit_uuid))


@bp.post("/<unit_uuid>/approve")
@roles_required(*roles.OFFICE)
def approve(unit_uuid: str):
    p = _load(unit_uuid)
    values = request.form.to_dict()
    try:
        ent = tx.run(units.approve, p.uuid, values, actor=g.user, version=_version(), now=utcnow())
    except enterprises.ValidationError as exc:
        return _show(_load(unit_uuid), values=values, errors=exc.fields, status=422)
    except units.UnitError as exc:
        return _show(
            _load(unit_uuid), values=values, errors={"_form": exc.message}, status=exc.status
        )
    return redirect(url_for("enterprises.detail", enterprise_id=ent.id), 303)


@bp.post("/<unit_uuid>/merge")
@roles_required(*roles.OFFICE)
def merge(unit_uuid: str):
    p = _load(unit_uuid)
    try:
        target = contract.form_id(request.form.get("enterprise_id"), what="合并到的单位")
        ent = tx.run(
            units.merge,
            p.uuid,
            target,
            actor=g.user,
            version=_version(),
            now=utcnow(),
            note=request.form.get("note", ""),
        )
    except (units.UnitError, contract.ContractError) as exc:
        if exc.status == 404:
            abort(404)
        return _show(_load(unit_uuid), errors={"_merge": exc.message}, status=exc.status)
    return redirect(url_for("enterprises.detail", enterprise_id=ent.id), 303)


@bp.post("/<unit_uuid>/reject")
@roles_required(*roles.OFFICE)
def reject(unit_uuid: str):
    p = _load(unit_uuid)
    try:
        tx.run(
            units.reject,
            p.uuid,
            reason=request.form.get("reason", ""),
            actor=g.user,
            version=_version(),
            now=utcnow(),
        )
    except units.UnitError as exc:
        return _show(_load(unit_uuid), errors={"_reject": exc.message}, status=exc.status)
    return redirect(url_for("units.show", unit_uuid=unit_uuid), 303)


@bp.get("/<unit_uuid>/photos/<sha>/<variant>")
@roles_required(*roles.OFFICE)
def photo(unit_uuid: str, sha: str, variant: str):
    """A front photo of a proposed unit: no premises refers to it yet, so the proposal's scope decides."""
    p = _load(unit_uuid)
    if sha not in p.photos or variant not in VARIANTS:
        abort(404)
    try:
        data = photos.store().get(photos.key(VARIANTS[variant], sha))
    except StorageMissing:
        abort(404)
    resp = Response(data, mimetype="image/jpeg")
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp
