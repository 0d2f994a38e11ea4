"""Settings district users edit, with defaults from the domain facts (UNVERIFIED parts configurable)."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from datetime import datetime

from . import vocab
from .errors import DomainError
from .extensions import db
from .models import Setting

DEFAULTS: dict[str, dict] = {
    # 四色 rules, tried in order; the first that holds sets the suggested colour.
    "risk_rules": {
        "major_open": {"enabled": True, "color": "red", "label": "存在未销号的重大隐患"},
        "overdue_recent": {
            "enabled": True,
            "color": "orange",
            "threshold": 2,
            "months": 12,
            "label": "近 {months} 个月逾期隐患 {count} 条（≥{threshold}）",
        },
        "major_recent": {
            "enabled": True,
            "color": "orange",
            "months": 6,
            "label": "近 {months} 个月发生过重大隐患",
        },
        "open_many": {
            "enabled": True,
            "color": "yellow",
            "threshold": 3,
            "label": "未销号隐患 {count} 条（≥{threshold}）",
        },
        "no_standardization": {
            "enabled": True,
            "color": "yellow",
            "label": "规上或中等企业尚未创建安全生产标准化",
        },
        "default": {"enabled": True, "color": "blue", "label": "近期无明显风险因素"},
    },
    # Days between visits by colour; standardized premises are visited less often (plan 四(四) 执法推动).
    "visit_intervals": {
        "red": 30,
        "orange": 60,
        "yellow": 90,
        "blue": 180,
        "standardized_factor": 1.5,
    },
    # Who decides 四色 besides the district. The plan has both: streets supervise every
    # premises of their area by colour (三（五）, annex 4 note 8) and each supervising
    # department assesses its industry's enterprises (三（五）1). The latest decision holds.
    "risk_deciders": {"street": True, "department": True},
    # 星级: the ladder assumed from the Fengze model (domain facts §5.1, UNVERIFIED).
    "star_ladder": {
        "level1": 5,
        "level2": 5,
        "level3": 4,
        "micro_pass": 3,
        "self_assessed": 2,
        "none": 1,
    },
    # Annex 7's enforcement columns: counted from enforcement records from this day (a quarter's
    # first day; one inside a quarter leaves that quarter typed in), typed in (QuarterFigure) before it.
    "enforcement_counting": {"records_from": "2025-01-01"},
}
RULE_ORDER = [
    "major_open",
    "overdue_recent",
    "major_recent",
    "open_many",
    "no_standardization",
    "default",
]


def get(key: str) -> dict:
    """A setting's current value (stored, else the default), merged over the defaults."""
    row = db.session.get(Setting, key)
    value = copy.deepcopy(DEFAULTS[key])
    if row is not None:
        for k, v in row.value.items():
            value[k] = (
                {**value.get(k, {}), **v}
                if isinstance(v, dict) and isinstance(value.get(k), dict)
                else v
            )
    return value


def put(key: str, value: dict, *, actor, now: datetime) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value, updated_by=actor.id, updated_at=now))
    else:
        row.value, row.updated_by, row.updated_at = value, actor.id, now


class SettingsError(DomainError):
    """A settings form value out of its range, with the Chinese reason."""


def _number(values: Mapping[str, str], name: str, current, lo, hi, message: str, kind=int):
    """A number from the form (the current value when absent) within [lo, hi], else SettingsError."""
    raw = values.get(name)
    if raw is None:
        return current
    try:
        value = kind(str(raw).strip())
    except ValueError:
        raise SettingsError("请填写整数" if kind is int else "请填写数字") from None
    if (kind is float and not math.isfinite(value)) or not lo <= value <= hi:
        raise SettingsError(message)
    return value


def save_campaign(values: Mapping[str, str], *, actor, now: datetime) -> None:
    """Save the 四色 rules, visit intervals, deciders and star ladder from the district's form, all or nothing."""
    rules = get("risk_rules")
    for key in RULE_ORDER:
        rules[key]["enabled"] = values.get(f"{key}.enabled") == "on" or key == "default"
        color = values.get(f"{key}.color", rules[key]["color"])
        if color not in vocab.RISK_COLORS:
            raise SettingsError("无效的颜色")
        rules[key]["color"] = color
        for param in ("threshold", "months"):
            if param in rules[key]:
                rules[key][param] = _number(
                    values, f"{key}.{param}", rules[key][param], 1, 120, "阈值应在 1 至 120 之间"
                )
    intervals = get("visit_intervals")
    for color in vocab.RISK_COLORS:
        intervals[color] = _number(
            values, f"interval.{color}", intervals[color], 7, 730, "检查间隔应在 7 至 730 天之间"
        )
    intervals["standardized_factor"] = _number(
        values,
        "interval.standardized_factor",
        intervals["standardized_factor"],
        1,
        4,
        "标准化企业的间隔倍数应在 1 至 4 之间",
        kind=float,
    )
    deciders = {role: values.get(f"deciders.{role}") == "on" for role in ("street", "department")}
    ladder = get("star_ladder")
    for code in vocab.STANDARDIZATION:
        ladder[code] = _number(values, f"stars.{code}", ladder[code], 1, 5, "星级应为 1 至 5")
    put("risk_rules", rules, actor=actor, now=now)
    put("visit_intervals", intervals, actor=actor, now=now)
    put("star_ladder", ladder, actor=actor, now=now)
    put("risk_deciders", deciders, actor=actor, now=now)
