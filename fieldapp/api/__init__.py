"""JSON API under /api/v1 (PRODUCT.md §11)."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import BadRequest

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def page_args() -> tuple[int, int]:
    """Parse page (1-based) and per_page (default 50, at most 200)."""
    cfg = current_app.config
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", cfg["PER_PAGE_DEFAULT"]))
    except ValueError as exc:
        raise BadRequest("page 和 per_page 应为整数") from exc
    if page < 1 or per_page < 1:
        raise BadRequest("page 和 per_page 应大于 0")
    return page, min(per_page, cfg["PER_PAGE_MAX"])


from . import bootstrap, enterprises, hazards, openapi, photos, session, tokens, visits  # noqa: E402,F401  (routes register on import)
