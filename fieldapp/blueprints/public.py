"""The placard page /q/<token>: public status, owner sign-in with a PIN, public reports.

Every /q/ request is rate-limited per IP; unknown, rotated and revoked tokens all
get the same 404. The pages send no referrer, ask not to be indexed and load
nothing from elsewhere.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import NotFound

from .. import auth, logs, placards, public, scope, throttle, tx
from ..blueprints.auth import login_policy
from ..clock import local_today, utcnow
from ..errors import error_response
from ..models import Enterprise

bp = Blueprint("public", __name__, url_prefix="/q")


@bp.before_request
def limit_per_ip():
    cfg = current_app.config
    # The count is committed even on a GET: a limit must hold across requests.
    hits = tx.run(throttle.hit, f"q:ip:{request.remote_addr}", 60, utcnow())
    if hits > cfg["PUBLIC_MAX_REQUESTS_PER_MINUTE"]:
        return error_response(429, "访问过于频繁，请一分钟后再试。")


@bp.after_request
def private_headers(response):
    return no_referrer(response)


def no_referrer(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<token>")
def page(token: str):
    ent = placards.premises(token)
    user = g.get("user")
    if user is not None and user.role != "enterprise":
        # Staff scanning a placard get their own view of the premises (with 开始检查).
        try:
            scope.get_enterprise(user, ent.id)
            return redirect(url_for("enterprises.detail", enterprise_id=ent.id), 303)
        except NotFound:
            pass
    return render_template(
        "public/page.html", token=token, s=public.summary(ent, local_today(utcnow()))
    )


def _pin_page(token: str, ent: Enterprise, error: str | None) -> str:
    """The PIN sign-in, with whom to call for a new PIN (the street office's phone, as on the placard)."""
    return render_template(
        "public/pin.html", token=token, name=ent.name, error=error, street=ent.street
    )


@bp.route("/<token>/pin", methods=["GET", "POST"])
def pin(token: str):
    ent = placards.premises(token)
    if request.method == "GET":
        return _pin_page(token, ent, None)
    result = placards.pin_login(
        ent.id,
        request.form.get("pin", "")[:12],
        ip=request.remote_addr or "-",
        policy=login_policy(),
        now=utcnow(),
    )
    # The premises stands in for the account name: a PIN sign-in has none.
    logs.login(result, channel="pin", username=f"premises:{ent.id}")
    if result.throttled:
        return (
            _pin_page(token, ent, "错误次数过多，请 15 分钟后再试。"),
            429,
            {"Retry-After": str(result.retry_after)},
        )
    if result.user is None:
        return _pin_page(token, ent, "PIN 不正确。"), 401
    session.clear()
    session["sid"] = auth.start_session(
        result.user,
        kind="web",
        lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"],
        now=utcnow(),
    )
    session.permanent = True
    return redirect(url_for("enterprises.detail", enterprise_id=ent.id), 303)


@bp.route("/<token>/report", methods=["GET", "POST"])
def report(token: str):
    ent = placards.premises(token)
    if request.method == "GET":
        return render_template(
            "public/report.html", token=token, name=ent.name, error=None, values={}
        )
    now = utcnow()
    cfg = current_app.config
    # The sender's own limit comes first and counts every attempt, stored or not:
    # empty or refused posts use up the sender's hour, never the premises' day.
    over_ip = (
        tx.run(throttle.hit, f"report:ip:{request.remote_addr}", 3600, now)
        > cfg["PUBLIC_MAX_REPORTS_PER_HOUR"]
    )
    values = {
        "description": request.form.get("description", ""),
        "contact": request.form.get("contact", ""),
    }
    if over_ip:
        return render_template(
            "public/report.html",
            token=token,
            name=ent.name,
            values=values,
            error="提交过于频繁，请稍后再试。",
        ), 429
    upload = request.files.get("photo")
    data = None
    if upload and upload.filename:
        # Read one byte past the limit at most, and let go of the spooled file at once.
        with upload.stream as stream:
            data = stream.read(public.REPORT_PHOTO_MAX_BYTES + 1)
    try:
        tx.run(
            public.submit_report,
            ent,
            description=values["description"],
            contact=values["contact"],
            photo=data,
            now=now,
            sender=request.remote_addr or "-",
            quota=public.Quota.from_config(cfg),
        )
    except public.ReportError as exc:
        return render_template(
            "public/report.html", token=token, name=ent.name, values=values, error=exc.message
        ), exc.status
    return render_template("public/thanks.html", token=token, name=ent.name)
