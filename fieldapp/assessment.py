"""A street's annual assessment (年度考评): targets met, filings on time, and the closed loop.

Every figure is read from its own records, as of one instant `as_of` (now, or the
year's end once the year is over), so a past year's assessment stays what it was:

- targets: annex 1's targets and the new additions recorded (`targets.progress`);
- plan filings: each of the year's requirements for the street, its status as `plan.status`
  reads it, with the receipt of the first filing (sha256, who, when); filings and quarter
  filings count up to `now` (a year's summary is filed after the year);
- quarter filings: the sealed quarterly tables (`QuarterFiling`), version 1 against the
  due day of the plan's table requirement for that quarter (else the 1st of the next
  quarter, 五（五）), with the seal of the latest version;
- closed loop: hazards found at the street's premises in the year. 已整改销号: closed by
  `as_of`; 逾期整改: of those, the rectification (the accepted submission, else the
  closing) came after the deadline (the deadline as extended, if it was); 待复查: submitted,
  not yet closed; 逾期未整改: still 待整改 past the deadline (a 待复查 hazard is never overdue,
  PRODUCT.md §11). Read from the hazards' current records: a hazard closed before `as_of`
  and reopened since counts as not closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from . import plan, plan_filings, quarterly, targets
from .clock import LOCAL_TZ, local_today
from .extensions import db
from .models import Enterprise, Hazard, PlanFiling, PlanRequirement, QuarterFiling, Street
from .phase_targets import streets_in_scope

LOOP_LABELS = {
    "found": "发现隐患",
    "self_found": "其中企业自查",
    "major": "其中重大隐患",
    "closed": "已整改销号",
    "closed_late": "其中逾期整改",
    "awaiting": "已提交整改、待复查",
    "open": "未整改",
    "overdue": "其中逾期未整改",
}


def street_of(actor, street_id: int) -> Street:
    """A street the actor may assess (its own, or any for the district); else 404."""
    street = next((s for s in streets_in_scope(actor) if s.id == street_id), None)
    if street is None:
        raise NotFound()
    return street


@dataclass
class TargetLine:
    key: str
    label: str
    target: int
    actual: int
    renewals: int

    @property
    def met(self) -> bool | None:
        """达标 when the new additions reach the target; None when annex 1 sets none (0)."""
        return self.actual >= self.target if self.target else None


@dataclass
class FilingLine:
    """A plan requirement for the street: its status and the first filing's receipt."""

    req: PlanRequirement
    status: str
    first: PlanFiling | None
    count: int


@dataclass
class QuarterLine:
    quarter: int
    due_on: date
    status: str
    first: QuarterFiling | None  # version 1: when the quarter was filed
    latest: QuarterFiling | None  # the version the roll-up reads
    versions: int


@dataclass
class Loop:
    ids: dict[str, list[str]] = field(default_factory=dict)  # figure key → hazard uuids behind it

    def count(self, key: str) -> int:
        return len(self.ids.get(key, []))

    def rate(self, part: int) -> Decimal | None:
        found = self.count("found")
        return (
            (Decimal(100 * part) / found).quantize(Decimal("0.1"), ROUND_HALF_UP) if found else None
        )

    @property
    def rectification_rate(self) -> Decimal | None:
        """整改率: closed by the date / found in the year, in percent."""
        return self.rate(self.count("closed"))

    @property
    def on_time_rate(self) -> Decimal | None:
        """按期整改率: closed, and rectified by its deadline / found."""
        return self.rate(self.count("closed") - self.count("closed_late"))


@dataclass
class Assessment:
    street: Street
    year: int
    as_of: datetime
    year_over: bool
    targets: list[TargetLine]
    filings: list[FilingLine]
    quarters: list[QuarterLine]
    loop: Loop

    def tally(self, lines) -> dict[str, int]:
        out = dict.fromkeys(plan.STATUS, 0)
        for line in lines:
            out[line.status] += 1
        return out

    @property
    def targets_met(self) -> tuple[int, int]:
        judged = [t for t in self.targets if t.met is not None]
        return sum(1 for t in judged if t.met), len(judged)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime.combine(date(year, 1, 1), time(), LOCAL_TZ)
    return start, datetime.combine(date(year + 1, 1, 1), time(), LOCAL_TZ)


def assess(actor, street_id: int, year: int, *, now: datetime) -> Assessment:
    """The street's assessment for a year, as of now (or the year's end, once it is over)."""
    street = street_of(actor, street_id)
    start, end = year_bounds(year)
    as_of = min(now, end)
    return Assessment(
        street,
        year,
        as_of,
        now >= end,
        _targets(street, year, as_of, end),
        _plan_lines(street, year, now),
        _quarter_lines(street, year, now),
        _loop(street, start, as_of),
    )


def _targets(street: Street, year: int, as_of: datetime, end: datetime) -> list[TargetLine]:
    until = date(year, 12, 31) if as_of >= end else local_today(as_of)
    row = targets.progress([street], year, until=until)[0]
    return [TargetLine(i.key, i.label, i.target, i.actual, i.renewals) for i in row.items]


def _plan_lines(street: Street, year: int, now: datetime) -> list[FilingLine]:
    me = plan.street_filer(street)
    today = local_today(now)
    mine = plan_filings.for_filer(me.key, year)
    out = []
    for req in plan.requirements(year):
        if plan.applies(req, me):
            filed = [f for f in mine.get(req.id, []) if f.filed_at <= now]  # what was filed by then
            out.append(
                FilingLine(
                    req,
                    plan.status_on(req.due_on, filed[0].filed_at if filed else None, today),
                    filed[0] if filed else None,
                    len(filed),
                )
            )
    return out


def quarter_due(year: int, quarter: int, reqs: list[PlanRequirement]) -> date:
    """The day a quarter's tables are due: the plan's table requirement for it, else the next quarter's 1st day."""
    period = f"{year}Q{quarter}"
    due = [
        r.due_on
        for r in reqs
        if r.period == period and "table" in (r.forms or []) and r.filers in ("both", "street")
    ]
    return min(due) if due else quarterly.period(year, quarter).end_day


def _quarter_lines(street: Street, year: int, now: datetime) -> list[QuarterLine]:
    unit = quarterly.street_unit(street).code
    today = local_today(now)
    reqs = plan.requirements(year)
    rows = list(
        db.session.scalars(
            select(QuarterFiling)
            .where(
                QuarterFiling.unit == unit,
                QuarterFiling.year == year,
                QuarterFiling.filed_at <= now,
            )
            .order_by(QuarterFiling.quarter, QuarterFiling.version)
        )
    )
    out = []
    for q in (1, 2, 3, 4):
        versions = [f for f in rows if f.quarter == q]
        due = quarter_due(year, q, reqs)
        first = versions[0] if versions else None
        out.append(
            QuarterLine(
                q,
                due,
                plan.status_on(due, first.filed_at if first else None, today),
                first,
                versions[-1] if versions else None,
                len(versions),
            )
        )
    return out


def _loop(street: Street, start: datetime, as_of: datetime) -> Loop:
    day = local_today(
        as_of
    )  # overdue: deadline before the day of as_of (the year's end: 1 January, so 31 December counts)
    loop = Loop({k: [] for k in LOOP_LABELS})
    put = loop.ids.__getitem__
    rows = db.session.execute(
        select(
            Hazard.uuid,
            Hazard.source,
            Hazard.level,
            Hazard.state,
            Hazard.deadline,
            Hazard.submitted_at,
            Hazard.closed_at,
        )
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(
            Enterprise.street_id == street.id, Hazard.raised_at >= start, Hazard.raised_at < as_of
        )
        .order_by(Hazard.raised_at, Hazard.uuid)
    ).all()
    for uuid, source, level, state, deadline, submitted_at, closed_at in rows:
        put("found").append(uuid)
        if source == "self":
            put("self_found").append(uuid)
        if level == "major":
            put("major").append(uuid)
        if closed_at is not None and closed_at < as_of:
            put("closed").append(uuid)
            rectified_at = (
                submitted_at
                if submitted_at is not None and submitted_at <= closed_at
                else closed_at
            )
            if local_today(rectified_at) > deadline:
                put("closed_late").append(uuid)
        elif state != "open" and submitted_at is not None and submitted_at < as_of:
            put("awaiting").append(uuid)
        else:
            put("open").append(uuid)
            if deadline < day:
                put("overdue").append(uuid)
    return loop


def overview(actor, year: int, *, now: datetime) -> list[Assessment]:
    """Every street in the actor's scope, assessed (the district's table of streets)."""
    return [assess(actor, s.id, year, now=now) for s in streets_in_scope(actor)]


PER_PAGE = 100


@dataclass
class HazardPage:
    """The hazards behind one closed-loop figure, a page at a time."""

    street: Street
    year: int
    as_of: datetime
    hazards: list[Hazard]
    total: int
    page: int
    pages: int


def loop_hazards(
    actor, street_id: int, year: int, figure: str, *, now: datetime, page: int = 1
) -> HazardPage:
    """The hazards counted in one figure of the street's closed loop (the same reading as `assess`)."""
    street = street_of(actor, street_id)
    start, end = year_bounds(year)
    as_of = min(now, end)
    uuids = _loop(street, start, as_of).ids.get(figure)
    if uuids is None:
        raise NotFound()
    pages = max(1, -(-len(uuids) // PER_PAGE))
    page = min(max(page, 1), pages)
    chunk = uuids[(page - 1) * PER_PAGE : page * PER_PAGE]
    rows = (
        {h.uuid: h for h in db.session.scalars(select(Hazard).where(Hazard.uuid.in_(chunk)))}
        if chunk
        else {}
    )
    return HazardPage(street, year, as_of, [rows[u] for u in chunk], len(uuids), page, pages)
