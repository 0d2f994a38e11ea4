"""Shape errors in Chinese, each naming its field, answered 400 or 422 by one rule.

400 — malformed: the input cannot be read as the contract's shape (not JSON, not an
object, a field missing, unknown or of the wrong JSON type; any query or path
parameter that does not parse or is out of range).
422 — well-formed but invalid: a JSON body of the right shape whose values break a
bound (range, length, pattern, choice) or a domain rule.
"""

from __future__ import annotations

from pydantic import ValidationError

from ..errors import DomainError

# Errors that mean "not the shape asked for", whatever the value.
MALFORMED = frozenset(
    {
        "missing",
        "extra_forbidden",
        "model_type",
        "model_attributes_type",
        "dict_type",
        "list_type",
        "int_type",
        "float_type",
        "string_type",
        "bool_type",
        "date_type",
        "datetime_type",
        "none_required",
        "is_instance_of",
        "frozen_instance",
        "union_tag_invalid",
        "int_parsing",
        "float_parsing",
        "bool_parsing",
        "json_invalid",
    }
)

TYPE_WORDS = {
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "string_type": "应为文字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "date_type": "应为 YYYY-MM-DD 格式的日期",
    "datetime_type": "应为带时区的 ISO 8601 时间",
    "none_required": "应为 null",
    "missing": "缺少该字段",
    "extra_forbidden": "不是可接受的字段",
    "finite_number": "应为有限的数字",
    "json_invalid": "不是有效的 JSON",
}


class ContractError(DomainError):
    """Input that does not fit the contract; `errors` names each field in Chinese."""


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not out:
            out = str(part)
        else:
            out += f".{part}"
    return out or "请求体"


def _words(err: dict) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in TYPE_WORDS:
        if kind == "float_type" and isinstance(err.get("input"), int):
            return "数值超出范围"
        return TYPE_WORDS[kind]
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "string_too_long":
        return f"不能超过 {ctx['max_length']} 个字"
    if kind == "string_too_short":
        return "不能为空" if ctx.get("min_length") == 1 else f"至少 {ctx['min_length']} 个字"
    if kind == "too_long":
        return f"最多 {ctx['max_length']} 项"
    if kind == "too_short":
        return f"至少 {ctx['min_length']} 项"
    if kind in ("literal_error", "enum"):
        return f"应为 {ctx.get('expected', '').replace(' or ', '、').replace(', ', '、').replace(chr(39), '')} 之一"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    # Our own PydanticCustomError messages are Chinese already.
    message = err.get("msg", "")
    return message if any("\u4e00" <= ch <= "\u9fff" for ch in message) else "无效"


def refusal(exc: ValidationError, *, what: str, malformed_only: bool = False) -> ContractError:
    """Turn pydantic's errors into one Chinese refusal; `malformed_only` answers 400 for any error."""
    errors, status = [], 422
    for err in exc.errors(include_url=False):
        errors.append(f"{_where(err['loc'])}：{_words(err)}")
        if err["type"] in MALFORMED or (
            err["type"] in ("literal_error", "enum") and isinstance(err.get("input"), (list, dict))
        ):
            status = 400
    if malformed_only:
        status = 400
    head = f"{what}格式有误，未处理。" if status == 400 else f"{what}有误，未处理。"
    return ContractError(
        head + errors[0] if len(errors) == 1 else head, status=status, errors=errors
    )
