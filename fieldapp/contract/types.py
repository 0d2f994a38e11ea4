"""Bounded value types every client input is made of, each with its Chinese refusal.

A bound says what the database column holds and what makes sense: ids fit
PostgreSQL's `integer` (SQLite's INTEGER holds more), versions and pages have caps,
years and dates sit in 2000–2100 so date arithmetic never overflows, every string
and list has a maximum length.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

DB_INT_MAX = 2**31 - 1  # PostgreSQL `integer`; every id column is one
YEAR_MIN, YEAR_MAX = 2000, 2100
VERSION_MAX = 1_000_000
PAGE_MAX = 1_000_000
PER_PAGE_ASK_MAX = (
    10_000  # what a client may ask for; the answer is capped at PER_PAGE_MAX (config)
)
# NUL cannot be stored by PostgreSQL; lone surrogates cannot be encoded as UTF-8 at all.
BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")  # checklist ids and item keys (checklists.ID_RE)


class Body(BaseModel):
    """A JSON object a client sends: exact JSON types, no unknown fields, nothing unbounded."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, hide_input_in_errors=True)


class Query(BaseModel):
    """Query-string or form parameters: text converted to the declared types; other names ignored."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, hide_input_in_errors=True, str_strip_whitespace=True
    )


def _clean_text(value: str) -> str:
    if BAD_CHARS.search(value):
        raise PydanticCustomError("bad_char", "含有不允许的字符（NUL 或孤立代理项）")
    return value


def _matches(regex: re.Pattern, code: str, message: str):
    def check(value: str) -> str:
        if not regex.match(value):
            raise PydanticCustomError(code, message)
        return value

    return check


def Text(max_length: int, *, min_length: int = 0) -> Any:
    """A string of at most `max_length` characters, free of NUL and lone surrogates."""
    return Annotated[
        str, Field(max_length=max_length, min_length=min_length), AfterValidator(_clean_text)
    ]


def _blank_to_none(value: Any) -> Any:
    """Forms and query strings send an empty field as ""; for an optional value that means absent."""
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError("instant", "应为带时区的 ISO 8601 时间") from None
    if parsed.tzinfo is None:
        raise PydanticCustomError("instant_tz", "须带时区")
    if not YEAR_MIN <= parsed.year <= YEAR_MAX:
        raise PydanticCustomError("instant_range", f"时间应在 {YEAR_MIN} 至 {YEAR_MAX} 年之间")
    return parsed


def _day(value: str) -> date:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("day", "应为 YYYY-MM-DD 格式的日期") from None
    if len(value) != 10:
        raise PydanticCustomError("day", "应为 YYYY-MM-DD 格式的日期")
    if not YEAR_MIN <= parsed.year <= YEAR_MAX:
        raise PydanticCustomError("day_range", f"日期应在 {YEAR_MIN} 至 {YEAR_MAX} 年之间")
    return parsed


Id = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
Version = Annotated[int, Field(ge=1, le=VERSION_MAX)]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Page = Annotated[int, Field(ge=1, le=PAGE_MAX, description="页码，从 1 起")]
PerPage = Annotated[
    int, Field(ge=1, le=PER_PAGE_ASK_MAX, description="每页条数；大于上限（默认 200）时按上限")
]
Uuid = Annotated[
    str,
    Field(max_length=36, json_schema_extra={"format": "uuid", "pattern": UUID_RE.pattern}),
    AfterValidator(_matches(UUID_RE, "uuid", "应为小写 UUID")),
]
Sha256 = Annotated[
    str,
    Field(max_length=64, json_schema_extra={"pattern": SHA256_RE.pattern}),
    AfterValidator(_matches(SHA256_RE, "sha256", "应为 SHA-256（64 位小写十六进制）")),
]
Key = Annotated[
    str,
    Field(max_length=40, json_schema_extra={"pattern": KEY_RE.pattern}),
    AfterValidator(_matches(KEY_RE, "key", "应为小写字母开头的编码（字母、数字、下划线）")),
]
# ISO 8601 with a time zone, parsed by the standard library (never a bare number).
Instant = Annotated[
    datetime,
    BeforeValidator(lambda v: _instant(v) if isinstance(v, str) else v),
    WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 40}),
]
Day = Annotated[
    date,
    BeforeValidator(lambda v: _day(v) if isinstance(v, str) else v),
    WithJsonSchema({"type": "string", "format": "date", "maxLength": 10}),
]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lng = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Accuracy = Annotated[
    float, Field(ge=0, le=100_000, allow_inf_nan=False, description="定位精度（米）")
]


def _lenient_page(value: Any) -> int:
    try:
        number = int(str(value).strip()) if value not in (None, "") else 1
    except ValueError:
        return 1
    return min(max(1, number), PAGE_MAX)


# A page of an HTML list: a hand-edited "?page=abc" or "?page=10**30" shows the nearest page.
PageShown = Annotated[
    int, BeforeValidator(_lenient_page), Field(ge=1, le=PAGE_MAX, description="页码，从 1 起")
]


def blank(t: Any) -> Any:
    """An optional query or form value: an empty field reads as absent."""
    return Annotated[t | None, BeforeValidator(_blank_to_none)]


def photo_list(max_items: int) -> Any:
    return Annotated[list[Sha256], Field(max_length=max_items)]
