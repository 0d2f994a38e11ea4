"""Sign in and sign out."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from .. import auth, logs
from ..clock import utcnow

bp = Blueprint("auth", __name__)


def login_policy() -> auth.LoginPolicy:
    cfg = current_app.config
    return auth.LoginPolicy(
        per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_ip=cfg["LOGIN_MAX_FAILURES_PER_IP"],
        window_s=cfg["LOGIN_FAILURE_WINDOW_SECONDS"],
    )


def safe_next(target: str | None) -> str:
    """Follow only a path on this site after login, as a browser would read it.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    "/\t/evil.example" is "//evil.example", another site; any control character,
    space or backslash is refused outright, and the result is rebuilt from the path
    and query alone, percent-encoded, so nothing else survives into `Location`.
    """
    home = url_for("main.home")
    if (
        not target
        or len(target) > 2000
        or any(c.isspace() or c == "\\" or not c.isprintable() for c in target)
    ):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return home
    path = re.sub(
        r"/{2,}", "/", parts.path
    )  # "//host" (or "/.//host" tricks) never reach the browser
    location = quote(path, safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        location += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return location


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "")
    if request.method == "GET":
        return render_template("auth/login.html", next=next_url, error=None)
    username = request.form.get("username", "")[:64]
    password = request.form.get("password", "")[:256]
    result = auth.authenticate(
        username, password, ip=request.remote_addr or "-", policy=login_policy(), now=utcnow()
    )
    logs.login(result, channel="web", username=username)
    if result.throttled:
        minutes = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"] // 60
        error = f"登录失败次数过多，请 {minutes} 分钟后再试。"
        return (
            render_template("auth/login.html", next=next_url, error=error, username=username),
            429,
            {"Retry-After": str(result.retry_after)},
        )
    if result.user is None:
        error = "用户名或密码错误。"
        return render_template(
            "auth/login.html", next=next_url, error=error, username=username
        ), 401
    session.clear()  # a new session at login: nothing carries over from before
    session["sid"] = auth.start_session(
        result.user,
        kind="web",
        lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"],
        now=utcnow(),
    )
    session.permanent = True
    return redirect(safe_next(next_url), 303)


@bp.post("/logout")
def logout():
    raw = session.get("sid")
    if raw:
        auth.end_session(raw)
    session.clear()
    return redirect(url_for("auth.login"), 303)
