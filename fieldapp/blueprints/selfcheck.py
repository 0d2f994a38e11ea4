"""The enterprise's own self-inspection list (企业自查): its account or the placard PIN."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from .. import hazards, photos, roles, selfcheck
from ..access import roles_required
from ..clock import local_today, utcnow
from ..extensions import db
from ..models import Enterprise
from .hazards import _ingest_uploads

bp = Blueprint("selfcheck", __name__, url_prefix="/self-check")


def _premises() -> Enterprise:
    if not g.user.enterprise_id:
        abort(404)
    return db.session.get(Enterprise, g.user.enterprise_id)


def _page(
    ent: Enterprise,
    *,
    values: dict | None = None,
    errors: list[str] | None = None,
    message: str = "",
    status: int = 200,
):
    today = local_today(utcnow())
    return render_template(
        "selfcheck/index.html",
        ent=ent,
        rows=selfcheck.own_list(ent.id),
        hz=hazards,
        today=today,
        values=values or {"deadline": today.isoformat(), "level": "general"},
        errors=errors or [],
        message=message,
    ), status


@bp.get("")
@roles_required(roles.Role.ENTERPRISE)
def index():
    return _page(_premises(), message="已登记。" if request.args.get("saved") else "")


@bp.post("")
@roles_required(roles.Role.ENTERPRISE)
def record():
    """Enter one finding of the enterprise's own check."""
    ent = _premises()
    form = request.form
    values = {
        k: form.get(k, "") for k in ("text", "level", "deadline", "measure", "owner", "description")
    }
    now = utcnow()
    try:
        deadline = date.fromisoformat(values["deadline"]) if values["deadline"] else None
    except ValueError:
        deadline = None
    try:
        shas = _ingest_uploads(now)
        selfcheck.record_finding(
            ent.id,
            actor=g.user,
            now=now,
            text=values["text"],
            level=values["level"],
            deadline=deadline,
            measure=values["measure"],
            owner=values["owner"],
            description=values["description"],
            photos=shas,
        )
        db.session.commit()
    except (selfcheck.SelfCheckError, photos.PhotoRejected) as exc:
        db.session.rollback()
        return _page(
            ent,
            values=values,
            errors=getattr(exc, "errors", None) or [exc.message],
            status=exc.status,
        )
    return redirect(url_for("selfcheck.index", saved=1), 303)
