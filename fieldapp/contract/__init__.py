"""One declarative contract for everything a client sends (pydantic v2 models).

`guard` refuses what no view should ever see (NUL, lone surrogates, invalid UTF-8,
JSON nested too deep or carrying NaN, an oversized streamed body) before any view
runs. The models in `api` and `pages` give every field a type and a bound; `parse`,
`query` and `json_body` apply them and answer in Chinese (see `errors` for 400/422).
"""

from __future__ import annotations

from typing import TypeVar

from flask import request
from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import ContractError, refusal
from .types import DB_INT_MAX, Id, blank

M = TypeVar("M", bound=BaseModel)
_FORM_ID = TypeAdapter(blank(Id))


def parse(model: type[M], data, *, what: str = "请求体") -> M:
    """Check `data` against `model`; raise ContractError (400 malformed, 422 invalid)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise refusal(exc, what=what) from None


def query(model: type[M], args=None) -> M:
    """Read query-string (or form) parameters into `model`; any error is a 400."""
    args = request.args if args is None else args
    try:
        return model.model_validate({key: args.get(key) for key in args})
    except ValidationError as exc:
        raise refusal(exc, what="查询参数", malformed_only=True) from None


def json_body(model: type[M]) -> tuple[object, M]:
    """The request's JSON body as sent (for hashing) and as checked against `model`."""
    raw = request.get_json(silent=True)
    if raw is None:
        raise ContractError("请求体应为 JSON（Content-Type: application/json）。", status=400)
    return raw, parse(model, raw)


def form_id(value, *, what: str = "编号") -> int | None:
    """An id posted by a form (a <select> value): None when empty; ContractError (422) when not a possible id."""
    try:
        return _FORM_ID.validate_python(value)
    except ValidationError:
        raise ContractError(f"{what}应为整数编号（1 至 {DB_INT_MAX}）。", status=422) from None


__all__ = ["ContractError", "form_id", "json_body", "parse", "query"]
