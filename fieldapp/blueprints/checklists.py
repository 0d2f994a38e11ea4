"""Browse the checklists in force; district users see versions and what changed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template

from .. import checklist_versions, checklists, contract, roles
from ..access import roles_required
from ..contract.pages import DiffQuery, VersionQuery
from ..roles import Role

bp = Blueprint("checklists", __name__, url_prefix="/checklists")


def registry() -> checklists.Registry:
    return current_app.extensions["checklists"]


def _snapshot(checklist_id: str, version: int) -> dict | None:
    """The content of one version: the file in force, or a recorded earlier one."""
    current = registry().get(checklist_id)
    if current is not None and current.version == version:
        return current.snapshot()
    recorded = next(
        (v for v in checklist_versions.history(checklist_id) if v.version == version), None
    )
    return recorded.snapshot if recorded else None


@bp.get("")
@roles_required(*roles.STAFF)
def index():
    rows = [(c, checklists.describe(c), sum(1 for i in c.items if i.major)) for c in registry().all]
    return render_template("checklists/index.html", rows=rows, categories=checklists.CATEGORIES)


@bp.get("/<checklist_id>")
@roles_required(*roles.STAFF)
def detail(checklist_id: str):
    current = registry().get(checklist_id)
    version = contract.query(VersionQuery).version
    if version is None and current is not None:
        version = current.version
    snap = _snapshot(checklist_id, version) if version is not None else None
    if snap is None:
        abort(404)
    versions = checklist_versions.history(checklist_id) if g.user.role == "district" else []
    return render_template(
        "checklists/detail.html",
        snap=snap,
        current=current,
        versions=versions,
        describe=checklists.describe(current) if current else "",
        categories=checklists.CATEGORIES,
    )


@bp.get("/<checklist_id>/diff")
@roles_required(Role.DISTRICT)
def diff(checklist_id: str):
    q = contract.query(DiffQuery)
    old_v, new_v = q.old, q.to
    old = _snapshot(checklist_id, old_v) if old_v is not None else None
    new = _snapshot(checklist_id, new_v) if new_v is not None else None
    if old is None or new is None:
        abort(404)
    return render_template(
        "checklists/diff.html",
        checklist_id=checklist_id,
        old=old,
        new=new,
        changes=checklists.diff(old, new),
        categories=checklists.CATEGORIES,
    )
