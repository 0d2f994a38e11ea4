"""Standardization (安全生产标准化) reviews and self-assessments, and star grades (星级管理)."""

from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime, timedelta

from sqlalchemy import select

from . import audit, settings
from .clock import local_today
from .enterprises import set_fields
from .errors import DomainError
from .extensions import db
from .models import Enterprise, StandardizationRecord, StarRating

REVIEW_LEVELS = {
    "level1": "一级",
    "level2": "二级",
    "level3": "三级",
    "micro_pass": "小微达标不定级",
}
ORGANIZERS = {
    "national": "国家级（应急管理部）",
    "province": "省级",
    "city": "市级",
    "district": "区级",
    "street": "街道级",
}
# Who organises each review (应急〔2021〕83号 定级办法; domain facts §5.2): 一级 the Ministry, 二级 the
# province, 三级 the city or the county as the province decides; a small or micro firm's pass
# without a grade (达标不定级, Quanzhou practice) is confirmed locally. A street office grades no one.
ORGANIZERS_BY_LEVEL = {
    "level1": ("national",),
    "level2": ("province",),
    "level3": ("city", "district"),
    "micro_pass": ("city", "district", "street"),
}
RESULTS = {"pass": "通过", "fail": "未通过"}
VALIDITY_YEARS = 3  # domain facts §5.2 (M): a grade holds three years, then a re-review
SELF_ASSESSMENT_MONTHS = 12  # GB/T 33000 5.8 (M): at least once a year


class StandardizationError(DomainError):
    """A record that cannot be taken, with a Chinese reason."""


def current_status(enterprise_id: int, today: date) -> str:
    """The status the records give today: a valid passed review, else a recent self-assessment, else none."""
    rows = db.session.scalars(
        select(StandardizationRecord)
        .where(
            StandardizationRecord.enterprise_id == enterprise_id,
            StandardizationRecord.result == "pass",
            StandardizationRecord.on <= today,
        )
        .order_by(StandardizationRecord.on.desc())
    ).all()
    for r in rows:
        if r.kind == "review" and (r.valid_until is None or r.valid_until >= today):
            return r.level
    for r in rows:
        if r.kind == "self_assessment" and r.on >= today - timedelta(
            days=30 * SELF_ASSESSMENT_MONTHS
        ):
            return "self_assessed"
    return "none"


def record(
    ent: Enterprise,
    *,
    kind: str,
    level: str | None,
    result: str,
    on: date,
    valid_until: date | None,
    organizer: str | None,
    note: str,
    actor,
    now: datetime,
) -> StandardizationRecord:
    """Record a review or self-assessment and update the premises' status from the records."""
    if kind not in ("review", "self_assessment"):
        raise StandardizationError("请选择定级评审或自评")
    if result not in RESULTS:
        raise StandardizationError("请选择结果")
    if on > local_today(now):
        raise StandardizationError("日期不能晚于今天")
    if kind == "review":
        if level not in REVIEW_LEVELS:
            raise StandardizationError("请选择评审等级")
        if organizer not in ORGANIZERS:
            raise StandardizationError("请选择组织评审的层级")
        if organizer not in ORGANIZERS_BY_LEVEL[level]:
            allowed = "或".join(ORGANIZERS[o] for o in ORGANIZERS_BY_LEVEL[level])
            raise StandardizationError(
                f"{REVIEW_LEVELS[level]}由{allowed}组织评审，不能由{ORGANIZERS[organizer]}组织，请重新选择"
            )
        if result == "pass" and valid_until is None:
            valid_until = (
                on.replace(year=on.year + VALIDITY_YEARS)
                if not (on.month == 2 and on.day == 29)
                else on + timedelta(days=365 * VALIDITY_YEARS)
            )
        if valid_until is not None and valid_until <= on:
            raise StandardizationError("有效期须晚于评审日期")
    else:
        level, organizer, valid_until = "self_assessed", None, None
    # A renewal (复评、换证、升级): the premises held a grade already, by an earlier passed review or
    # by the register (imported from the district's platform); annex 1 counts only new ones.
    renewal = (
        kind == "review"
        and result == "pass"
        and (
            ent.standardization in REVIEW_LEVELS
            or db.session.scalar(
                select(StandardizationRecord.id)
                .where(
                    StandardizationRecord.enterprise_id == ent.id,
                    StandardizationRecord.kind == "review",
                    StandardizationRecord.result == "pass",
                    StandardizationRecord.on < on,
                )
                .limit(1)
            )
            is not None
        )
    )
    row = StandardizationRecord(
        enterprise_id=ent.id,
        kind=kind,
        level=level,
        result=result,
        on=on,
        valid_until=valid_until,
        organizer=organizer,
        note=(note or "").strip(),
        recorded_by=actor.id,
        recorded_at=now,
        renewal=renewal,
    )
    db.session.add(row)
    db.session.flush()
    set_fields(
        ent, {"standardization": current_status(ent.id, local_today(now))}, actor=actor, now=now
    )
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="campaign",
        object_id=str(ent.id),
        enterprise_id=ent.id,
        action={"review": "std_review", "self_assessment": "std_self_assessment"}[kind],
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"level": level, "result": result, "on": on.isoformat(), "organizer": organizer},
    )
    return row


def refresh_lapsed(now: datetime) -> list[tuple[int, str, str]]:
    """Bring every premises' status in line with its records today (a review expired, a self-assessment too old).

    Run daily (`fieldapp campaign refresh`): a lapsed status must not keep the longer
    visit interval of a standardized premises. Returns (enterprise id, old, new) per change.
    """
    today = local_today(now)
    changed = []
    # Only premises with records: a status imported from the district register has no dates to lapse by.
    has_records = (
        select(StandardizationRecord.id)
        .where(StandardizationRecord.enterprise_id == Enterprise.id)
        .exists()
    )
    stmt = (
        select(Enterprise)
        .where(Enterprise.standardization != "none", has_records)
        .order_by(Enterprise.id)
    )
    for ent in db.session.scalars(stmt):
        status = current_status(ent.id, today)
        if status != ent.standardization:
            changed.append((ent.id, ent.standardization, status))
            set_fields(
                ent, {"standardization": status}, actor=None, now=now, label="系统（有效期届满）"
            )
    return changed


def suggested_stars(standardization: str) -> int:
    return int(settings.get("star_ladder").get(standardization, 1))


def rate(ent: Enterprise, *, stars: int, reason: str, actor, now: datetime) -> StarRating:
    """Set the star grade; a grade other than the ladder's needs a reason."""
    if stars not in range(1, 6):
        raise StandardizationError("星级应为 1 至 5")
    suggested = suggested_stars(ent.standardization)
    reason = (reason or "").strip()
    if stars != suggested and not reason:
        raise StandardizationError(f"与按标准化状态建议的 {suggested} 星不同，须说明理由")
    row = StarRating(
        enterprise_id=ent.id,
        stars=stars,
        suggested=suggested,
        reason=reason,
        decided_by=actor.id,
        decided_at=now,
    )
    db.session.add(row)
    set_fields(ent, {"stars": stars}, actor=actor, now=now)
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="campaign",
        object_id=str(ent.id),
        enterprise_id=ent.id,
        action="stars_rated",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"stars": stars, "suggested": suggested, "reason": reason},
    )
    return row


def records(enterprise_id: int) -> list[StandardizationRecord]:
    return list(
        db.session.scalars(
            select(StandardizationRecord)
            .where(StandardizationRecord.enterprise_id == enterprise_id)
            .order_by(StandardizationRecord.on.desc(), StandardizationRecord.id.desc())
        )
    )


def star_history(enterprise_id: int) -> list[StarRating]:
    return list(
        db.session.scalars(
            select(StarRating)
            .where(StarRating.enterprise_id == enterprise_id)
            .order_by(StarRating.decided_at.desc())
        )
    )
