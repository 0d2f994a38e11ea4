"""Major hazards governed to the law: the rules `hazards.transition` applies to its major-hazard actions.

Work Safety Law (2021) Art. 41 has the unit record and report major hazards and the
supervising departments run a 督办 system for them; 原国家安全生产监督管理总局令第16号
《安全生产事故隐患排查治理暂行规定》 (2007, in force 2008-02-01) says what that means:
the unit's principal person draws up and carries out a 治理方案 (Art. 15: 治理的目标和任务、
采取的方法和措施、经费和物资的落实、负责治理的机构和人员、治理的时限和要求、安全措施和应急预案),
reports the hazard with its state and cause, its harm and difficulty, and the plan
(Art. 14), and after treatment has it assessed before production resumes (Art. 18).

Here: the inspector proposes 重大, and it stays 待确认重大隐患 (never silently general)
until a street, district or department user confirms it or downgrades it with a
reason. The enterprise submits the 治理方案; the office accepts or returns it. 挂牌督办
names its level (街道 or 区) and the supervisor. Closing needs the accepted plan and a
销号 acceptance record: who accepted, the day, and evidence. Nothing here writes a
hazard: `hazards.transition` calls these checks and applies what they return.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from . import scope
from .clock import local_today
from .errors import DomainError
from .extensions import db
from .models import Attachment, Enterprise, Hazard, HazardAcceptance, HazardPlan
from .roles import Role

# The seven elements of a 治理方案 (Order 16 Art. 15; its sixth item as two).
PLAN_FIELDS = {
    "goal": "目标任务",
    "method": "方法措施",
    "funds": "经费物资",
    "organization": "机构人员",
    "timeline": "时限要求",
    "safety_measures": "安全措施",
    "emergency_plan": "应急预案",
}
# What the report to the department carries beside the plan (Order 16 Art. 14), optional here.
REPORT_FIELDS = {
    "status_and_cause": "现状及其产生原因",
    "harm_analysis": "危害程度和整改难易程度分析",
}
PLAN_STATUS = {"submitted": "待审查", "accepted": "已通过", "returned": "已退回"}
SUPERVISION_LEVELS = {"street": "街道", "district": "区"}
# Who may 挂牌督办 at which level: a street office at its own, a department (区安委会成员单位) at the district's.
LEVELS_BY_ROLE = {
    Role.STREET: ("street",),
    Role.DEPARTMENT: ("district",),
    Role.DISTRICT: ("district", "street"),
}
ACTIONS = frozenset(
    {
        "confirm_major",
        "downgrade_major",
        "submit_plan",
        "accept_plan",
        "return_plan",
        "record_acceptance",
    }
)
TEXT_MAX = 2000


class MajorRuleError(DomainError):
    """A refused major-hazard step (the caller raises it as a TransitionError)."""


def open_in_scope(actor, limit: int = 500) -> list[Hazard]:
    """Return the actor's major hazards not yet closed, those awaiting confirmation first."""
    return list(
        db.session.scalars(
            select(Hazard)
            .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
            .where(
                Hazard.level == "major", Hazard.state != "closed", scope.enterprise_clause(actor)
            )
            .order_by(Hazard.major_confirmed_at.is_not(None), Hazard.raised_at)
            .limit(limit)
        )
    )


def pending(h: Hazard) -> bool:
    """待确认重大隐患: proposed as major, not yet confirmed (nor downgraded)."""
    return h.level == "major" and h.major_confirmed_at is None


def level_label(h: Hazard) -> str:
    """The level word people see: 待确认重大隐患 until someone with the power confirms it."""
    if h.level != "major":
        return "一般隐患"
    return "待确认重大隐患" if pending(h) else "重大隐患"


def confirmed_at_raise(actor, level: str) -> bool:
    """An office or department user raising a major hazard confirms it by doing so."""
    return level == "major" and getattr(actor, "role", None) in (
        Role.STREET,
        Role.DISTRICT,
        Role.DEPARTMENT,
    )


def check_actor(h: Hazard, action: str, actor) -> None:
    """Preconditions of the major-hazard steps on the hazard as it is (409) and the actor (403)."""
    if (
        action
        in (
            "confirm_major",
            "downgrade_major",
            "submit_plan",
            "accept_plan",
            "return_plan",
            "record_acceptance",
            "supervise",
        )
        and h.level != "major"
    ):
        raise MajorRuleError("该隐患不是重大隐患。", status=409)
    if action == "confirm_major" and not pending(h):
        raise MajorRuleError("该重大隐患已确认。", status=409)
    if action == "downgrade_major" and h.supervised:
        raise MajorRuleError("已挂牌督办的重大隐患不能降级。", status=409)
    if action == "supervise" and pending(h):
        raise MajorRuleError("待确认的重大隐患须先确认，才能挂牌督办。", status=409)
    if action == "submit_plan" and h.plan_status in ("submitted", "accepted"):
        raise MajorRuleError(
            "治理方案已提交"
            + ("，正在审查。" if h.plan_status == "submitted" else "并已通过审查。"),
            status=409,
        )
    if action in ("accept_plan", "return_plan") and h.plan_status != "submitted":
        raise MajorRuleError("没有待审查的治理方案。", status=409)
    if action == "record_acceptance" and h.acceptance_uuid is not None:
        raise MajorRuleError("本轮整改已有销号验收记录。", status=409)


def check_closure(h: Hazard) -> None:
    """A major hazard closes only when confirmed, with an accepted 治理方案 and a 销号 acceptance record (409)."""
    if h.level != "major":
        return
    missing = []
    if pending(h):
        missing.append("确认为重大隐患（或降为一般隐患）")
    if h.plan_status != "accepted":
        missing.append("治理方案审查通过")
    if h.acceptance_uuid is None:
        missing.append("销号验收记录（验收人员、日期和证据）")
    if missing:
        raise MajorRuleError("重大隐患销号前须有：" + "；".join(missing) + "。", status=409)


def _text(value, what: str, errors: list[str], *, required: bool = True) -> str:
    text = " ".join(str(value or "").split()) if what == "验收人员" else str(value or "").strip()
    if required and not text:
        errors.append(f"请填写{what}")
    elif len(text) > TEXT_MAX:
        errors.append(f"{what}不能超过 {TEXT_MAX} 字")
    return text


def check_input(
    h: Hazard, action: str, *, actor, note: str, photos: list[str], data: dict, now: datetime
) -> dict:
    """What each step must carry (422), cleaned; returned for `apply`."""
    errors: list[str] = []
    clean: dict = {}
    if action == "downgrade_major" and not note:
        errors.append("降为一般隐患须说明理由")
    if action == "return_plan" and not note:
        errors.append("退回治理方案须说明理由")
    if action == "submit_plan":
        plan = data.get("plan") if isinstance(data.get("plan"), dict) else {}
        for key, label in PLAN_FIELDS.items():
            clean[key] = _text(plan.get(key), label, errors)
        for key, label in REPORT_FIELDS.items():
            clean[key] = _text(plan.get(key), label, errors, required=False)
        clean["attachments"] = _attachments(data.get("attachments"), errors)
    if action == "supervise":
        level = data.get("supervision_level")
        allowed = LEVELS_BY_ROLE.get(actor.role, ())
        if level not in SUPERVISION_LEVELS:
            errors.append("请选择督办级别（街道或区）")
        elif level not in allowed:
            errors.append(f"您只能以{'或'.join(SUPERVISION_LEVELS[x] for x in allowed)}级挂牌督办")
        clean["supervision_level"] = level
        clean["supervisor"] = _text(data.get("supervisor"), "督办人", errors)[:60]
    if action == "record_acceptance":
        clean["accepted_by"] = _text(data.get("accepted_by"), "验收人员", errors)[:200]
        on = data.get("accepted_on")
        on = on if isinstance(on, date) else _parse_day(on)
        if on is None:
            errors.append("请填写验收日期（YYYY-MM-DD）")
        elif on > local_today(now) or on < local_today(h.raised_at):
            errors.append("验收日期应在隐患发现之后、今天或以前")
        clean["accepted_on"] = on
        clean["attachments"] = _attachments(data.get("attachments"), errors)
        if not photos and not clean["attachments"]:
            errors.append("销号验收须附证据：验收照片或验收报告等文件")
    if errors:
        raise MajorRuleError("；".join(errors) + "。", status=422, errors=errors)
    return clean


def _parse_day(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _attachments(value, errors: list[str]) -> list[str]:
    shas = list(dict.fromkeys(value or []))
    if not shas:
        return []
    held = set(db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(shas))))
    if len(held) != len(shas):
        errors.append("附件尚未上传到服务器")
    return shas


def apply(
    h: Hazard, action: str, *, actor, now: datetime, event_uuid: str, note: str, clean: dict
) -> tuple[dict, dict]:
    """The column changes and the event's data for one step (the caller writes them)."""
    changes: dict = {}
    event: dict = {}
    if action == "confirm_major":
        changes.update(major_confirmed_by=actor.id, major_confirmed_at=now)
    elif action == "downgrade_major":
        changes.update(
            level="general",
            level_reason=note,
            major_confirmed_by=None,
            major_confirmed_at=None,
            plan_status=None,
            acceptance_uuid=None,
        )
        event.update(old="major", new="general", was_confirmed=h.major_confirmed_at is not None)
    elif action == "submit_plan":
        changes["plan_status"] = "submitted"
        event["plan"] = {k: clean[k] for k in (*PLAN_FIELDS, *REPORT_FIELDS)}
        event["attachments"] = clean["attachments"]
    elif action in ("accept_plan", "return_plan"):
        changes["plan_status"] = "accepted" if action == "accept_plan" else "returned"
        event["plan"] = current_plan_uuid(h)
    elif action == "supervise":
        changes.update(supervision_level=clean["supervision_level"], supervisor=clean["supervisor"])
        event.update(level=clean["supervision_level"], supervisor=clean["supervisor"])
    elif action == "record_acceptance":
        changes["acceptance_uuid"] = event_uuid
        event.update(
            accepted_by=clean["accepted_by"],
            accepted_on=clean["accepted_on"],
            attachments=clean["attachments"],
        )
    return changes, event


def record(
    h: Hazard,
    action: str,
    *,
    actor,
    now: datetime,
    event_uuid: str,
    note: str,
    photos: list[str],
    clean: dict,
) -> None:
    """Write the plan or acceptance row a step creates, after the hazard's compare-and-set won."""
    from . import attachments

    if action == "submit_plan":
        db.session.add(
            HazardPlan(
                uuid=event_uuid,
                hazard_uuid=h.uuid,
                submitted_by=actor.id,
                submitted_at=now,
                status="submitted",
                **{k: clean[k] for k in (*PLAN_FIELDS, *REPORT_FIELDS, "attachments")},
            )
        )
        attachments.refer(
            clean["attachments"],
            enterprise_id=h.enterprise_id,
            object_type="plan",
            object_id=event_uuid,
            now=now,
        )
    elif action in ("accept_plan", "return_plan"):
        plan = db.session.get(HazardPlan, current_plan_uuid(h))
        plan.status = "accepted" if action == "accept_plan" else "returned"
        plan.decided_by, plan.decided_at, plan.decision_note = actor.id, now, note
    elif action == "record_acceptance":
        db.session.add(
            HazardAcceptance(
                uuid=event_uuid,
                hazard_uuid=h.uuid,
                accepted_by=clean["accepted_by"],
                accepted_on=clean["accepted_on"],
                photos=list(photos),
                attachments=clean["attachments"],
                note=note,
                recorded_by=actor.id,
                recorded_at=now,
            )
        )
        attachments.refer(
            clean["attachments"],
            enterprise_id=h.enterprise_id,
            object_type="acceptance",
            object_id=event_uuid,
            now=now,
        )
    db.session.flush()


def current_plan_uuid(h: Hazard) -> str | None:
    return db.session.scalar(
        select(HazardPlan.uuid)
        .where(HazardPlan.hazard_uuid == h.uuid)
        .order_by(HazardPlan.submitted_at.desc(), HazardPlan.uuid)
        .limit(1)
    )


def plans(h: Hazard) -> list[HazardPlan]:
    """Every 治理方案 submitted for the hazard, newest first."""
    return list(
        db.session.scalars(
            select(HazardPlan)
            .where(HazardPlan.hazard_uuid == h.uuid)
            .order_by(HazardPlan.submitted_at.desc(), HazardPlan.uuid)
        )
    )


def acceptances(h: Hazard) -> list[HazardAcceptance]:
    return list(
        db.session.scalars(
            select(HazardAcceptance)
            .where(HazardAcceptance.hazard_uuid == h.uuid)
            .order_by(HazardAcceptance.recorded_at.desc())
        )
    )
