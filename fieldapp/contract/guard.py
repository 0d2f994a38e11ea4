"""Refuse unreadable input before any view runs, so no view can forget to.

Every request is checked once, in the first request hook: the path, the query
string, header values, form fields and file names, and a JSON body. NUL (PostgreSQL
cannot store it), lone surrogates and invalid UTF-8 (nothing can encode them) are a
400 on every path. A JSON body is parsed here with a depth limit and without NaN or
Infinity, and is bounded in size. A streamed (chunked) body past the size limit is a
413, never silently cut short.
"""

from __future__ import annotations

import json
import math
from urllib.parse import unquote_to_bytes

from flask import Flask, Request, current_app, request
from flask import json as flask_json
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.wsgi import LimitedStream

from .errors import ContractError
from .types import BAD_CHARS, DB_INT_MAX

MAX_JSON_DEPTH = 32
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class _CappedStream(LimitedStream):
    """A streamed body bounded by the size limit: reading past it raises 413.

    Werkzeug's own stream stops reading at the limit and returns what it has, so an
    oversized chunked upload looked like a short, corrupt one.
    """

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


def _strict_loads(data, **kwargs):
    """json.loads for request bodies: no NaN/Infinity, bounded depth, clean strings."""

    def no_constant(name: str):
        raise ValueError(f"不接受 {name}")

    try:
        value = json.loads(data, parse_constant=no_constant, **kwargs)
    except RecursionError:
        raise ValueError("嵌套过深") from None
    _walk(value)
    return value


def _walk(value) -> None:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"嵌套超过 {MAX_JSON_DEPTH} 层")
        if isinstance(node, str):
            if BAD_CHARS.search(node):
                raise ValueError("含有 NUL 或孤立代理项")
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise ValueError("数值超出范围")
        elif isinstance(node, dict):
            for key, item in node.items():
                if BAD_CHARS.search(key):
                    raise ValueError("字段名含有 NUL 或孤立代理项")
                stack.append((item, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)


class _StrictJSON:
    loads = staticmethod(_strict_loads)
    dumps = staticmethod(flask_json.dumps)


class GuardedRequest(Request):
    """Flask's request with the strict JSON reader and a capped streamed body."""

    @property
    def json_module(self):
        return _StrictJSON

    @json_module.setter
    def json_module(self, value) -> None:
        """Flask hands each request the app's JSON provider; request bodies keep the strict reader."""

    def on_json_loading_failed(self, e: ValueError | None):
        reason = (
            f"：{e}" if e is not None and any("\u4e00" <= c <= "\u9fff" for c in str(e)) else ""
        )
        raise ContractError(f"请求体不是有效的 JSON{reason}。", status=400)

    @property
    def stream(self):
        # Not cached by the parent here: one stream per request, made on first use.
        cached = self.__dict__.get("_guarded_stream")
        if cached is None:
            cached = super().stream
            if isinstance(cached, LimitedStream) and cached._limit_is_max:
                cached = _CappedStream(self.environ["wsgi.input"], cached.limit, is_max=True)
            self.__dict__["_guarded_stream"] = cached
        return cached


def _refuse(where: str) -> ContractError:
    return ContractError(
        f"{where}含有不允许的字符（NUL、孤立代理项或无效的 UTF-8），未处理。", status=400
    )


def _clean_bytes(raw: bytes) -> bool:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def check_request() -> None:
    """The first request hook: refuse unreadable input on every path (400/413)."""
    environ = request.environ
    # Some servers (Werkzeug's) have already replaced invalid UTF-8 in PATH_INFO; the raw
    # request line they keep alongside still shows what was sent.
    raw_uri = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?", 1)[0]
    if not _clean_bytes(environ.get("PATH_INFO", "").encode("latin-1", "replace")) or (
        raw_uri and not _clean_bytes(unquote_to_bytes(raw_uri.encode("latin-1", "replace")))
    ):
        raise _refuse("网址路径")
    # WSGI hands both over as latin-1 text standing for the raw bytes.
    query = environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    if query and not all(
        _clean_bytes(unquote_to_bytes(part.replace(b"+", b" "))) for part in query.split(b"&")
    ):
        raise _refuse("查询参数")
    for key, value in environ.items():
        if (
            (key.startswith("HTTP_") or key == "CONTENT_TYPE")
            and isinstance(value, str)
            and "\x00" in value
        ):
            raise _refuse("请求头")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype in FORM_TYPES:
        for key, value in request.form.items(multi=True):
            if BAD_CHARS.search(key) or BAD_CHARS.search(value):
                raise _refuse("表单")
        for name, upload in request.files.items(multi=True):
            if BAD_CHARS.search(name) or (upload.filename and BAD_CHARS.search(upload.filename)):
                raise _refuse("上传文件名")
    elif request.is_json:
        limit = current_app.config["MAX_JSON_BYTES"]
        if request.max_content_length is None or request.max_content_length > limit:
            request.max_content_length = limit
        request.get_json()  # parsed and cached here; ContractError when unreadable


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id the database can hold, else the route does not match (404)."""

    def __init__(
        self,
        map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = DB_INT_MAX,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    """Install the guarded request, the bounded id converter and the first request hook.

    Runs before any blueprint is registered: routes pick their converter when added.
    """
    app.request_class = GuardedRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
