"""Every figure of the quarterly tables, with the rows behind it, read from the records.

A table counts premises, hazards, visits, cases or hand-entered figures per group: the
filer itself, each street or department of a roll-up, or each 九小场所 type (annex 7).
Each fact is read once per table as ids (with the record that qualifies each premises,
where there is one) and tallied in Python against the premises' group, so a figure is
always the number of the ids behind it and a drill-down shows exactly those rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import True_

from . import enforcement_counts, supervision
from .extensions import db
from .models import (
    CampaignCase,
    CampaignLetter,
    Enterprise,
    EnterpriseChange,
    Hazard,
    QuarterFigure,
    RiskAssessment,
    StandardizationRecord,
    StarRating,
    Visit,
    VisitChecklist,
)
from .quarterly import Period

GRADED = ("level1", "level2", "level3")
REVIEWED = GRADED + ("micro_pass",)
FIVE_S = ("sort_unneeded", "set_in_order", "shine_clean", "standardize_5s", "sustain_discipline")
SIX_SIGNAGE = (
    "risk_notice_board",
    "hazard_area_signs",
    "major_hazard_signs",
    "post_safety_points",
    "penalty_results_published",
    "notices_updated_archived",
)
# Campaign measures read from inspections: the checklists that carry them (enterprises walk
# enterprise_gbt33000, 九小场所 venue_duties; 5S and 六有 fit every premises) and their items.
# A premises meets a measure when the latest inspection before the quarter's end that walked
# one of those checklists answered every item "pass" or "na" (不适用 never blocks), at least
# one "pass"; an item left unanswered is not met.
DUTY_LISTS = ("enterprise_gbt33000", "venue_duties")
MEASURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "org": (DUTY_LISTS, ("safety_org",)),
    "responsibility": (DUTY_LISTS, ("responsibility_system",)),
    "full_time": (DUTY_LISTS, ("full_time_officer",)),
    "rescue_team": (DUTY_LISTS, ("emergency_team",)),
    "ledger": (DUTY_LISTS, ("hazard_ledger_closed_loop",)),
    "five_s": (("site_5s_signage",), FIVE_S),
    "six_signage": (("site_5s_signage",), SIX_SIGNAGE),
}
OWN_LISTS = (
    "self"  # the qualifying record of premises whose own lists in this system are closed-loop
)
CHUNK = 500

IdMap = dict  # id -> the record that qualifies it (or None)


class Premises(NamedTuple):
    id: int
    street_id: int
    industry: str
    venue_type: str | None
    size_class: str
    standardization: str
    stars: int | None
    registered: bool  # on the register at the quarter's end: created before it, not closed by then


def _rows(stmt) -> list:
    """Run a SELECT of plain columns through Core: no ORM machinery per row, thousands of rows."""
    return db.session.connection().execute(stmt).all()


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _closed_at(ids: list[int]) -> dict[int, datetime]:
    """When each of these closed premises was taken off the register (its last change to inactive).

    A past quarter's tables count a premises that closed after the quarter ended: it was
    on the register then. One with no recorded change is taken as closed all along.
    """
    out: dict[int, datetime] = {}
    for chunk in _chunks(ids, 500):
        for eid, at, changes in _rows(
            select(EnterpriseChange.enterprise_id, EnterpriseChange.at, EnterpriseChange.changes)
            .where(EnterpriseChange.enterprise_id.in_(chunk))
            .order_by(EnterpriseChange.at)
        ):
            active = (changes or {}).get("active")
            if isinstance(active, list) and len(active) == 2 and active[1] is False:
                out[eid] = at
            elif isinstance(active, list) and len(active) == 2 and active[1] is True:
                out.pop(eid, None)
    return out


def _memo(method):
    """Read a fact once per table (a roll-up tallies the same facts by street and by department)."""

    def wrapped(self, *args, **kwargs):
        key = (method.__name__, args, tuple(sorted(kwargs.items())))
        if key not in self._memo:
            self._memo[key] = method(self, *args, **kwargs)
        return self._memo[key]

    wrapped.__name__ = method.__name__
    wrapped.__doc__ = method.__doc__
    return wrapped


class Facts:
    """The records one table reads, fetched once; `key` maps a premises to its group (None: not counted)."""

    def __init__(
        self,
        p: Period,
        since: datetime,
        clause,
        key: Callable[[Premises], object],
        *,
        venues: bool = False,
    ):
        self.p, self.since, self.clause = p, since, clause
        where = [clause] + ([Enterprise.venue_type.is_not(None)] if venues else [])
        self.where = and_(*where)
        rows = _rows(
            select(
                Enterprise.id,
                Enterprise.street_id,
                Enterprise.industry,
                Enterprise.venue_type,
                Enterprise.size_class,
                Enterprise.standardization,
                Enterprise.stars,
                Enterprise.active,
                # Compared here: 50,000 timestamps converted to be compared once cost 0.2 s.
                (Enterprise.created_at < p.end).label("before_end"),
            ).where(self.where)
        )
        closed = _closed_at([r[0] for r in rows if not r[7]])
        self.ents = {
            i: Premises(
                i,
                s,
                ind,
                v,
                size,
                std,
                st,
                bool(before_end) and (bool(active) or (i in closed and closed[i] >= p.end)),
            )
            for i, s, ind, v, size, std, st, active, before_end in rows
        }
        # Hazards and visits count for every premises of the group (also one closed since);
        # premises-counting columns count the registered ones only.
        self.units = {i: e for i, e in self.ents.items() if e.registered}
        self._memo: dict = {}
        self._group(key)

    def _group(self, key) -> None:
        self.key = key
        self.group_of = {i: g for i, e in self.ents.items() if (g := key(e)) is not None}
        # The registered premises that fall in a group: what premises-counting columns count.
        self.counted = {i: g for i, g in self.group_of.items() if i in self.units}

    def regroup(self, key: Callable[[Premises], object]) -> Facts:
        """The same facts, tallied by another grouping."""
        other = object.__new__(Facts)
        other.__dict__.update(self.__dict__)
        other._group(key)
        return other

    # -- tallying ------------------------------------------------------------------------

    def premises(
        self, found: dict[int, object], where: Callable[[Premises], bool] | None = None
    ) -> dict:
        """Registered premises among `found` (id → record) per group."""
        out: dict = defaultdict(dict)
        counted, units = self.counted, self.units
        for eid, via in found.items():
            g = counted.get(eid)
            if g is not None and (where is None or where(units[eid])):
                out[g][eid] = via
        return out

    def all_premises(self, where: Callable[[Premises], bool] | None = None) -> dict:
        return self.premises(dict.fromkeys(self.counted), where)

    def by_premises_of(self, rows: Iterable[tuple]) -> dict:
        """(id, enterprise id) rows per group of their premises (any premises of the table, registered or not)."""
        out: dict = defaultdict(dict)
        for rid, eid in rows:
            group = self.group_of.get(eid)
            if group is not None:
                out[group][rid] = None
        return out

    # -- inspections ---------------------------------------------------------------------

    @_memo
    def measures(self) -> dict[str, dict[int, str]]:
        """Premises meeting each campaign measure: {measure: {premises id: the visit that showed it}}."""
        p, vc = self.p, VisitChecklist
        checklists = sorted({c for lists, _ in MEASURES.values() for c in lists})
        prior = aliased(VisitChecklist)

        def latest(cid):
            return (
                select(prior.visit_uuid)
                .where(
                    prior.checklist_id == cid,
                    prior.enterprise_id == Enterprise.id,
                    prior.finished_at >= self.since,
                    prior.finished_at < p.end,
                )
                .order_by(prior.finished_at.desc(), prior.visit_uuid.desc())
                .limit(1)
                .correlate(Enterprise)
                .scalar_subquery()
            )

        # Each premises' latest inspection with each checklist, read with the items it passed
        # and found 不适用: one index seek and one row per premises and checklist. (A join on the
        # subquery made SQLite scan every row for each premises.)
        latest_by: dict[str, dict[int, tuple]] = {}
        for c in checklists:
            found = _rows(
                select(
                    vc.enterprise_id,
                    vc.visit_uuid,
                    vc.finished_at,
                    cast(vc.passed, String),
                    cast(vc.not_applicable, String),
                ).where(
                    vc.checklist_id == c,
                    vc.visit_uuid.in_(select(latest(c)).select_from(Enterprise).where(self.where)),
                )
            )
            latest_by[c] = {
                eid: (finished, vid, c, passed, na)
                for eid, vid, finished, passed, na in found
                if eid in self.units
            }
        # Per group of checklists, each premises' latest inspection with any of them.
        latest: dict[tuple[str, ...], dict[int, tuple]] = {}
        for lists in {lists for lists, _ in MEASURES.values()}:
            pick: dict[int, tuple] = {}
            for c in lists:
                for eid, row in latest_by[c].items():
                    seen = pick.get(eid)
                    if seen is None or row[:3] > seen[:3]:
                        pick[eid] = row
            latest[lists] = pick
        out: dict[str, dict[int, str]] = {m: {} for m in MEASURES}
        for m, (lists, keys) in MEASURES.items():
            met = out[m]
            # The item lists are read as JSON text, and an item is in one when its quoted key
            # is (keys are plain identifiers): 10,000 rows decoded cost more than the query.
            quoted = [f'"{k}"' for k in keys]
            for eid, (_, vid, _, passed, na) in latest[lists].items():
                if all(q in passed or q in na for q in quoted) and any(q in passed for q in quoted):
                    met[eid] = vid
        return out

    def visits_this_year(self) -> dict:
        return self.by_premises_of(self._visits())

    @_memo
    def _visits(self) -> list:
        p = self.p
        # Routine inspections only: 督导帮扶 visits are counted apart (fieldapp.supervision). A
        # correction of an earlier record (amends) is that inspection again, not another one.
        return _rows(
            select(Visit.uuid, Visit.enterprise_id).where(
                Visit.finished_at >= p.year_start,
                Visit.finished_at < p.end,
                Visit.enterprise_id.in_(select(Enterprise.id).where(self.where)),
                Visit.amends.is_(None),
                supervision.routine_clause(),
            )
        )

    # -- hazards -------------------------------------------------------------------------

    def hazards(self, *, self_found: bool, closed: bool) -> dict:
        """Hazards found this year (or closed this year), by the enterprise itself or by inspectors."""
        return self.by_premises_of(self._hazards(closed, self_found))

    def _small_share(self) -> bool:
        """Whether the table's premises are under a quarter of the register."""
        if isinstance(self.clause, True_):
            return False
        return len(self.ents) * 4 < (db.session.scalar(select(func.count(Enterprise.id))) or 0)

    @_memo
    def _hazards(self, closed: bool, self_found: bool) -> list:
        p = self.p
        at = Hazard.closed_at if closed else Hazard.raised_at
        # The source is asked of the database: annex 4 counts only the enterprises' own
        # finds, a few thousand of the year's hazards; fetching all 250,000 to keep those
        # cost the district's annex 4 about a second at city scale.
        stmt = select(Hazard.uuid, Hazard.enterprise_id).where(
            at >= p.year_start,
            at < p.end,
            Hazard.source == "self" if self_found else Hazard.source != "self",
        )
        if self._small_share():
            # A street's or a department's table reads its own premises' hazards (per
            # premises, by ix_hazards_enterprise_state: 6 ms against 54 ms for the
            # district's year at 10,000 premises). A table of most premises (the district,
            # its roll-up, annex 7's venues) reads the time range from its covering index:
            # per premises it took 3.6 s at city scale.
            stmt = stmt.where(Hazard.enterprise_id.in_(select(Enterprise.id).where(self.clause)))
        return _rows(stmt)

    @_memo
    def own_lists_closed_loop(self) -> dict[int, str]:
        """Premises whose own three lists exist here (self-found hazards since the rolling start)
        and hold nothing overdue at the quarter's end (待整改 past its deadline)."""
        p = self.p
        own = {
            eid
            for (eid,) in _rows(
                select(Hazard.enterprise_id)
                .where(
                    Hazard.source == "self",
                    Hazard.raised_at >= self.since,
                    Hazard.raised_at < p.end,
                )
                .distinct()
            )
        }
        # Still 待整改 at the end: not closed by then, and not submitted and awaiting recheck then.
        # No DISTINCT: it made SQLite walk every hazard in premises order instead of the
        # self-found ones by ix_hazards_source_raised.
        overdue = {
            eid
            for (eid,) in _rows(
                select(Hazard.enterprise_id).where(
                    Hazard.source == "self",
                    Hazard.raised_at < p.end,
                    Hazard.deadline < p.end_day,
                    or_(Hazard.closed_at.is_(None), Hazard.closed_at >= p.end),
                    ~and_(Hazard.state == "rectified", Hazard.submitted_at < p.end),
                )
            )
        }
        return dict.fromkeys(own - overdue, OWN_LISTS)

    # -- campaign records ----------------------------------------------------------------

    @_memo
    def assessed(self) -> dict[int, tuple[int, str]]:
        """Each premises' latest four-colour decision in [rolling start, quarter's end): (record id, colour)."""
        p = self.p
        ranked = (
            select(
                RiskAssessment.id,
                RiskAssessment.enterprise_id,
                RiskAssessment.color,
                func.row_number()
                .over(
                    partition_by=RiskAssessment.enterprise_id,
                    order_by=(RiskAssessment.decided_at.desc(), RiskAssessment.id.desc()),
                )
                .label("rn"),
            )
            .where(RiskAssessment.decided_at >= self.since, RiskAssessment.decided_at < p.end)
            .subquery()
        )
        return {
            eid: (rid, color)
            for rid, eid, color in _rows(
                select(ranked.c.id, ranked.c.enterprise_id, ranked.c.color).where(ranked.c.rn == 1)
            )
            if eid in self.units
        }

    @_memo
    def status(self) -> dict[int, tuple[str, int | None]]:
        """Each registered premises' standardization at the quarter's end, and the record that gives it.

        From its records: a valid passed review held since the table's rolling start, else a
        passed self-assessment within the last 12 months, else none. Premises without any
        record keep the register's status (imported from the district's platform).
        """
        end_day = self.p.end_day
        since_day = self.since.date()
        recent = date(end_day.year - 1, end_day.month, 1)
        S = StandardizationRecord
        recorded = {
            eid for (eid,) in _rows(select(S.enterprise_id).distinct()) if eid in self.units
        }
        review: dict[int, tuple[str, int]] = {}
        self_ok: dict[int, int] = {}
        # Only the records that can give a status are read (a passed review valid at the end
        # and held since the rolling start, or a passed self-assessment of the last 12
        # months), newest first; any record at all says the register's status is superseded.
        for rid, eid, kind, level in _rows(
            select(S.id, S.enterprise_id, S.kind, S.level)
            .where(
                S.result == "pass",
                S.on < end_day,
                or_(
                    and_(
                        S.kind == "review",
                        S.on >= since_day,
                        or_(S.valid_until.is_(None), S.valid_until >= end_day),
                    ),
                    and_(S.kind == "self_assessment", S.on >= recent),
                ),
            )
            .order_by(S.on.desc(), S.id.desc())
        ):
            if eid not in self.units:
                continue
            if kind == "review":
                review.setdefault(eid, (level, rid))  # the latest valid review
            else:
                self_ok.setdefault(eid, rid)
        out = {}
        for eid, u in self.units.items():
            if eid in review:
                out[eid] = review[eid]
            elif eid in self_ok:
                out[eid] = ("self_assessed", self_ok[eid])
            elif eid in recorded:
                out[eid] = ("none", None)
            else:
                out[eid] = (u.standardization, None)
        return out

    @_memo
    def stars(self, since: datetime) -> dict[int, tuple[int | None, int | None]]:
        """Each registered premises' stars at the quarter's end (rated since `since`), and the rating; else the register's."""
        p = self.p
        rated: dict[int, tuple[int | None, int | None]] = {}
        # The latest rating inside the window; a premises rated only outside it (before, or
        # after the quarter's end) has no stars (yet). Filtered here, not by reading every
        # rating's time (0.3 s at city scale).
        for rid, eid, stars in _rows(
            select(StarRating.id, StarRating.enterprise_id, StarRating.stars)
            .where(StarRating.decided_at >= since, StarRating.decided_at < p.end)
            .order_by(StarRating.decided_at.desc(), StarRating.id.desc())
        ):
            if eid in self.units:
                rated.setdefault(eid, (stars, rid))
        for (eid,) in _rows(select(StarRating.enterprise_id).distinct()):
            if eid in self.units:
                rated.setdefault(eid, (None, None))
        return {eid: rated.get(eid, (u.stars, None)) for eid, u in self.units.items()}

    @_memo
    def self_assessments_this_year(self) -> dict[int, int]:
        p = self.p
        return {
            eid: rid
            for rid, eid in _rows(
                select(StandardizationRecord.id, StandardizationRecord.enterprise_id).where(
                    StandardizationRecord.kind == "self_assessment",
                    StandardizationRecord.result == "pass",
                    StandardizationRecord.on >= p.year_start.date(),
                    StandardizationRecord.on < p.end_day,
                )
            )
        }

    @_memo
    def reviews_this_year(self) -> dict[str, dict[int, int]]:
        """Premises that passed a review this year, per organizing level: {level: {premises: record}}."""
        p = self.p
        out: dict[str, dict[int, int]] = defaultdict(dict)
        for rid, eid, organizer in _rows(
            select(
                StandardizationRecord.id,
                StandardizationRecord.enterprise_id,
                StandardizationRecord.organizer,
            )
            .where(
                StandardizationRecord.kind == "review",
                StandardizationRecord.result == "pass",
                StandardizationRecord.on >= p.year_start.date(),
                StandardizationRecord.on < p.end_day,
            )
            .order_by(StandardizationRecord.on, StandardizationRecord.id)
        ):
            out[organizer or ""].setdefault(eid, rid)
        return out

    @_memo
    def letters_this_year(self, kind: str) -> dict[int, int]:
        p = self.p
        return {
            eid: lid
            for lid, eid in _rows(
                select(CampaignLetter.id, CampaignLetter.enterprise_id).where(
                    CampaignLetter.kind == kind,
                    CampaignLetter.done_on >= p.year_start.date(),
                    CampaignLetter.done_on < p.end_day,
                )
            )
        }

    @_memo
    def cases_this_year(self, kind: str) -> list[tuple[int, int | None, int, str]]:
        """(case id, premises id, street id, level) of the cases recognised this year."""
        p = self.p
        return _rows(
            select(
                CampaignCase.id,
                CampaignCase.enterprise_id,
                CampaignCase.street_id,
                CampaignCase.level,
            )
            .where(
                CampaignCase.kind == kind,
                CampaignCase.on >= p.year_start.date(),
                CampaignCase.on < p.end_day,
            )
            .order_by(CampaignCase.id)
        )


def manual_figures(
    p: Period, *, street_ids: list[int] = (), industries: list[str] = (), annex: int
) -> list[tuple]:
    """Hand-entered figures from January to the quarter: (id, street id, industry, row key, column key, value)."""
    whose = []
    if street_ids:
        whose.append(QuarterFigure.street_id.in_(list(street_ids)))
    if industries:
        whose.append(QuarterFigure.industry.in_(list(industries)))
    if not whose:
        return []
    # Annex 7's enforcement columns: typed in only for quarters before the records (fieldapp.enforcement_counts).
    typed = (
        or_(
            QuarterFigure.column_key.not_in(enforcement_counts.COLUMNS),
            QuarterFigure.quarter < enforcement_counts.first_counted_quarter(p.year),
        )
        if annex == 7
        else True
    )
    return _rows(
        select(
            QuarterFigure.id,
            QuarterFigure.street_id,
            QuarterFigure.industry,
            QuarterFigure.row_key,
            QuarterFigure.column_key,
            QuarterFigure.value,
        )
        .where(
            or_(*whose),
            QuarterFigure.year == p.year,
            QuarterFigure.quarter <= p.quarter,
            QuarterFigure.annex == annex,
            typed,
        )
        .order_by(QuarterFigure.id)
    )
