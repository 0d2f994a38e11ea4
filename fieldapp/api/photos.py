"""PUT /api/v1/photos/{sha256}: upload one photo, addressed by the hash of its bytes."""

from __future__ import annotations

from flask import g, jsonify, request

from .. import contract, photos, roles, tx
from ..access import roles_required
from ..clock import utcnow
from ..contract.api import PhotoMeta
from ..errors import error_response
from . import bp


@bp.put("/photos/<sha256>")
@roles_required(*roles.UPLOADERS)
def photo_put(sha256: str):
    try:
        meta = photos.Meta(**contract.query(PhotoMeta).model_dump())
        # A concurrent upload of the same bytes that won the race makes this one "held already".
        created = tx.run_or_replay(
            photos.ingest, sha256, request.get_data(cache=False), meta, actor=g.user, now=utcnow()
        )
    except photos.PhotoRejected as exc:
        return error_response(exc.status, exc.message)
    return jsonify(sha256=sha256, stored=True), 201 if created else 200
