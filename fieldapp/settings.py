"""Settings district users edit, with defaults from the domain facts (UNVERIFIED parts configurable)."""

from __future__ import annotations

import copy
from datetime import datetime

from .extensions import db
from .models import Setting

DEFAULTS: dict[str, dict] = {
    # 四色 rules, tried in order; the first that holds sets the suggested colour.
    "risk_rules": {
        "major_open": {"enabled": True, "color": "red", "label": "存在未销号的重大隐患"},
        "overdue_recent": {"enabled": True, "color": "orange", "threshold": 2, "months": 12,
                           "label": "近 {months} 个月逾期隐患 {count} 条（≥{threshold}）"},
        "major_recent": {"enabled": True, "color": "orange", "months": 6, "label": "近 {months} 个月发生过重大隐患"},
        "open_many": {"enabled": True, "color": "yellow", "threshold": 3, "label": "未销号隐患 {count} 条（≥{threshold}）"},
        "no_standardization": {"enabled": True, "color": "yellow", "label": "规上或中等企业尚未创建安全生产标准化"},
        "default": {"enabled": True, "color": "blue", "label": "近期无明显风险因素"},
    },
    # Days between visits by colour; standardized premises are visited less often (plan 四(四) 执法推动).
    "visit_intervals": {"red": 30, "orange": 60, "yellow": 90, "blue": 180, "standardized_factor": 1.5},
    # Who decides 四色 besides the district. The plan has both: streets supervise every
    # premises of their area by colour (三（五）, annex 4 note 8) and each supervising
    # department assesses its industry's enterprises (三（五）1). The latest decision holds.
    "risk_deciders": {"street": True, "department": True},
    # 星级: the ladder assumed from the Fengze model (domain facts §5.1, UNVERIFIED).
    "star_ladder": {"level1": 5, "level2": 5, "level3": 4, "micro_pass": 3, "self_assessed": 2, "none": 1},
}
RULE_ORDER = ["major_open", "overdue_recent", "major_recent", "open_many", "no_standardization", "default"]


def get(key: str) -> dict:
    """A setting's current value (stored, else the default), merged over the defaults."""
    row = db.session.get(Setting, key)
    value = copy.deepcopy(DEFAULTS[key])
    if row is not None:
        for k, v in row.value.items():
            value[k] = {**value.get(k, {}), **v} if isinstance(v, dict) and isinstance(value.get(k), dict) else v
    return value


def put(key: str, value: dict, *, actor, now: datetime) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value, updated_by=actor.id, updated_at=now))
    else:
        row.value, row.updated_by, row.updated_at = value, actor.id, now
