"""Security headers, CSRF enforcement and proxy handling."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import csrf

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key set.

    Flask builds a new serializer on every request; the cookie, its signature and
    its lifetime check are exactly Flask's.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(keys)
        if found is None:
            self._serializers.clear()  # a changed key retires the old serializer
            found = self._serializers[keys] = super().get_signing_serializer(app)
        return found


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config.get("SERVER_TIMING"):
        # Benchmarks read the server's own time per request from this header.
        app.before_request(_start_timer)
        app.after_request(_server_timing)
    app.after_request(_set_headers)


def csrf_exempt(view):
    """Mark a view that takes its credential in the body (no cookie to ride on)."""
    view.csrf_exempt = True
    return view


def uses_bearer() -> bool:
    """Say whether the request authenticates with an Authorization header."""
    return request.headers.get("Authorization", "").startswith("Bearer ")


def check_csrf() -> None:
    """Require the CSRF token on state changes that ride on the session cookie.

    Runs after the user is loaded: bearer-token calls and anonymous API calls
    carry no ambient credential a third-party page could ride on (the latter
    get their 401 from the view).
    """
    if request.method in SAFE_METHODS or uses_bearer():
        return
    if request.path.startswith("/api/") and g.get("user") is None:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "csrf_exempt", False):
        return
    csrf.protect()


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _server_timing(response: Response) -> Response:
    started = g.get("request_started")
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
    return response


# Headers every response carries; views that need another value for one of
# OVERRIDABLE set it themselves and it is kept.
STATIC_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"),
]
OVERRIDABLE = {"Content-Security-Policy": CSP, "Referrer-Policy": "same-origin"}
NO_STORE_TYPES = frozenset({"text/html", "application/json"})


def _set_headers(response: Response) -> Response:
    headers = response.headers
    # Werkzeug's setdefault scans the list per call; one pass over the names is cheaper.
    present = {k.lower() for k, _ in headers.items()}
    headers.extend([(k, v) for k, v in STATIC_HEADERS if k.lower() not in present])
    for key, value in OVERRIDABLE.items():
        if key.lower() not in present:
            headers.add(key, value)
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000")
    if "cache-control" not in present and response.mimetype in NO_STORE_TYPES:
        # Pages carry personal data and scope-dependent content.
        headers.add("Cache-Control", "no-store")
    return response
