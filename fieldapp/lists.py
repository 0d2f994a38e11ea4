"""The three lists (三张清单) from the data: 隐患排查清单, 整改清单, 销号清单.

Read here (domain facts §1.3, lifecycle reading) as: what was checked and found;
the hazards to rectify with measure, owner and deadline; the verified closures.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, String, cast, func, literal, literal_column, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import True_

from . import hazards, people, scope
from .clock import LOCAL_TZ, to_local
from .extensions import db
from .models import Enterprise, Grid, Hazard, HazardTally, Street, Visit, VisitTally

KINDS = {"inspection": "隐患排查清单", "rectification": "整改清单", "closure": "销号清单"}
STATE_FILTERS = {
    "": "全部",
    "open": "待整改",
    "rectified": "待复查",
    "overdue": "逾期",
    "closed": "已销号",
    "unclosed": "未销号",
}


@dataclass
class ListFilters:
    enterprise: str = ""
    street: str = ""
    grid: str = ""
    industry: str = ""
    venue_type: str = ""
    start: str = ""  # YYYY-MM-DD, Asia/Shanghai
    end: str = ""
    state: str = ""
    level: str = ""
    flagged: str = ""  # "1": only hazards whose rectification evidence raised a flag (dates then count submissions)
    by: str = ""  # a user id: visits made, hazards raised, or closures verified by that user

    @classmethod
    def from_args(cls, args) -> ListFilters:
        values = {f.name: (args.get(f.name) or "").strip()[:40] for f in fields(cls)}
        return cls(**values)

    def active(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def window(self) -> tuple[datetime | None, datetime | None]:
        """The date filter as UTC instants: [start 00:00, end+1 00:00) in Asia/Shanghai."""

        def parse(value: str) -> date | None:
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None

        lo, hi = parse(self.start), parse(self.end)
        return (
            datetime.combine(lo, time(), LOCAL_TZ) if lo else None,
            datetime.combine(hi + timedelta(days=1), time(), LOCAL_TZ) if hi else None,
        )


def _scoped(stmt: Select, actor, f: ListFilters) -> Select:
    stmt = stmt.where(scope.enterprise_clause(actor))
    if f.enterprise.isdigit():
        stmt = stmt.where(Enterprise.id == int(f.enterprise))
    if f.street:
        stmt = stmt.where(
            Enterprise.street_id
            == select(Street.id).where(Street.name == f.street).scalar_subquery()
        )
    if f.grid:
        stmt = stmt.where(
            Enterprise.grid_id == select(Grid.id).where(Grid.code == f.grid).scalar_subquery()
        )
    if f.industry:
        stmt = stmt.where(Enterprise.industry == f.industry)
    if f.venue_type == "-":
        stmt = stmt.where(Enterprise.venue_type.is_(None))
    elif f.venue_type:
        stmt = stmt.where(Enterprise.venue_type == f.venue_type)
    return stmt


PER_PAGE = 100  # rows per page on screen; exports carry every row


@dataclass
class Page:
    rows: list
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _premises_of(column, walk: bool):
    """The join column to the premises; `walk`: kept from the premises' index (see walk_order)."""
    return column + 0 if walk else column


def _visits_stmt(actor, f: ListFilters, *, walk: bool = False) -> Select:
    stmt = _scoped(
        select(Visit).join(Enterprise, Enterprise.id == _premises_of(Visit.enterprise_id, walk)),
        actor,
        f,
    )
    if f.by.isdigit():
        stmt = stmt.where(Visit.inspector_id == int(f.by))
    lo, hi = f.window()
    if lo:
        stmt = stmt.where(Visit.finished_at >= lo)
    if hi:
        stmt = stmt.where(Visit.finished_at < hi)
    return stmt


def inspection(
    actor, f: ListFilters, *, limit: int | None = None, offset: int = 0, walk: bool = False
) -> list[dict]:
    """Visits with what they found, newest first."""
    stmt = (
        _visits_stmt(actor, f, walk=walk)
        .options(joinedload(Visit.enterprise), joinedload(Visit.inspector))
        .order_by(Visit.finished_at.desc(), Visit.uuid)
        .offset(offset)
    )
    visits = list(db.session.scalars(stmt.limit(limit) if limit else stmt))
    found: dict[str, list[Hazard]] = {}
    if visits:
        for h in db.session.scalars(
            select(Hazard)
            .where(Hazard.visit_uuid.in_([v.uuid for v in visits]))
            .order_by(Hazard.raised_at)
        ):
            found.setdefault(h.visit_uuid, []).append(h)
    return [{"visit": v, "hazards": found.get(v.uuid, [])} for v in visits]


def _hazards_stmt(
    actor, f: ListFilters, today: date, *, closed_only: bool, walk: bool = False
) -> Select:
    stmt = _scoped(
        select(Hazard).join(Enterprise, Enterprise.id == _premises_of(Hazard.enterprise_id, walk)),
        actor,
        f,
    )
    lo, hi = f.window()
    stamp = Hazard.closed_at if closed_only else Hazard.raised_at
    if f.by.isdigit():
        stmt = stmt.where((Hazard.closed_by if closed_only else Hazard.raised_by) == int(f.by))
    if f.flagged == "1":
        # The dashboard counts flags by when the evidence came in; so does this filter.
        stmt = stmt.where(cast(Hazard.evidence_flags, String) != "[]")
        stamp = Hazard.submitted_at
    if closed_only:
        stmt = stmt.where(Hazard.state == "closed")
    elif f.state == "overdue":
        stmt = stmt.where(hazards.overdue_clause(today))
    elif f.state == "unclosed":
        stmt = stmt.where(Hazard.state != "closed")
    elif f.state in hazards.STATES:
        stmt = stmt.where(Hazard.state == f.state)
    if f.level in hazards.LEVELS:
        stmt = stmt.where(Hazard.level == f.level)
    if lo:
        stmt = stmt.where(stamp >= lo)
    if hi:
        stmt = stmt.where(stamp < hi)
    return stmt


def order_for(closed_only: bool) -> tuple:
    """The lists' order, exactly as ix_hazards_closure_list and ix_hazards_worklist hold it."""
    if closed_only:
        return (Hazard.closed_at.desc(), Hazard.uuid.desc())  # that index read backwards
    return (hazards.state_sort_key(), Hazard.deadline, Hazard.raised_at, Hazard.uuid)


def _hazards(
    actor,
    f: ListFilters,
    today: date,
    *,
    closed_only: bool,
    limit: int | None,
    offset: int = 0,
    walk: bool = False,
) -> list[Hazard]:
    stmt = (
        _hazards_stmt(actor, f, today, closed_only=closed_only, walk=walk)
        .options(joinedload(Hazard.enterprise), joinedload(Hazard.closer))
        .order_by(*order_for(closed_only))
        .offset(offset)
    )
    return list(db.session.scalars(stmt.limit(limit) if limit else stmt))


def rectification(
    actor,
    f: ListFilters,
    today: date,
    *,
    limit: int | None = None,
    offset: int = 0,
    walk: bool = False,
) -> list[Hazard]:
    return _hazards(actor, f, today, closed_only=False, limit=limit, offset=offset, walk=walk)


def closure(
    actor,
    f: ListFilters,
    today: date,
    *,
    limit: int | None = None,
    offset: int = 0,
    walk: bool = False,
) -> list[Hazard]:
    return _hazards(actor, f, today, closed_only=True, limit=limit, offset=offset, walk=walk)


# Walk the order index when at least one row in WALK_RATIO matches: a page then reads at
# most WALK_RATIO rows per row shown.
WALK_RATIO = 100


def walk_order(kind: str, total: int) -> bool:
    """Whether a page of the list should read the list's order index and stop, not sort every match.

    SQLite's planner reads a street's hazards through the premises and sorts all of them
    (0.35 s for the largest street at city scale, 125,000 hazards) although reading the
    worklist index in order finds its first 100 in 13 ms. Which is faster depends on the
    share of rows that match: a grid's or one premises' few rows are better sorted. The
    total is known (the count), the whole table's size is its largest rowid (no deletes of
    note); walking is forced by keeping the join column off the premises' index. PostgreSQL
    plans this from its statistics.
    """
    if db.session.get_bind().dialect.name != "sqlite" or total == 0:
        return False
    table = Visit if kind == "inspection" else Hazard
    whole = db.session.scalar(select(func.max(literal_column("rowid"))).select_from(table))
    return total * WALK_RATIO >= (whole or 0)


def scan_count(kind: str, actor, f: ListFilters, today: date) -> int:
    """How many rows a list has, counted over the rows themselves."""
    base = (
        _visits_stmt(actor, f)
        if kind == "inspection"
        else _hazards_stmt(actor, f, today, closed_only=kind == "closure")
    )
    return (
        db.session.scalar(
            select(func.count()).select_from(base.with_only_columns(literal(1)).subquery())
        )
        or 0
    )


UNIT_FILTERS = ("enterprise", "street", "grid", "industry", "venue_type")


def _tally_count(kind: str, actor, f: ListFilters, today: date) -> Select | None:
    """The count read from the summaries (fieldapp.summaries); None where they do not key a filter (flagged evidence,
    overdue within dates or by a person)."""
    table = VisitTally if kind == "inspection" else HazardTally
    stmt = select(func.coalesce(func.sum(table.n), 0)).select_from(table)
    if not isinstance(scope.enterprise_clause(actor), True_) or any(
        getattr(f, k) for k in UNIT_FILTERS
    ):
        stmt = _scoped(stmt.join(Enterprise, Enterprise.id == table.enterprise_id), actor, f)
    lo, hi = f.window()
    dated = lo is not None or hi is not None or f.by.isdigit()
    if lo:
        stmt = stmt.where(table.day >= lo.date())
    if hi:
        stmt = stmt.where(table.day < hi.date())
    if kind == "inspection":
        return stmt.where(VisitTally.inspector_id == int(f.by)) if f.by.isdigit() else stmt
    if f.flagged == "1":
        return None
    if f.by.isdigit():
        stmt = stmt.where(HazardTally.user_id == int(f.by))
    if f.level in hazards.LEVELS:
        stmt = stmt.where(HazardTally.level == f.level)
    if kind == "closure":  # a hazard has a closing while closed (reopening clears it)
        return (
            stmt.where(HazardTally.kind == "closed")
            if dated
            else stmt.where(HazardTally.kind == "all", HazardTally.state == "closed")
        )
    if f.state == "overdue":
        if dated:
            return None
        return stmt.where(
            HazardTally.kind == "live", HazardTally.state == "open", HazardTally.day < today
        )
    stmt = stmt.where(HazardTally.kind == ("raised" if dated else "all"))
    if f.state == "unclosed":
        return stmt.where(HazardTally.state != "closed")
    if f.state in hazards.STATES:
        return stmt.where(HazardTally.state == f.state)
    return stmt


def count(kind: str, actor, f: ListFilters, today: date) -> int:
    """How many rows a list has: from the summaries where they key every filter, else over the rows."""
    stmt = _tally_count(kind, actor, f, today)
    return scan_count(kind, actor, f, today) if stmt is None else int(db.session.scalar(stmt) or 0)


def page(
    kind: str, actor, f: ListFilters, today: date, number: int, per_page: int = PER_PAGE
) -> Page:
    """One screen of a list, with the total behind it; a page past the end shows the last one."""
    total = count(kind, actor, f, today)
    number = min(max(1, number), max(1, -(-total // per_page)))
    fetch = {"inspection": inspection, "rectification": rectification, "closure": closure}[kind]
    args = (actor, f) if kind == "inspection" else (actor, f, today)
    rows = fetch(
        *args,
        limit=per_page,
        offset=(number - 1) * per_page,
        walk=walk_order(kind, total),
    )
    return Page(rows, total, number, per_page)


def table(kind: str, actor, f: ListFilters, today: date) -> tuple[list[str], list[list]]:
    """Headers and rows for export (every matching row, not just one screen)."""

    def d(value):
        return (
            to_local(value).strftime("%Y-%m-%d")
            if isinstance(value, datetime)
            else (value.isoformat() if value else "")
        )

    if kind == "inspection":
        headers = [
            "检查日期",
            "单位",
            "网格",
            "检查人",
            "检查项数",
            "已检查",
            "不符合",
            "发现隐患",
            "隐患等级",
            "当前状态",
        ]
        rows = []
        for r in inspection(actor, f, limit=None):
            v = r["visit"]
            base = [
                d(v.finished_at),
                v.enterprise.name,
                v.enterprise.grid.code if v.enterprise.grid else "",
                people.label(v.inspector),
                v.item_count,
                v.answered_count,
                v.fail_count,
            ]
            if not r["hazards"]:
                rows.append(base + ["未发现隐患", "", ""])
            for h in r["hazards"]:
                rows.append(
                    base + [h.finding, hazards.LEVELS[h.level], hazards.display_state(h, today)]
                )
        return headers, rows
    if kind == "rectification":
        headers = [
            "单位",
            "隐患",
            "情况说明",
            "等级",
            "整改措施",
            "责任人",
            "发现日期",
            "整改期限",
            "剩余天数",
            "状态",
            "挂牌督办",
        ]
        return headers, [
            [
                h.enterprise.name,
                h.finding,
                h.description,
                hazards.LEVELS[h.level],
                h.measure,
                h.owner,
                d(h.raised_at),
                d(h.deadline),
                hazards.days_left(h, today) if h.state != "closed" else "",
                hazards.display_state(h, today),
                "是" if h.supervised else "否",
            ]
            for h in rectification(actor, f, today, limit=None)
        ]
    headers = [
        "单位",
        "隐患",
        "等级",
        "发现日期",
        "整改期限",
        "销号日期",
        "复查销号人",
        "整改后照片数",
        "当场整改",
        "逾期后销号",
    ]
    return headers, [
        [
            h.enterprise.name,
            h.finding,
            hazards.LEVELS[h.level],
            d(h.raised_at),
            d(h.deadline),
            d(h.closed_at),
            people.label(h.closer) if h.closer else "",
            len(h.after_photos or []),
            "是" if h.fixed_on_spot else "否",
            "是" if h.closed_at and to_local(h.closed_at).date() > h.deadline else "否",
        ]
        for h in closure(actor, f, today, limit=None)
    ]


def filter_choices(actor) -> dict:
    """Streets and grids an actor may filter the lists by (scope.filter_choices)."""
    return scope.filter_choices(actor)
