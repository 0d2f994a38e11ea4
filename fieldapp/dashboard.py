"""The office dashboard: the closed loop at a glance, read from the summaries (fieldapp.summaries).

Every count comes from `hazard_tallies`, `visit_tallies` and `premises_visits`, which
triggers keep in step with the hazards and visits: a handful of grouped reads over
counts per premises and day, joined to the premises only for a scope or a breakdown.
Windows are whole local days (a window ending at `now` runs to the end of today). The
median time to close is one sorted read of the window's closings. `dashboard_scan`
computes the same figures from the rows; the property test holds the two equal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import True_

from . import hazards, quarterly, risk, scope, vocab
from .clock import LOCAL_TZ, local_today
from .extensions import db
from .lists import Page
from .models import Enterprise, Grid, Hazard, HazardTally, PremisesVisit, Street, User, VisitTally
from .models.hazards import MAJOR_AWAITING_SQL
from .roles import Role

DIMENSIONS = {
    "street": "街道",
    "grid": "网格",
    "industry": "行业领域",
    "venue_type": "场所类型",
    "level": "隐患等级",
}
KPI_KEYS = (
    "open",
    "overdue",
    "rectified",
    "closed",
    "raised",
    "major_open",
    "supervised",
    "flagged",
)
T = HazardTally
# The dashboard lists the busiest inspectors; a city's thousand are a page of their own
# (a 1,252-row table made the district's dashboard 428 KB).
INSPECTORS_SHOWN = 20


@dataclass
class Window:
    start: datetime
    end: datetime
    today: date


def window(start: date | None, end: date | None, now: datetime) -> Window:
    """Return the period to show, whole Asia/Shanghai days: by default this quarter to today."""
    today = local_today(now)
    start = start or quarterly.period(today.year, (today.month - 1) // 3 + 1).start.date()
    end = end or today
    return Window(
        datetime.combine(start, time(), LOCAL_TZ),
        datetime.combine(end + timedelta(days=1), time(), LOCAL_TZ),
        today,
    )


@dataclass
class Overview:
    kpis: dict
    rows: dict[str, list[dict]]
    categories: list[tuple[str, int]]
    weekly: dict
    coverage: dict
    inspectors: list[dict]


def days(start: datetime, end: datetime) -> tuple[date, date]:
    """The local days [first, last) a window covers; an end within a day takes that whole day."""
    hi = end.astimezone(LOCAL_TZ)
    return start.astimezone(LOCAL_TZ).date(), hi.date() + timedelta(
        days=0 if hi.time() == time() else 1
    )


def _scoped(stmt, actor, table=T, *, join: bool = False):
    """Restrict a read of per-premises counts to the actor's scope (`join`: the read groups by the premises' columns)."""
    clause = scope.enterprise_clause(actor)
    if join:
        return stmt.join(Enterprise, Enterprise.id == table.enterprise_id).where(clause)
    if isinstance(clause, True_):
        return stmt
    # Membership in the scope's premises ids, not a join: SQLite reads the ids once from an
    # index instead of looking up each count's premises row (a street's weekly figures at city
    # scale: 41 -> 15 ms and 75 -> 32 ms per read).
    return stmt.where(table.enterprise_id.in_(select(Enterprise.id).where(clause)))


def _n(cond=None):
    return func.coalesce(func.sum(T.n if cond is None else case((cond, T.n), else_=0)), 0)


def layout(actor) -> tuple[str, tuple[str, ...], str]:
    """Return the actor's first breakdown, all its breakdowns, and what coverage is counted by.

    A street's scope is one street, broken down by grid, coverage per grid. The district
    and a department span every street: breakdown and coverage per street (a chart of
    every grid in a city is a thousand bars; a street's own page has its grids). A
    department's scope is one industry: no industry breakdown (one row).
    """
    if actor.role == Role.STREET:
        return "grid", ("grid", "industry", "venue_type", "level"), "grid"
    if actor.role == Role.DEPARTMENT:
        return "street", ("street", "venue_type", "level"), "street"
    return "street", ("street", "industry", "venue_type", "level"), "street"


def overview(
    actor, w: Window, now: datetime, dims: tuple[str, ...], coverage_by: str = "grid"
) -> Overview:
    """Everything the dashboard shows for the actor's scope and window."""
    lo, hi = days(w.start, w.end)
    live = _live_by_unit(actor, w.today, dims)
    closed = _closed_by_unit(actor, lo, hi, dims)
    events = _events(actor, lo, hi)
    kpis = _kpis(live, closed, events)
    kpis["median_days_to_close"] = median_days_to_close(actor, w)
    return Overview(
        kpis=kpis,
        rows=_breakdowns(actor, live, closed, dims),
        categories=_categories(events),
        weekly=weekly(actor, now),
        coverage=coverage(actor, now, coverage_by),
        inspectors=_inspectors(actor, lo, hi, events),
    )


# The premises' column each breakdown groups by (a level is the hazard's own).
UNIT = {
    "street": Enterprise.street_id,
    "grid": Enterprise.grid_id,
    "industry": Enterprise.industry,
    "venue_type": Enterprise.venue_type,
}


def _unit(dims) -> list:
    """The premises' columns of these breakdowns, in UNIT's order: a read groups by no more than it shows."""
    return [col for d, col in UNIT.items() if d in dims]


def _live_by_unit(actor, today: date, dims=()) -> list:
    """Rows (*unit columns of dims, level, state, supervised, n, overdue) of the hazards not closed."""
    unit = _unit(dims)
    stmt = (
        select(
            *unit, T.level, T.state, T.supervised, _n(), _n(and_(T.state == "open", T.day < today))
        )
        .where(T.kind == "live")
        .group_by(*unit, T.level, T.state, T.supervised)
    )
    return db.session.execute(_scoped(stmt, actor, join=bool(unit))).all()


def _closed_by_unit(actor, lo: date, hi: date, dims=()) -> list:
    """Rows (*unit columns of dims, level, n) of the hazards closed in the window."""
    unit = _unit(dims)
    stmt = (
        select(*unit, T.level, _n())
        .where(T.kind == "closed", T.day >= lo, T.day < hi)
        .group_by(*unit, T.level)
    )
    return db.session.execute(_scoped(stmt, actor, join=bool(unit))).all()


def _events(actor, lo: date, hi: date) -> list:
    """Rows (kind, category, user_id, n) of the hazards raised, closed and flagged in the window."""
    stmt = (
        select(T.kind, T.category, T.user_id, _n())
        .where(T.kind.in_(("raised", "closed", "flagged")), T.day >= lo, T.day < hi)
        .group_by(T.kind, T.category, T.user_id)
    )
    return db.session.execute(_scoped(stmt, actor)).all()


def _kpis(live: list, closed: list, events: list) -> dict:
    out = dict.fromkeys(KPI_KEYS, 0)
    for *_unit, level, state, supervised, n, overdue in live:
        out[state] += n
        out["overdue"] += overdue
        if level == "major":
            out["major_open"] += n
            out["supervised"] += n if supervised else 0
    out["closed"] = sum(r[-1] for r in closed)
    for kind, _cat, _user, n in events:
        if kind in ("raised", "flagged"):
            out[kind] += n
    return out


def kpis(actor, w: Window) -> dict[str, float | int | None]:
    """Open, overdue, awaiting recheck, closed and raised in the window, major and supervised, flagged evidence."""
    lo, hi = days(w.start, w.end)
    out = _kpis(
        _live_by_unit(actor, w.today), _closed_by_unit(actor, lo, hi), _events(actor, lo, hi)
    )
    out["median_days_to_close"] = median_days_to_close(actor, w)
    return out


def _days_between(later, earlier):
    """Days between two timestamps, in either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def median_days_to_close(actor, w: Window) -> float | None:
    """The median time to close of the window's closings, sorted by the database (one index range)."""
    stmt = select(_days_between(Hazard.closed_at, Hazard.raised_at).label("d")).where(
        Hazard.closed_at >= w.start, Hazard.closed_at < w.end
    )
    clause = scope.enterprise_clause(actor)
    if not isinstance(clause, True_):
        # "+ 0" keeps SQLite on the closing-time range: through the premises index it would walk every hazard of the scope.
        stmt = stmt.where((Hazard.enterprise_id + 0).in_(select(Enterprise.id).where(clause)))
    sub = stmt.subquery()
    n = db.session.scalar(select(func.count()).select_from(sub)) or 0
    if not n:
        return None
    middle = db.session.scalar(select(sub.c.d).order_by(sub.c.d).offset((n - 1) // 2).limit(1))
    return round(float(middle), 1)


def _breakdowns(actor, live: list, closed: list, dims) -> dict[str, list[dict]]:
    """Open / overdue / awaiting recheck / closed in the window per dimension; every group in scope listed, quiet ones with zeros.

    `live` and `closed` are grouped by the premises' columns of `dims` (see _unit).
    """
    cols = [d for d in UNIT if d in dims]
    names = {
        "street": dict(db.session.execute(select(Street.id, Street.name)).all()),
        "grid": dict(db.session.execute(select(Grid.id, Grid.code)).all()),
    }

    def key(d, value):
        return (names[d].get(value) if d in names else value) or ""

    acc: dict[str, dict] = {}
    clause = scope.enterprise_clause(actor)
    for d in dims:
        if d == "level":
            keys = list(hazards.LEVELS)
        else:
            keys = [key(d, v) for v in db.session.scalars(select(UNIT[d]).where(clause).distinct())]
        acc[d] = {k: [0, 0, 0, 0] for k in keys}

    # One pass per row, every breakdown at once: a street's live counts are ~5,000 rows.
    width = len(cols)
    slots = [(acc[d], None if d == "level" else cols.index(d), names.get(d)) for d in dims]

    def cells(row):
        level = row[width] or ""
        for table, at, named in slots:
            if at is None:
                k = level
            else:
                k = (named.get(row[at]) if named is not None else row[at]) or ""
            cell = table.get(k)
            if cell is None:
                cell = table[k] = [0, 0, 0, 0]
            yield cell

    for row in live:
        _level, state, _sup, n, overdue = row[width:]
        i = 0 if state == "open" else 2
        for cell in cells(row):
            cell[i] += n
            cell[1] += overdue
    for row in closed:
        n = row[-1]
        for cell in cells(row):
            cell[3] += n
    out = {}
    for d in dims:
        out[d] = [
            {
                "key": k,
                "label": _label(d, k),
                "open": c[0],
                "overdue": c[1],
                "rectified": c[2],
                "closed": c[3],
            }
            for k, c in sorted(acc[d].items())
        ]
    return out


def _label(dim: str, key: str) -> str:
    if dim == "venue_type":
        return vocab.VENUE_TYPES.get(key, "非九小场所")
    if dim == "level":
        return hazards.LEVELS.get(key, key)
    return key or "未分配"


def breakdown(actor, dim: str, w: Window) -> list[dict]:
    """One dimension's breakdown (the page asks `overview` for all of them at once)."""
    lo, hi = days(w.start, w.end)
    dims = (dim,)
    return _breakdowns(
        actor, _live_by_unit(actor, w.today, dims), _closed_by_unit(actor, lo, hi, dims), dims
    )[dim]


def _categories(events: list) -> list[tuple[str, int]]:
    from .checklists import CATEGORIES

    per: dict[str, int] = defaultdict(int)
    for kind, category, _user, n in events:
        if kind == "raised" and n:
            per[category] += n
    named = [
        (CATEGORIES.get(c, {"report": "群众举报"}.get(c, c or "其他")), n) for c, n in per.items()
    ]
    return sorted(named, key=lambda x: (-x[1], x[0]))


def colours_by_street(actor) -> list[dict]:
    """Premises in scope per street and 四色 (a department's industry across the streets), with each street's total."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(vocab.RISK_COLORS, 0))
    for street, color, n in db.session.execute(
        select(Street.name, Enterprise.risk_color, func.count())
        .join(Street, Street.id == Enterprise.street_id)
        .where(scope.enterprise_clause(actor), Enterprise.active.is_(True))
        .group_by(Street.id, Street.name, Enterprise.risk_color)
        .order_by(Street.id)
    ):
        counts[street][color] = counts[street].get(color, 0) + int(n)
    return [{"street": name, **c, "total": sum(c.values())} for name, c in counts.items()]


def awaiting_supervision(actor, limit: int = 20) -> list:
    """Open major hazards not yet under supervision (挂牌督办), newest first: the office's first call."""
    # The newest first from ix_hazards_major_awaiting, the premises checked for each ("+ 0":
    # through the premises' index SQLite read every hazard of a street's premises, 63 ms
    # for the largest at city scale, against 1.4 ms).
    return list(
        db.session.scalars(
            select(Hazard)
            .join(Enterprise, Enterprise.id == Hazard.enterprise_id + 0)
            .where(
                scope.enterprise_clause(actor),
                text(MAJOR_AWAITING_SQL.format(t="hazards.")),
            )
            .options(joinedload(Hazard.enterprise))
            .order_by(Hazard.raised_at.desc())
            .limit(limit)
        )
    )


def coverage(actor, now: datetime, by: str = "grid") -> dict:
    """Premises not visited within their colour's interval, overall and per grid (or per street: a department's industry spans them)."""
    late = risk.overdue_visit_clause(PremisesVisit.last_at, now)
    key, table, on = (
        (Street.name, Street, Street.id == Enterprise.street_id)
        if by == "street"
        else (Grid.code, Grid, Grid.id == Enterprise.grid_id)
    )
    stmt = (
        select(key, func.count(), func.sum(case((late, 1), else_=0)))
        .select_from(Enterprise)
        .outerjoin(PremisesVisit, PremisesVisit.enterprise_id == Enterprise.id)
        .outerjoin(table, on)
        .where(scope.enterprise_clause(actor), Enterprise.active.is_(True))
        .group_by(key)
        .order_by(key)
    )
    grids = [
        {"grid": g or "未分配", "total": int(t), "late": int(n or 0)}
        for g, t, n in db.session.execute(stmt)
    ]
    total = sum(g["total"] for g in grids)
    late_n = sum(g["late"] for g in grids)
    return {
        "total": total,
        "late": late_n,
        "covered_pct": round(100 * (total - late_n) / total, 1) if total else 100.0,
        "grids": grids,
    }


def _inspectors(actor, lo: date, hi: date, events: list) -> list[dict]:
    visits: dict = defaultdict(int)
    stmt = (
        select(VisitTally.inspector_id, func.sum(VisitTally.n))
        .where(VisitTally.day >= lo, VisitTally.day < hi)
        .group_by(VisitTally.inspector_id)
    )
    for inspector, n in db.session.execute(_scoped(stmt, actor, VisitTally)):
        visits[inspector] += int(n)
    raised: dict = defaultdict(int)
    closed: dict = defaultdict(int)
    for kind, _cat, user, n in events:
        if kind == "raised":
            raised[user] += n
        elif kind == "closed":
            closed[user] += n
    ids = {i for c in (visits, raised, closed) for i, n in c.items() if i and n}
    return inspector_rows(ids, visits, raised, closed)


def inspector_rows(ids: set, visits: dict, raised: dict, closed: dict) -> list[dict]:
    """One row per inspector among `ids`: visits made, hazards raised and closures verified."""
    users = (
        {
            u.id: u
            for u in db.session.scalars(
                select(User).where(User.id.in_(ids), User.role == "inspector")
            )
        }
        if ids
        else {}
    )
    rows = [
        {
            "id": uid,
            "name": u.name,
            "username": u.username,
            "visits": visits.get(uid, 0),
            "raised": raised.get(uid, 0),
            "verified": closed.get(uid, 0),
        }
        for uid, u in users.items()
    ]
    return sorted(rows, key=lambda r: (-r["visits"], r["username"]))


def inspectors(actor, w: Window) -> list[dict]:
    """Per inspector with work in the window: visits made, hazards raised and rectifications verified."""
    lo, hi = days(w.start, w.end)
    return _inspectors(actor, lo, hi, _events(actor, lo, hi))


def inspectors_page(actor, w: Window, number: int) -> Page:
    """One page of `inspectors`, busiest first, with the count of all."""
    rows = inspectors(actor, w)
    shown = Page([], len(rows), 1)
    shown.page = min(max(1, number), shown.pages)
    start = (shown.page - 1) * shown.per_page
    shown.rows = rows[start : start + shown.per_page]
    return shown


def weekly(actor, now: datetime, weeks: int = 12) -> dict:
    """Opened, closed and overdue per week (Monday to Monday, Asia/Shanghai) for the last `weeks` weeks.

    Overdue at a week's end means still 待整改 then, past the deadline: open now and due
    (the later of deadline and raising day) before that day, or submitted for recheck on
    or after that day. At the current week's end (now) it is the overdue count of now.
    """
    today = local_today(now)
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    ends = starts[1:] + [today + timedelta(days=1)]
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    stmt = (
        select(T.kind, T.day, _n())
        .where(T.kind.in_(("raised", "closed")), T.day >= starts[0], T.day < ends[-1])
        .group_by(T.kind, T.day)
    )
    for kind, day, n in db.session.execute(_scoped(stmt, actor)):
        per_day[kind, day] += n

    def per_week(kind):
        return [
            sum(n for (k, d), n in per_day.items() if k == kind and starts[i] <= d < ends[i])
            for i in range(weeks)
        ]

    open_due = [
        (due, deadline < today, n)
        for due, deadline, n in db.session.execute(
            _scoped(
                select(T.due, T.day, _n())
                .where(T.kind == "live", T.state == "open", T.due < ends[-1])
                .group_by(T.due, T.day),
                actor,
            )
        )
    ]
    pending = db.session.execute(
        _scoped(
            select(T.due, T.day, _n())
            .where(T.kind == "pending", T.day >= starts[0], T.due < starts[-1])
            .group_by(T.due, T.day),
            actor,
        )
    ).all()
    overdue = []
    for i in range(weeks - 1):
        t = starts[i + 1]
        overdue.append(
            sum(n for due, _late, n in open_due if due < t)
            + sum(n for due, day, n in pending if due < t <= day)
        )
    overdue.append(
        sum(n for _due, late, n in open_due if late)
    )  # the current week ends now: overdue now
    labels = [s.strftime("%m-%d") for s in starts]  # each week's Monday
    return {
        "labels": labels,
        "opened": per_week("raised"),
        "closed": per_week("closed"),
        "overdue": overdue,
    }
