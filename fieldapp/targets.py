"""Campaign targets of annex 1 (样板街道, 标杆企业, 评审达标企业, 达标岗位) against what was recorded."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from .extensions import db
from .models import CampaignCase, CampaignTarget, Enterprise, QuarterFigure, StandardizationRecord, Street

KEYS = {"sample_street": "样板街道数（个）", "benchmark": "标杆企业数（家）", "reviewed": "评审达标企业数（家）", "posts": "达标岗位数（个）"}
# Annex 1 of the 2025 plan: the new additions each street is guided to make.
ANNEX1 = {
    "开元街道": (0, 1, 1, 5), "鲤中街道": (0, 1, 1, 5), "海滨街道": (0, 1, 1, 5), "临江街道": (0, 1, 1, 2),
    "金龙街道": (1, 3, 7, 70), "江南街道": (0, 2, 7, 70), "浮桥街道": (0, 2, 4, 40), "常泰街道": (0, 3, 12, 120),
}
POST_COLUMNS = ("post_party", "post_worker", "post_youth", "post_women")


def seed_annex1(year: int, now: datetime) -> int:
    """Load annex 1's numbers as this year's targets where none are set yet."""
    made = 0
    for street in db.session.scalars(select(Street)):
        for key, value in zip(KEYS, ANNEX1.get(street.name, (0, 0, 0, 0)), strict=True):
            if db.session.scalar(select(CampaignTarget.id).where(CampaignTarget.street_id == street.id,
                                                                 CampaignTarget.year == year, CampaignTarget.key == key)) is None:
                db.session.add(CampaignTarget(street_id=street.id, year=year, key=key, target=value, updated_at=now))
                made += 1
    return made


def progress(streets: list[Street], year: int) -> list[dict]:
    """Per street: each target and the actual count recorded this year."""
    lo, hi = date(year, 1, 1), date(year + 1, 1, 1)
    targets = {(t.street_id, t.key): t.target for t in db.session.scalars(select(CampaignTarget).where(CampaignTarget.year == year))}
    ids = [s.id for s in streets]
    cases = {(sid, kind): n for sid, kind, n in db.session.execute(
        select(CampaignCase.street_id, CampaignCase.kind, func.count()).where(
            CampaignCase.street_id.in_(ids), CampaignCase.on >= lo, CampaignCase.on < hi).group_by(CampaignCase.street_id, CampaignCase.kind))}
    reviewed = dict(db.session.execute(
        select(Enterprise.street_id, func.count(func.distinct(StandardizationRecord.enterprise_id)))
        .join(Enterprise, Enterprise.id == StandardizationRecord.enterprise_id)
        .where(StandardizationRecord.kind == "review", StandardizationRecord.result == "pass",
               StandardizationRecord.on >= lo, StandardizationRecord.on < hi, Enterprise.street_id.in_(ids))
        .group_by(Enterprise.street_id)).all())
    posts = {sid: int(v or Decimal(0)) for sid, v in db.session.execute(
        select(QuarterFigure.street_id, func.sum(QuarterFigure.value)).where(
            QuarterFigure.year == year, QuarterFigure.annex == 5, QuarterFigure.column_key.in_(POST_COLUMNS),
            QuarterFigure.street_id.in_(ids)).group_by(QuarterFigure.street_id))}
    rows = []
    for s in streets:
        actual = {"sample_street": cases.get((s.id, "sample_street"), 0), "benchmark": cases.get((s.id, "benchmark"), 0),
                  "reviewed": reviewed.get(s.id, 0), "posts": posts.get(s.id, 0)}
        rows.append({"street": s, "items": [{"key": k, "label": v, "target": targets.get((s.id, k), 0), "actual": actual[k]}
                                            for k, v in KEYS.items()]})
    return rows


def set_target(street: Street, year: int, key: str, value: int, *, actor, now: datetime) -> None:
    if key not in KEYS or not 0 <= value <= 100000:
        raise ValueError("目标数应为 0 至 100000 的整数")
    row = db.session.scalar(select(CampaignTarget).where(CampaignTarget.street_id == street.id, CampaignTarget.year == year,
                                                         CampaignTarget.key == key))
    if row is None:
        db.session.add(CampaignTarget(street_id=street.id, year=year, key=key, target=value, updated_by=actor.id, updated_at=now))
    else:
        row.target, row.updated_by, row.updated_at = value, actor.id, now
