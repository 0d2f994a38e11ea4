"""Serve photos to staff whose scope covers a premises that uses them."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, request

from .. import photos, roles
from ..access import login_required
from ..storage import StorageMissing

bp = Blueprint("photos", __name__, url_prefix="/photos")
VARIANTS = {"display.jpg": "display", "thumb.jpg": "thumb"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}


def _send(data: bytes, mimetype: str, etag: str) -> Response:
    resp = Response(data, mimetype=mimetype)
    # Private and revalidated: on a shared phone the next user is checked again.
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.set_etag(etag)
    return resp.make_conditional(request)


@bp.get("/<sha>/<variant>")
@login_required
def show(sha: str, variant: str):
    if not photos.SHA_RE.match(sha) or variant not in VARIANTS:
        abort(404)
    photo = photos.visible(g.user, sha)
    if photo is None:
        abort(404)
    try:
        data = photos.store().get(photos.key(VARIANTS[variant], sha))
    except StorageMissing:
        abort(404)
    return _send(data, "image/jpeg", f"{sha}-{VARIANTS[variant]}")


@bp.get("/<sha>/original")
@login_required
def original(sha: str):
    """The bytes received, kept as evidence: office users only, always as a download."""
    if g.user.role not in roles.OFFICE or not photos.SHA_RE.match(sha):
        abort(404)
    photo = photos.visible(g.user, sha)
    if photo is None:
        abort(404)
    try:
        data = photos.store().get(photos.key("original", sha))
    except StorageMissing:
        abort(404)  # e.g. a record imported from an archive, which carries display copies only
    resp = _send(data, "application/octet-stream", sha)
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="{sha}.{EXTENSIONS.get(photo.mime, "bin")}"'
    )
    return resp
