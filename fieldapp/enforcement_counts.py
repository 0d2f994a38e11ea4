"""Annex 7's enforcement columns (执法激励约束) counted from the records, per filer unit and period.

The columns and what each counts (voided records never count; a record counts in
the period its decision date falls in):

- 行政处罚 场所数量（家次）: 行政处罚 decisions; 隐患数量（条）: distinct hazards they name;
  隐患整改数量（条）: of those, closed before the period's end;
- 罚款 场所数量（家次）: decisions with a fine; 金额（万元）: the fines they impose, the
  responsible person's under 一案双罚 included;
- 责令停产停业整顿, 暂扣或吊销证照, 取缔关闭（家次）: decisions imposing it;
- 移送司法机关（人次）: people referred; 曝光典型案例, 约谈警示, 激励, 约束（家次）: records.

A filer unit is a street (its premises, whoever filed: the annex notes say a street's
figures cover every industry in it), a department (its industry's premises across
the streets) or the district (all). Annex 7 groups by 九小场所 type; premises of no
such type are left out.

For quarters before the system was in use, hand-entered figures (QuarterFigure)
stand instead: `annex7_enforcement` adds them for the quarters that start before
the setting `enforcement_counting.records_from` and counts records from then on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select, true

from . import settings
from .clock import LOCAL_TZ
from .extensions import db
from .models import EnforcementHazard, EnforcementRecord, Enterprise, Hazard, QuarterFigure

COLUMNS = (
    "penalty_places",
    "penalty_hazards",
    "penalty_rectified",
    "fine_places",
    "fine_amount",
    "suspended",
    "licence",
    "closed_down",
    "judicial",
    "exposed",
    "interviewed",
    "incentive",
    "restraint",
)
DECIMAL_COLUMNS = frozenset({"fine_amount"})
# Records of these kinds count one 家次 each in the column named.
PER_RECORD = {
    "exposure": "exposed",
    "interview": "interviewed",
    "incentive": "incentive",
    "restraint": "restraint",
}
# 行政处罚 measures and the column a decision imposing one counts in.
PER_MEASURE = {
    "suspension": "suspended",
    "licence_suspended": "licence",
    "licence_revoked": "licence",
    "closure": "closed_down",
}


@dataclass(frozen=True)
class Filer:
    """Whose figures: a street (or several, for a roll-up), a department's industry, or the whole district."""

    kind: str
    street_ids: tuple[int, ...] = ()
    industry: str | None = None

    @classmethod
    def streets(cls, *street_ids: int) -> Filer:
        return cls("street", tuple(street_ids))

    @classmethod
    def department(cls, industry: str) -> Filer:
        return cls("department", industry=industry)

    @classmethod
    def district(cls) -> Filer:
        return cls("district")

    def clause(self):
        if self.kind == "street":
            return Enterprise.street_id.in_(self.street_ids)
        if self.kind == "department":
            return Enterprise.industry == self.industry
        return true()


def _day(value: date | datetime) -> date:
    return value.astimezone(LOCAL_TZ).date() if isinstance(value, datetime) else value


def _end_instant(end: date | datetime) -> datetime:
    return end if isinstance(end, datetime) else datetime.combine(end, time(), LOCAL_TZ)


def zero() -> dict:
    return {c: (Decimal("0.00") if c in DECIMAL_COLUMNS else 0) for c in COLUMNS}


@dataclass
class Cell:
    """One figure and the rows behind it: record uuids, or hazard uuids for the two hazard columns."""

    value: int | Decimal = 0
    ids: dict = field(
        default_factory=dict
    )  # id -> the premises it counts for (ordered, no duplicates)


HAZARD_COLUMNS = frozenset({"penalty_hazards", "penalty_rectified"})


def tally(start: date | datetime, end: date | datetime, group_of, *, where=()) -> dict:
    """{group: {column: Cell}} for decisions in [start, end); `group_of(premises id)` names a premises' group or None.

    The one place the columns are counted: `counts` keeps the values, the quarterly
    tables (fieldapp.quarterly_rows) the ids behind them too.
    """
    start_day, end_day, end_at = _day(start), _day(end), _end_instant(end)
    base = (
        EnforcementRecord.voided_at.is_(None),
        EnforcementRecord.decided_on >= start_day,
        EnforcementRecord.decided_on < end_day,
        *where,
    )
    conn = db.session.connection()
    out: dict = defaultdict(lambda: defaultdict(Cell))

    def add(g, column, rid, eid, amount=None):
        cell = out[g][column]
        cell.ids.setdefault(rid, eid)
        cell.value += 1 if amount is None else amount

    for rid, eid, kind, measures, fine, person_fine, persons in conn.execute(
        select(
            EnforcementRecord.uuid,
            EnforcementRecord.enterprise_id,
            EnforcementRecord.kind,
            EnforcementRecord.measures,
            EnforcementRecord.fine_wan,
            EnforcementRecord.person_fine_wan,
            EnforcementRecord.persons,
        )
        .join(Enterprise, Enterprise.id == EnforcementRecord.enterprise_id)
        .where(*base)
        .order_by(EnforcementRecord.decided_on, EnforcementRecord.uuid)
    ):
        g = group_of(eid)
        if g is None:
            continue
        if kind in PER_RECORD:
            add(g, PER_RECORD[kind], rid, eid)
        elif kind == "judicial":
            add(g, "judicial", rid, eid, persons or 0)
        elif kind == "penalty":
            measures = set(measures or [])
            add(g, "penalty_places", rid, eid)
            if "fine" in measures:
                add(g, "fine_places", rid, eid)
                add(g, "fine_amount", rid, eid, (fine or Decimal(0)) + (person_fine or Decimal(0)))
            for column in sorted({PER_MEASURE[m] for m in measures if m in PER_MEASURE}):
                add(g, column, rid, eid)
    # Hazards named by penalty decisions: each once per group, rectified if closed by the end.
    for eid, hid, closed_at in conn.execute(
        select(EnforcementRecord.enterprise_id, Hazard.uuid, Hazard.closed_at)
        .select_from(EnforcementHazard)
        .join(EnforcementRecord, EnforcementRecord.uuid == EnforcementHazard.record_uuid)
        .join(Hazard, Hazard.uuid == EnforcementHazard.hazard_uuid)
        .join(Enterprise, Enterprise.id == EnforcementRecord.enterprise_id)
        .where(EnforcementRecord.kind == "penalty", *base)
        .order_by(Hazard.raised_at, Hazard.uuid)
    ):
        g = group_of(eid)
        if g is None or hid in out[g]["penalty_hazards"].ids:
            continue
        add(g, "penalty_hazards", hid, eid)
        if closed_at is not None and closed_at < end_at:
            add(g, "penalty_rectified", hid, eid)
    for cells in out.values():
        if "fine_amount" in cells:
            cells["fine_amount"].value = Decimal(cells["fine_amount"].value).quantize(
                Decimal("0.01")
            )
    return out


def value_of(column: str, ids: list[str]) -> int | Decimal:
    """A figure recomputed from the ids behind it (records, or hazards for the two hazard columns)."""
    if column == "judicial":
        return sum(
            db.session.scalars(
                select(EnforcementRecord.persons).where(EnforcementRecord.uuid.in_(ids))
            ),
            0,
        )
    if column == "fine_amount":
        rows = db.session.execute(
            select(EnforcementRecord.fine_wan, EnforcementRecord.person_fine_wan).where(
                EnforcementRecord.uuid.in_(ids)
            )
        ).all()
        return sum(((a or Decimal(0)) + (b or Decimal(0)) for a, b in rows), Decimal("0.00"))
    return len(set(ids))


def counts(
    filer: Filer, start: date | datetime, end: date | datetime, *, group: str = "venue_type"
) -> dict:
    """Annex 7's enforcement figures per group (九小场所 type by default) for decisions in [start, end).

    `start` and `end` are days, or instants read as days in Asia/Shanghai (a quarterly
    Period's `year_start` and `end`). Groups with nothing are absent; `zero()` fills them.
    """
    key = getattr(Enterprise, group)
    groups = dict(
        db.session.connection()
        .execute(select(Enterprise.id, key).where(key.is_not(None), filer.clause()))
        .all()
    )
    found = tally(start, end, groups.get, where=(filer.clause(),))
    return {
        g: {**zero(), **{c: cell.value for c, cell in cells.items()}} for g, cells in found.items()
    }


def records_from() -> date:
    """The first day the enforcement columns are counted from records, at a quarter's start.

    The setting may name any day; a quarter it falls inside is still typed in whole,
    so records count from the next quarter's first day.
    """
    day = date.fromisoformat(settings.get("enforcement_counting")["records_from"])
    return day if day.day == 1 and day.month in (1, 4, 7, 10) else _next_quarter(day)


def _quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def first_counted_quarter(year: int) -> int:
    """The first quarter of `year` counted from records (1–4), or 5 when the whole year is typed in."""
    since = records_from()
    if since.year < year:
        return 1
    if since.year > year:
        return 5
    return (since.month - 1) // 3 + 1


def hand_entry_allowed(year: int, quarter: int) -> bool:
    """Whether a quarter's enforcement figures are typed in (it began before the records)."""
    return _quarter_start(year, quarter) < records_from()


def annex7_enforcement(street_ids: list[int], year: int, quarter: int) -> dict[str, dict]:
    """Annex 7's enforcement columns for these streets, January to the quarter's end, per 九小场所 type.

    Quarters that began before `records_from` contribute their hand-entered figures
    (QuarterFigure, annex 7); the rest of the span is counted from records.
    """
    start = date(year, 1, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    counted_from = max(start, records_from())
    out: dict = defaultdict(zero)
    if counted_from < end:
        for g, cell in counts(Filer.streets(*street_ids), counted_from, end).items():
            out[g] = cell
    manual_quarters = [q for q in range(1, quarter + 1) if _quarter_start(year, q) < counted_from]
    if manual_quarters:
        for row_key, column, value in db.session.execute(
            select(QuarterFigure.row_key, QuarterFigure.column_key, func.sum(QuarterFigure.value))
            .where(
                QuarterFigure.street_id.in_(street_ids),
                QuarterFigure.year == year,
                QuarterFigure.annex == 7,
                QuarterFigure.quarter.in_(manual_quarters),
                QuarterFigure.column_key.in_(COLUMNS),
            )
            .group_by(QuarterFigure.row_key, QuarterFigure.column_key)
        ):
            value = Decimal(value or 0)
            out[row_key][column] += value if column in DECIMAL_COLUMNS else int(value)
    return dict(out)


def _next_quarter(day: date) -> date:
    """The first day of the quarter after the one `day` falls in."""
    q = (day.month - 1) // 3 + 1
    return date(day.year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
