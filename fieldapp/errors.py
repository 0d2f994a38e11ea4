"""Error pages in Chinese for people, JSON for the API."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, redirect, render_template, request, url_for
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import logs

MESSAGES = {
    400: "请求有误，请检查后重试。",
    401: "请先登录。",
    403: "您没有权限执行此操作。",
    404: "找不到该页面或记录，或不在您的管辖范围内。",
    405: "不支持该请求方式。",
    409: "数据已被他人修改，请刷新后重试。",
    413: "上传的内容过大。",
    415: "不支持该文件类型。",
    422: "提交的内容无法处理。",
    429: "操作过于频繁，请稍后再试。",
    500: "服务器出错了，请稍后再试。",
}


PUBLIC_MESSAGES = {404: "找不到该场所页面。"}


class DomainError(Exception):
    """A refusal by the domain: a Chinese message, the HTTP status, and per-item errors.

    Every domain module raises a subclass of this, so the API and the pages answer a
    refusal the same way (JSON `{"error", "status", "errors"}` or the error page).
    """

    status = 422

    def __init__(self, message: str, *, status: int | None = None, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.errors = list(errors or [])


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str | None = None, **extra):
    """Answer an error as JSON for the API or as a Chinese page for people."""
    message = message or MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        body = {"error": message, "status": code, **extra}
        return jsonify(body), code
    if request_ctx.url_adapter is None:
        # An untrusted Host header leaves no URL adapter to render links with.
        return message, code, {"Content-Type": "text/plain; charset=utf-8"}
    if request.path.startswith("/q/"):
        # Public placard pages: one fixed body (no session, no token), whatever the cause.
        from .blueprints.public import no_referrer

        resp = current_app.make_response(
            (
                render_template(
                    "public/error.html",
                    code=code,
                    message=PUBLIC_MESSAGES.get(code, MESSAGES[code]),
                ),
                code,
            )
        )
        return no_referrer(resp)
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        logs.security("csrf_refused", status=400, reason=exc.description)
        return error_response(400, "页面已过期，请刷新页面后重试。", reason="csrf")

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(
            exc.status, exc.message, **({"errors": exc.errors} if exc.errors else {})
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        if code == 401 and not wants_json():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")), 303)
        description = getattr(exc, "fieldapp_message", None)
        return error_response(code, description)
