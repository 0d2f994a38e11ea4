"""POST /api/v1/auth/token: trade a username and password for a bearer token."""

from __future__ import annotations

from flask import current_app, jsonify, request

from .. import auth, contract, logs
from ..blueprints.auth import login_policy
from ..clock import utcnow
from ..contract.api import TokenIn
from ..errors import error_response
from ..security import csrf_exempt
from . import bp


@bp.post("/auth/token")
@csrf_exempt
def token():
    _, body = contract.json_body(TokenIn)
    now = utcnow()
    result = auth.authenticate(
        body.username, body.password, ip=request.remote_addr or "-", policy=login_policy(), now=now
    )
    logs.login(result, channel="api", username=body.username)
    if result.throttled:
        resp = error_response(429, "登录失败次数过多，请稍后再试。")
        return resp[0], 429, {"Retry-After": str(result.retry_after)}
    if result.user is None:
        return error_response(401, "用户名或密码错误。")
    raw = auth.start_session(
        result.user, kind="api", lifetime=current_app.config["API_TOKEN_LIFETIME"], now=now
    )
    return jsonify(token=raw, token_type="Bearer", role=result.user.role)
