"""The enterprise's own self-inspection list (企业自查): its account or the placard PIN."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, g, redirect, render_template, request, url_for

from .. import hazards, photos, roles, selfcheck, tx
from ..access import roles_required
from ..clock import local_today, utcnow
from ..models import Enterprise

bp = Blueprint("selfcheck", __name__, url_prefix="/self-check")


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
    return _page(
        selfcheck.own_premises(g.user), message="已登记。" if request.args.get("saved") else ""
    )


@bp.post("")
@roles_required(roles.Role.ENTERPRISE)
def record():
    """Enter one finding of the enterprise's own check."""
    ent = selfcheck.own_premises(g.user)
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
        # The photos and the finding are recorded together or not at all.
        with tx.atomic():
            shas = photos.ingest_uploads(
                request.files.getlist("photo"), form, actor=g.user, now=now
            )
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
    except (selfcheck.SelfCheckError, photos.PhotoRejected) as exc:
        return _page(
            ent,
            values=values,
            errors=getattr(exc, "errors", None) or [exc.message],
            status=exc.status,
        )
    return redirect(url_for("selfcheck.index", saved=1), 303)
