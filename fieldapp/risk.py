"""Four-colour risk (四色): a configurable rule table suggests; the street office or the industry's department decides.

The colour sets the visit interval (and the placard band); standardized premises
are visited less often.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, false, func, or_, select

from . import audit, scope, settings, vocab
from .clock import local_today
from .errors import DomainError
from .extensions import db
from .models import Enterprise, Hazard, RiskAssessment, Visit
from .roles import RISK_DECIDERS, Role


class RiskError(DomainError):
    """A four-colour decision that cannot be taken, with a Chinese reason."""


STANDARDIZED = ("level1", "level2", "level3", "micro_pass")


def suggest(ent: Enterprise, now: datetime) -> tuple[str, list[str]]:
    """The rule table's colour for a premises, and every reason that held."""
    rules = settings.get("risk_rules")
    today = local_today(now)
    overdue_since = now - timedelta(days=30 * rules["overdue_recent"]["months"])
    major_since = now - timedelta(days=30 * rules["major_recent"]["months"])
    is_open = Hazard.state != "closed"
    # Overdue at any point: the deadline passed before it closed (or it is still open).
    was_overdue = (Hazard.deadline < today) & (
        Hazard.closed_at.is_(None) | (func.date(Hazard.closed_at) > Hazard.deadline)
    )

    def count(cond):
        return func.sum(case((cond, 1), else_=0))

    hz = db.session.execute(
        select(
            count(is_open & (Hazard.level == "major")),
            count(was_overdue & (Hazard.raised_at >= overdue_since)),
            count((Hazard.level == "major") & (Hazard.raised_at >= major_since)),
            count(is_open),
        ).where(Hazard.enterprise_id == ent.id)
    ).one()
    major_open, overdue, major_recent, open_count = (int(x or 0) for x in hz)
    facts = {
        "major_open": major_open > 0,
        "overdue_recent": overdue >= rules["overdue_recent"]["threshold"],
        "major_recent": major_recent > 0,
        "open_many": open_count >= rules["open_many"]["threshold"],
        "no_standardization": ent.standardization == "none"
        and ent.size_class in ("above_scale", "medium"),
        "default": True,
    }
    values = {"count": 0}
    reasons, chosen = [], None
    for key in settings.RULE_ORDER:
        rule = rules[key]
        if not rule.get("enabled", True) or not facts[key]:
            continue
        values = {**rule, "count": {"overdue_recent": overdue, "open_many": open_count}.get(key, 0)}
        if key != "default" or not reasons:
            reasons.append(rule["label"].format(**values))
        chosen = chosen or rule["color"]
    return chosen or "blue", reasons


DECIDER_LABELS = {Role.STREET: "街道", Role.DEPARTMENT: "行业主管部门"}


def may_decide_role(role: str) -> bool:
    """Whether a role decides 四色 under the district's setting (the district always does)."""
    if role not in RISK_DECIDERS:
        return False
    return role == Role.DISTRICT or bool(settings.get("risk_deciders").get(role, False))


def may_decide(actor) -> bool:
    return may_decide_role(actor.role)


def check_may_decide(actor, ent: Enterprise) -> None:
    """Refuse an actor who may not decide this premises' colour: 404 outside scope, 403 by role or setting."""
    scope.get_enterprise(actor, ent.id)
    if actor.role not in RISK_DECIDERS:
        raise RiskError("您的角色不能确定四色风险等级。", status=403)
    if not may_decide(actor):
        others = "、".join(
            label
            for role, label in DECIDER_LABELS.items()
            if role != actor.role and may_decide_role(role)
        )
        raise RiskError(f"按区安委办设置，四色风险等级由{others or '区安委办'}确定。", status=403)


def decide(ent: Enterprise, *, color: str, reason: str, actor, now: datetime) -> RiskAssessment:
    """Confirm the suggestion or override it (with a reason); keep the history; set the colour."""
    check_may_decide(actor, ent)
    if color not in vocab.RISK_COLORS:
        raise RiskError("无效的风险等级")
    suggested, reasons = suggest(ent, now)
    reason = (reason or "").strip()
    if color != suggested and not reason:
        raise RiskError("与系统建议的等级不同，须说明理由。")
    row = RiskAssessment(
        enterprise_id=ent.id,
        suggested=suggested,
        reasons=reasons,
        color=color,
        override_reason=reason if color != suggested else "",
        decided_by=actor.id,
        decided_at=now,
        decided_as=actor.role,
    )
    db.session.add(row)
    from .enterprises import set_fields

    set_fields(ent, {"risk_color": color}, actor=actor, now=now)
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="campaign",
        object_id=str(ent.id),
        enterprise_id=ent.id,
        action="risk_decided",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={
            "suggested": suggested,
            "color": color,
            "reasons": reasons,
            "override": row.override_reason,
        },
    )
    return row


def history(enterprise_id: int) -> list[RiskAssessment]:
    return list(
        db.session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.enterprise_id == enterprise_id)
            .order_by(RiskAssessment.decided_at.desc())
        )
    )


def interval_days(color: str, standardization: str) -> int:
    """Days between visits for a colour, longer for standardized premises."""
    iv = settings.get("visit_intervals")
    days = iv[color]
    return int(round(days * iv["standardized_factor"])) if standardization in STANDARDIZED else days


def next_due(
    color: str, standardization: str, last_visit: datetime | None, created_at: datetime
) -> date:
    """The next visit's due date (a premises never visited is due from when it was registered)."""
    start = last_visit or created_at
    if last_visit is None:
        return local_today(created_at)
    return local_today(start) + timedelta(days=interval_days(color, standardization))


def overdue_visit_clause(last_visit_col, now: datetime):
    """SQL: premises whose next visit is past due (by colour and standardization), never-visited included."""
    conds = [last_visit_col.is_(None)]
    for color in vocab.RISK_COLORS:
        for std_in in (True, False):
            days = interval_days(color, "level3" if std_in else "none")
            std = (
                Enterprise.standardization.in_(STANDARDIZED)
                if std_in
                else ~Enterprise.standardization.in_(STANDARDIZED)
            )
            conds.append(
                and_(
                    Enterprise.risk_color == color, std, last_visit_col < now - timedelta(days=days)
                )
            )
    return or_(*conds) if conds else false()


def last_visit_subquery():
    return (
        select(Visit.enterprise_id.label("eid"), func.max(Visit.finished_at).label("last_visit"))
        .group_by(Visit.enterprise_id)
        .subquery()
    )
