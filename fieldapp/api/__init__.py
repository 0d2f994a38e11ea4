"""JSON API under /api/v1 (PRODUCT.md §11)."""

from __future__ import annotations

from flask import Blueprint, current_app

from ..contract.api import PageQuery

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def page_args(q: PageQuery) -> tuple[int, int]:
    """The page (1-based) and per_page (default 50, at most 200) of a checked list query."""
    cfg = current_app.config
    return q.page, min(q.per_page or cfg["PER_PAGE_DEFAULT"], cfg["PER_PAGE_MAX"])


from . import (  # noqa: E402,F401  (routes register on import)
    bootstrap,
    enterprises,
    hazards,
    openapi,
    phone,
    photos,
    session,
    tokens,
    units,
    visits,
)
