"""Small helpers for answering htmx requests."""

from __future__ import annotations

from flask import Response, request


def is_htmx() -> bool:
    """Say whether htmx made this request (and it is not a history restore)."""
    return request.headers.get("HX-Request") == "true" and not is_history_restore()


def is_history_restore() -> bool:
    return request.headers.get("HX-History-Restore-Request") == "true"


def vary_on_htmx(response: Response) -> Response:
    """Mark a URL that answers a page or a fragment, so caches keep both."""
    response.vary.add("HX-Request")
    return response


def trigger(response: Response, event: str) -> Response:
    """Ask the page to fire an event after the swap."""
    response.headers["HX-Trigger"] = event
    return response
