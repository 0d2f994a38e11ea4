"""The dashboard's figures recomputed from the hazards and visits themselves, without the summaries.

This is the dashboard as it was before the summaries (issue 23.1): the reference the
summaries are checked against (`fieldapp summaries check`, the property test) and the
"before" of `bench reports`. Pages do not call it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.sql.elements import True_

from . import hazards, risk, scope
from .clock import LOCAL_TZ, local_today
from .dashboard import KPI_KEYS, Overview, Window, _label, inspector_rows
from .extensions import db
from .models import Enterprise, Grid, Hazard, Street, Visit


def overview(
    actor, w: Window, now: datetime, dims: tuple[str, ...], coverage_by: str = "grid"
) -> Overview:
    """Everything the dashboard shows for the actor's scope and window."""
    ids = _scope_ids(actor)
    groups = _live_groups(actor, w, ids)
    return Overview(
        kpis=_kpis(actor, w, groups, ids),
        rows=_breakdowns(actor, groups, dims),
        categories=_categories(groups),
        weekly=weekly(actor, now, ids=ids),
        coverage=coverage(actor, now, coverage_by),
        inspectors=inspectors(actor, w, groups, ids),
    )


# Scope. A street's or an industry's hazards are read from the same index ranges as the
# whole district's, per premises, and kept here if the premises is in scope: a join to
# enterprises in SQL would make the database walk every hazard of the scope's premises.


def _scope_ids(actor) -> set[int] | None:
    """The ids of the premises in the actor's scope; None for the whole district."""
    clause = scope.enterprise_clause(actor)
    if isinstance(clause, True_):
        return None
    return set(db.session.scalars(select(Enterprise.id).where(clause)))


def _sums(ids: set[int] | None, conds, *where) -> list[int]:
    """How many hazards matching `where` meet each condition, over the premises in scope.

    For a scope, the rows come back one per hazard (a window's worth) and are added here:
    grouping by premises in SQL would have SQLite walk the premises index, every hazard.
    """
    flags = [case((c, 1), else_=0) for c in conds]
    if ids is None:
        return [
            int(n or 0)
            for n in db.session.execute(
                select(*(func.sum(f) for f in flags)).select_from(Hazard).where(*where)
            ).one()
        ]
    out = [0] * len(flags)
    for eid, *row in db.session.connection().execute(
        select(Hazard.enterprise_id, *flags).where(*where)
    ):
        if eid in ids:
            for i, v in enumerate(row):
                out[i] += v
    return out


def _live(since: datetime):
    """WHERE clauses of the hazards a window starting at `since` can count: those not closed, and those closed since.

    A hazard is raised and rectified before it is closed (and reopening clears the
    closing), so these hold every hazard raised, submitted or closed in the window as
    well as every open one. Two statements, not one with OR: each is one index range
    (ix_hazards_open_due, ix_hazards_closed), where an OR makes SQLite read every row.
    """
    # Only closed hazards have closed_at; naming the state as well would lead SQLite, which
    # keeps no statistics here, to read every closed hazard through the state index.
    return (Hazard.state.in_(("open", "rectified")), Hazard.closed_at >= since)


def _count(cond):
    return func.sum(case((cond, 1), else_=0))


GROUP_KEYS = ("enterprise_id", "level", "category", "raised_by", "closed_by")


def _live_groups(actor, w: Window, ids: set[int] | None = None) -> list:
    """Per premises, level, category, raiser and verifier: the counts every total and breakdown is made of.

    Rows: (enterprise_id, level, category, raised_by, closed_by, open, overdue, rectified,
    closed in window, raised in window, supervised and not closed, flagged in window);
    a key may appear twice (once per index range): readers add.
    """
    keys = [getattr(Hazard, k) for k in GROUP_KEYS]
    counts = (
        _count(Hazard.state == "open"),
        _count(hazards.overdue_clause(w.today)),
        _count(Hazard.state == "rectified"),
        _count((Hazard.closed_at >= w.start) & (Hazard.closed_at < w.end)),
        _count((Hazard.raised_at >= w.start) & (Hazard.raised_at < w.end)),
        _count((Hazard.state != "closed") & Hazard.supervised),
        _count(
            (Hazard.submitted_at >= w.start)
            & (Hazard.submitted_at < w.end)
            & (cast(Hazard.evidence_flags, String) != "[]")
        ),
    )
    out = []
    for where in _live(w.start):
        rows = (
            db.session.connection()
            .execute(select(*keys, *counts).where(where).group_by(*keys))
            .all()
        )
        out += (
            rows if ids is None else [r for r in rows if r[0] in ids]
        )  # every group has a row: no NULL sums
    return out


def _kpis(actor, w: Window, groups: list, ids: set[int] | None) -> dict[str, float | int | None]:
    out = dict.fromkeys(KPI_KEYS, 0)
    for (
        _eid,
        level,
        _cat,
        _by,
        _closer,
        open_,
        overdue,
        rectified,
        closed,
        raised,
        supervised,
        flagged,
    ) in groups:
        out["open"] += open_
        out["overdue"] += overdue
        out["rectified"] += rectified
        out["closed"] += closed
        out["raised"] += raised
        out["flagged"] += flagged
        if level == "major":
            out["major_open"] += open_ + rectified
            out["supervised"] += supervised
    out["median_days_to_close"] = median_days_to_close(actor, w, ids)
    return out


def kpis(actor, w: Window) -> dict[str, float | int | None]:
    """Open, overdue, awaiting recheck, closed and raised in the window, major and supervised, flagged evidence."""
    ids = _scope_ids(actor)
    return _kpis(actor, w, _live_groups(actor, w, ids), ids)


def _days(later, earlier):
    """Days between two timestamps, in either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def median_days_to_close(actor, w: Window, ids: set[int] | None) -> float | None:
    durations = sorted(
        float(d)
        for eid, d in db.session.connection().execute(
            select(Hazard.enterprise_id, _days(Hazard.closed_at, Hazard.raised_at)).where(
                Hazard.closed_at >= w.start, Hazard.closed_at < w.end
            )
        )
        if ids is None or eid in ids
    )
    if not durations:
        return None
    return round(durations[(len(durations) - 1) // 2], 1)


def _breakdowns(actor, groups: list, dims) -> dict[str, list[dict]]:
    """Open / overdue / awaiting recheck / closed in the window per dimension; every group in scope listed, quiet ones with zeros."""
    streets = dict(db.session.execute(select(Street.id, Street.name)).all())
    grids = dict(db.session.execute(select(Grid.id, Grid.code)).all())
    slot = {"street": 0, "grid": 1, "industry": 2, "venue_type": 3}
    units = {
        eid: (streets.get(street), grids.get(grid), industry, venue or "")
        for eid, street, grid, industry, venue in db.session.connection().execute(
            select(
                Enterprise.id,
                Enterprise.street_id,
                Enterprise.grid_id,
                Enterprise.industry,
                Enterprise.venue_type,
            ).where(scope.enterprise_clause(actor))
        )
    }
    acc: dict[str, dict] = {}
    for d in dims:
        keys = hazards.LEVELS if d == "level" else {u[slot[d]] for u in units.values()}
        acc[d] = {key or "": [0, 0, 0, 0] for key in keys}
    for eid, level, _cat, _by, _closer, open_, overdue, rectified, closed, *_ in groups:
        unit = units.get(eid)
        if unit is None or not (open_ or overdue or rectified or closed):
            continue
        for d in dims:
            cell = acc[d].setdefault((level if d == "level" else unit[slot[d]]) or "", [0, 0, 0, 0])
            cell[0] += open_
            cell[1] += overdue
            cell[2] += rectified
            cell[3] += closed
    out = {}
    for d in dims:
        out[d] = [
            {
                "key": key,
                "label": _label(d, key),
                "open": c[0],
                "overdue": c[1],
                "rectified": c[2],
                "closed": c[3],
            }
            for key, c in sorted(acc[d].items())
        ]
    return out


def breakdown(actor, dim: str, w: Window) -> list[dict]:
    """One dimension's breakdown (the page asks `overview` for all of them at once)."""
    return _breakdowns(actor, _live_groups(actor, w, _scope_ids(actor)), (dim,))[dim]


def _categories(groups: list) -> list[tuple[str, int]]:
    from .checklists import CATEGORIES

    per: dict[str, int] = defaultdict(int)
    for _eid, _level, category, _by, _closer, _o, _od, _r, _c, raised, *_ in groups:
        if raised:
            per[category] += raised
    named = [
        (CATEGORIES.get(c, {"report": "群众举报"}.get(c, c or "其他")), n) for c, n in per.items()
    ]
    return sorted(named, key=lambda x: (-x[1], x[0]))


def coverage(actor, now: datetime, by: str = "grid") -> dict:
    """Premises not visited within their colour's interval, overall and per grid (or per street: a department's industry spans them)."""
    last = risk.last_visit_subquery()
    late = risk.overdue_visit_clause(last.c.last_visit, now)
    key, table, on = (
        (Street.name, Street, Street.id == Enterprise.street_id)
        if by == "street"
        else (Grid.code, Grid, Grid.id == Enterprise.grid_id)
    )
    stmt = (
        select(key, func.count(), func.sum(case((late, 1), else_=0)))
        .select_from(Enterprise)
        .outerjoin(last, last.c.eid == Enterprise.id)
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


def inspectors(
    actor, w: Window, groups: list | None = None, ids: set[int] | None = None
) -> list[dict]:
    """Per inspector: visits made, hazards raised and rectifications verified in the window."""
    if groups is None:
        ids = _scope_ids(actor)
        groups = _live_groups(actor, w, ids)
    visits: dict = defaultdict(int)
    for eid, inspector, n in db.session.connection().execute(
        select(Visit.enterprise_id, Visit.inspector_id, func.count())
        .where(Visit.finished_at >= w.start, Visit.finished_at < w.end)
        .group_by(Visit.enterprise_id, Visit.inspector_id)
    ):
        if ids is None or eid in ids:
            visits[inspector] += n
    raised: dict = defaultdict(int)
    closed: dict = defaultdict(int)
    for _eid, _level, _cat, by, closer, _o, _od, _r, closed_n, raised_n, *_ in groups:
        raised[by] += raised_n
        closed[closer] += closed_n
    ids = {i for i in (*visits, *raised, *closed) if i is not None}
    return inspector_rows(ids, visits, raised, closed)


def weekly(actor, now: datetime, weeks: int = 12, *, ids: set[int] | None | bool = False) -> dict:
    """Opened, closed and overdue per week (Monday to Monday, Asia/Shanghai) for the last `weeks` weeks."""
    ids = _scope_ids(actor) if ids is False else ids
    today = local_today(now)
    monday = today - timedelta(days=today.weekday())
    bounds = [
        datetime.combine(monday - timedelta(weeks=weeks - 1 - i), datetime.min.time(), LOCAL_TZ)
        for i in range(weeks)
    ]
    bounds.append(now)  # the current week runs until now

    def per_week(col):
        return [(col >= bounds[i]) & (col < bounds[i + 1]) for i in range(weeks)]

    def overdue_at(i, still_open: bool):
        t = bounds[i + 1]
        # Overdue means still 待整改: not yet submitted for recheck at the week's end
        # (a hazard 待整改 now counts; a rejected one is back in 待整改).
        due = (Hazard.raised_at < t) & (Hazard.deadline < local_today(t))
        not_submitted = Hazard.submitted_at >= t
        # Open hazards have no closed_at: leaving it out lets the open-hazard index answer alone.
        if still_open:
            return due & ((Hazard.state == "open") | not_submitted)
        return due & (Hazard.closed_at >= t) & not_submitted

    opened = _sums(ids, per_week(Hazard.raised_at), Hazard.raised_at >= bounds[0])
    closed = _sums(ids, per_week(Hazard.closed_at), Hazard.closed_at >= bounds[0])
    # Overdue at some week's end: past its deadline by now, and open now or closed since the first week began.
    overdue = [0] * weeks
    for still_open, where in zip((True, False), _live(bounds[0]), strict=True):
        row = _sums(
            ids,
            [overdue_at(i, still_open) for i in range(weeks)],
            where,
            Hazard.deadline < local_today(bounds[-1]),
            Hazard.raised_at < bounds[-1],
        )
        overdue = [a + b for a, b in zip(overdue, row, strict=True)]
    labels = [b.strftime("%m-%d") for b in bounds[:-1]]  # each week's Monday
    return {"labels": labels, "opened": opened, "closed": closed, "overdue": overdue}
