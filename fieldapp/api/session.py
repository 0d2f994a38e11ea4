"""GET /api/v1/session: who is signed in on this browser, and a fresh CSRF token.

The offline outbox asks before each sync run: an expired session or token is
noticed before anything is sent, and queued items of another user stay hidden.
"""

from __future__ import annotations

from flask import g, jsonify
from flask_wtf.csrf import generate_csrf

from . import bp


@bp.get("/session")
def session_info():
    user = g.get("user")
    body = {"user": None, "csrf_token": generate_csrf()}
    if user is not None:
        body["user"] = {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "role": user.role,
        }
    return jsonify(body)
