"""GET /api/v1/bootstrap: everything an inspector needs for a day with no signal."""

from __future__ import annotations

from flask import current_app, g, jsonify

from .. import bundle, checklist_versions, roles
from ..access import roles_required
from ..clock import utcnow
from . import bp


@bp.get("/bootstrap")
@roles_required(*roles.FIELD)
def bootstrap():
    try:
        body = bundle.build(
            g.user,
            registry=current_app.extensions["checklists"],
            base_url=current_app.config["BASE_URL"],
            now=utcnow(),
        )
    except checklist_versions.VersionConflict as exc:
        return jsonify(
            error="检查清单文件被修改但未更新版本号，请联系区级管理员。",
            detail=str(exc),
            status=409,
        ), 409
    except bundle.Unrecorded as exc:
        return jsonify(error=exc.message, status=503), 503
    return jsonify(body)
