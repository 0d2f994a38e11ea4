"""Campaign targets of annex 1 (样板街道, 标杆企业, 评审达标企业, 达标岗位) against what was recorded.

Annex 1 note 2: the four targets are new additions (新增). A standardization review of
premises that already held a grade (复评、换证、升级) is a renewal and is counted apart;
so is a second benchmark case of the same enterprise, or a second sample case of a street.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from .errors import DomainError
from .extensions import db
from .models import (
    CampaignCase,
    CampaignTarget,
    Enterprise,
    QuarterFigure,
    StandardizationRecord,
    Street,
)

BASE = "base"
# Annex 1's columns after the street: its 底数 and the four new-addition targets.
KEYS = {
    BASE: "生产经营单位底数（家）",
    "sample_street": "样板街道数（个）",
    "benchmark": "标杆企业数（家）",
    "reviewed": "评审达标企业数（家）",
    "posts": "达标岗位数（个）",
}
PROGRESS_KEYS = ("sample_street", "benchmark", "reviewed", "posts")
# Annex 1 of the 2025 plan, per street: 底数 and the guidance numbers of new additions.
ANNEX1 = {
    "开元街道": (52, 0, 1, 1, 5),
    "鲤中街道": (39, 0, 1, 1, 5),
    "海滨街道": (41, 0, 1, 1, 5),
    "临江街道": (12, 0, 1, 1, 2),
    "金龙街道": (239, 1, 3, 7, 70),
    "江南街道": (190, 0, 2, 7, 70),
    "浮桥街道": (123, 0, 2, 4, 40),
    "常泰街道": (395, 0, 3, 12, 120),
}
POST_COLUMNS = ("post_party", "post_worker", "post_youth", "post_women")


class TargetError(DomainError, ValueError):
    """A target that cannot be set."""


def seed_annex1(year: int, now: datetime) -> int:
    """Load annex 1's numbers as this year's targets where none are set yet."""
    made = 0
    for street in db.session.scalars(select(Street)):
        for key, value in zip(KEYS, ANNEX1.get(street.name, (0, 0, 0, 0, 0)), strict=True):
            if (
                db.session.scalar(
                    select(CampaignTarget.id).where(
                        CampaignTarget.street_id == street.id,
                        CampaignTarget.year == year,
                        CampaignTarget.key == key,
                    )
                )
                is None
            ):
                db.session.add(
                    CampaignTarget(
                        street_id=street.id, year=year, key=key, target=value, updated_at=now
                    )
                )
                made += 1
    return made


@dataclass
class Item:
    key: str
    label: str
    target: int
    actual: int
    renewals: int = 0  # recorded this year but not new: counted apart


@dataclass
class StreetRow:
    street: Street | None  # None: the 合计 row
    name: str
    base_target: int  # annex 1's 底数
    base_actual: int  # premises registered now
    items: list[Item] = field(default_factory=list)


def _first_in_year(rows, lo: date, hi: date) -> tuple[dict, dict]:
    """From (street, subject, date) rows: per street, subjects first recorded this year (新增), and those recorded before too."""
    first: dict = {}
    for _, subject, on in rows:
        first[subject] = min(on, first.get(subject, on))
    new: dict = defaultdict(set)
    again: dict = defaultdict(set)
    for street_id, subject, on in rows:
        if lo <= on < hi:
            (new if first[subject] >= lo else again)[street_id].add(subject)
    return {s: len(v) for s, v in new.items()}, {s: len(v) for s, v in again.items()}


def post_quarters(year: int, until: date | None, *, open_quarter: bool) -> list[int]:
    """The quarters whose 达标岗位 figures count by `until`: those ended by then, and (open_quarter) the one running.

    Posts are entered per quarter (annex 5), not dated within it: at a past date only the
    quarters ended by that day count; "so far" also counts what the running quarter holds.
    """
    if until is None:
        return [1, 2, 3, 4]
    out = []
    for q in (1, 2, 3, 4):
        start = date(year, 3 * q - 2, 1)
        end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)  # exclusive
        if end <= until + timedelta(days=1) or (open_quarter and start <= until):
            out.append(q)
    return out


def progress(
    streets: list[Street], year: int, until: date | None = None, *, open_quarter: bool = True
) -> list[StreetRow]:
    """Per street: annex 1's 底数 and targets, and the new additions recorded this year; then the 合计 row.

    With `until`, only what was recorded on or before that day counts (a phase's end, or
    today); the quarterly 达标岗位 figures as `post_quarters` says.
    """
    lo, hi = date(year, 1, 1), date(year + 1, 1, 1)
    if until is not None:
        hi = max(lo, min(hi, until + timedelta(days=1)))
    quarters = post_quarters(year, until, open_quarter=open_quarter)
    ids = [s.id for s in streets]
    targets = {
        (t.street_id, t.key): t.target
        for t in db.session.scalars(
            select(CampaignTarget).where(
                CampaignTarget.year == year, CampaignTarget.street_id.in_(ids)
            )
        )
    }
    registered = dict(
        db.session.execute(
            select(Enterprise.street_id, func.count())
            .where(Enterprise.street_id.in_(ids), Enterprise.active.is_(True))
            .group_by(Enterprise.street_id)
        ).all()
    )
    cases = db.session.execute(
        select(
            CampaignCase.kind, CampaignCase.street_id, CampaignCase.enterprise_id, CampaignCase.on
        ).where(CampaignCase.on < hi)
    ).all()
    samples_new, samples_again = _first_in_year(
        [(s, s, on) for k, s, _, on in cases if k == "sample_street"], lo, hi
    )
    bench_new, bench_again = _first_in_year(
        [(s, e, on) for k, s, e, on in cases if k == "benchmark" and e], lo, hi
    )
    reviewed_new, renewals = _reviews(ids, lo, hi)
    posts = {
        sid: int(v or Decimal(0))
        for sid, v in db.session.execute(
            select(QuarterFigure.street_id, func.sum(QuarterFigure.value))
            .where(
                QuarterFigure.year == year,
                QuarterFigure.quarter.in_(quarters),
                QuarterFigure.annex == 5,
                QuarterFigure.column_key.in_(POST_COLUMNS),
                QuarterFigure.street_id.in_(ids),
            )
            .group_by(QuarterFigure.street_id)
        )
    }
    rows = []
    for s in streets:
        actual = {
            "sample_street": (samples_new.get(s.id, 0), samples_again.get(s.id, 0)),
            "benchmark": (bench_new.get(s.id, 0), bench_again.get(s.id, 0)),
            "reviewed": (reviewed_new.get(s.id, 0), renewals.get(s.id, 0)),
            "posts": (posts.get(s.id, 0), 0),
        }
        rows.append(
            StreetRow(
                s,
                s.name,
                targets.get((s.id, BASE), 0),
                registered.get(s.id, 0),
                [Item(k, KEYS[k], targets.get((s.id, k), 0), *actual[k]) for k in PROGRESS_KEYS],
            )
        )
    if len(rows) > 1:
        rows.append(
            StreetRow(
                None,
                "合计",
                sum(r.base_target for r in rows),
                sum(r.base_actual for r in rows),
                [
                    Item(
                        k,
                        KEYS[k],
                        sum(r.items[n].target for r in rows),
                        sum(r.items[n].actual for r in rows),
                        sum(r.items[n].renewals for r in rows),
                    )
                    for n, k in enumerate(PROGRESS_KEYS)
                ],
            )
        )
    return rows


def _reviews(street_ids: list[int], lo: date, hi: date) -> tuple[dict, dict]:
    """Per street: premises whose first passed review falls this year (新增), and those reviewed again (renewals)."""
    rows = db.session.execute(
        select(
            Enterprise.street_id,
            StandardizationRecord.enterprise_id,
            StandardizationRecord.on,
            StandardizationRecord.renewal,
        )
        .join(Enterprise, Enterprise.id == StandardizationRecord.enterprise_id)
        .where(
            StandardizationRecord.kind == "review",
            StandardizationRecord.result == "pass",
            StandardizationRecord.on < hi,
            Enterprise.street_id.in_(street_ids),
        )
    ).all()
    earliest: dict[int, date] = {}
    marked: set[int] = set()  # recorded as a renewal (the register held a grade already)
    for _, eid, on, renewal in rows:
        earliest[eid] = min(on, earliest.get(eid, on))
        if renewal and lo <= on < hi:
            marked.add(eid)
    new: dict[int, set] = {}
    again: dict[int, set] = {}
    for street_id, eid, on, _ in rows:
        if not lo <= on < hi:
            continue
        if earliest[eid] >= lo and eid not in marked:
            new.setdefault(street_id, set()).add(eid)
        else:
            again.setdefault(street_id, set()).add(eid)
    return {s: len(v) for s, v in new.items()}, {s: len(v) for s, v in again.items()}


def loaded(year: int) -> list[tuple[str, list[int]]]:
    """The targets held for a year, per street in annex 1's order, and the 合计 row."""
    streets = db.session.scalars(select(Street).order_by(Street.id)).all()
    held = {
        (t.street_id, t.key): t.target
        for t in db.session.scalars(select(CampaignTarget).where(CampaignTarget.year == year))
    }
    rows = [(s.name, [held.get((s.id, k), 0) for k in KEYS]) for s in streets]
    return rows + [("合计", [sum(r[1][n] for r in rows) for n in range(len(KEYS))])]


def save_form(streets: list[Street], year: int, form, *, actor, now: datetime) -> None:
    """Set every target the district's form holds ("<street id>.<key>" → a whole number); the caller commits.

    Nothing is set unless every value is good: a bad one raises TargetError naming it.
    """
    values = []
    for s in streets:
        for key in KEYS:
            raw = form.get(f"{s.id}.{key}")
            if raw is None:
                continue
            try:
                value = int(str(raw).strip())
            except ValueError:
                raise TargetError(f"{s.name}“{KEYS[key]}”的目标数应为 0 至 100000 的整数") from None
            if not 0 <= value <= 100000:
                raise TargetError(f"{s.name}“{KEYS[key]}”的目标数应为 0 至 100000 的整数")
            values.append((s, key, value))
    for s, key, value in values:
        set_target(s, year, key, value, actor=actor, now=now)


def set_target(street: Street, year: int, key: str, value: int, *, actor, now: datetime) -> None:
    if key not in KEYS or not 0 <= value <= 100000:
        raise TargetError("目标数应为 0 至 100000 的整数")
    row = db.session.scalar(
        select(CampaignTarget).where(
            CampaignTarget.street_id == street.id,
            CampaignTarget.year == year,
            CampaignTarget.key == key,
        )
    )
    if row is None:
        db.session.add(
            CampaignTarget(
                street_id=street.id,
                year=year,
                key=key,
                target=value,
                updated_by=actor.id,
                updated_at=now,
            )
        )
    else:
        row.target, row.updated_by, row.updated_at = value, actor.id, now
