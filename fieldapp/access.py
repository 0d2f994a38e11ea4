"""Load the acting user for each request and guard views by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, g, request, session
from werkzeug.exceptions import Forbidden, Unauthorized

from . import auth
from .clock import utcnow
from .security import check_csrf, uses_bearer


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
    app.before_request(check_csrf)


def _load_user() -> None:
    g.user = None
    g.auth_kind = None
    if request.endpoint == "static":
        return
    now = utcnow()
    if uses_bearer():
        raw = request.headers["Authorization"][len("Bearer ") :].strip()
        g.user = auth.load_session(raw, kind="api", idle=None, now=now) if raw else None
        g.auth_kind = "api"
        if g.user is None:
            raise Unauthorized()
        return
    raw = session.get("sid")
    if raw:
        idle = current_app.config["SESSION_IDLE_TIMEOUT"]
        g.user = auth.load_session(raw, kind="web", idle=idle, now=now)
        if g.user is None:
            session.clear()
        else:
            g.auth_kind = "web"


def current_user() -> auth.Actor | None:
    return g.get("user")


def login_required(view: Callable) -> Callable:
    """Refuse anonymous callers (pages redirect to login, the API answers 401)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("user") is None:
            raise Unauthorized()
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Refuse callers whose role is not one of `roles`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get("user")
            if user is None:
                raise Unauthorized()
            if user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapped

    return decorator
