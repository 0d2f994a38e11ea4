"""PUT /api/v1/photos/{sha256}: upload one photo, addressed by the hash of its bytes."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy.exc import IntegrityError

from .. import contract, photos, roles
from ..access import roles_required
from ..clock import utcnow
from ..contract.api import PhotoMeta
from ..errors import error_response
from ..extensions import db
from . import bp


@bp.put("/photos/<sha256>")
@roles_required(*roles.UPLOADERS)
def photo_put(sha256: str):
    try:
        meta = photos.Meta(**contract.query(PhotoMeta).model_dump())
        created = photos.ingest(
            sha256, request.get_data(cache=False), meta, actor=g.user, now=utcnow()
        )
        db.session.commit()
    except photos.PhotoRejected as exc:
        db.session.rollback()
        return error_response(exc.status, exc.message)
    except IntegrityError:  # a concurrent upload of the same bytes won the race
        db.session.rollback()
        created = False
    return jsonify(sha256=sha256, stored=True), 201 if created else 200
