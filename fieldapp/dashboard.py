"""The office dashboard: the closed loop at a glance, in SQL that runs on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, case, cast, func, or_, select

from . import hazards, risk, scope, vocab
from .clock import local_today
from .extensions import db
from .models import Enterprise, Grid, Hazard, Street, User, Visit


@dataclass
class Window:
    start: datetime
    end: datetime
    today: date


def _scoped_hazards(actor):
    return select().select_from(Hazard).join(Enterprise, Enterprise.id == Hazard.enterprise_id).where(scope.enterprise_clause(actor))


def _live(since: datetime):
    """Hazards a window starting at `since` can count: not closed, or closed since then.

    A hazard is raised and rectified before it is closed, so this holds every hazard
    raised, submitted or closed in the window as well as every open one, and lets both
    databases read two index ranges instead of the whole table.
    """
    return or_(Hazard.state.in_(("open", "rectified")), Hazard.closed_at >= since)


def _days(later, earlier):
    """Days between two timestamps, in either database."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def kpis(actor, w: Window) -> dict[str, float | int | None]:
    is_open = Hazard.state != "closed"
    closed_in = (Hazard.closed_at >= w.start) & (Hazard.closed_at < w.end)

    def count(cond):
        return func.sum(case((cond, 1), else_=0))

    row = db.session.execute(_scoped_hazards(actor).add_columns(
        count(Hazard.state == "open"),
        count(hazards.overdue_clause(w.today)),
        count(Hazard.state == "rectified"),
        count(closed_in),
        count((Hazard.raised_at >= w.start) & (Hazard.raised_at < w.end)),
        count(is_open & (Hazard.level == "major")),
        count(is_open & (Hazard.level == "major") & Hazard.supervised),
        count((Hazard.submitted_at >= w.start) & (Hazard.submitted_at < w.end) & (cast(Hazard.evidence_flags, String) != "[]")),
    ).where(_live(w.start))).one()
    keys = ["open", "overdue", "rectified", "closed", "raised", "major_open", "supervised", "flagged"]
    out = {k: int(v or 0) for k, v in zip(keys, row, strict=True)}
    out["median_days_to_close"] = median_days_to_close(actor, w)
    return out


def median_days_to_close(actor, w: Window) -> float | None:
    duration = _days(Hazard.closed_at, Hazard.raised_at)
    base = _scoped_hazards(actor).where(Hazard.closed_at >= w.start, Hazard.closed_at < w.end)
    n = db.session.scalar(base.add_columns(func.count()))
    if not n:
        return None
    middle = db.session.scalar(base.add_columns(duration).order_by(duration).offset((n - 1) // 2).limit(1))
    return round(float(middle), 1)


DIMENSIONS = {"street": "街道", "grid": "网格", "industry": "行业领域", "venue_type": "场所类型", "level": "隐患等级"}


def breakdowns(actor, dims, w: Window) -> dict[str, list[dict]]:
    """Open / overdue / awaiting recheck / closed in the window, per street, grid, industry, venue type or level.

    One pass over the live hazards per premises and level, grouped in Python, serves
    every dimension; each group of the premises in scope is listed, with zeros if quiet.
    """
    def count(cond):
        return func.sum(case((cond, 1), else_=0))

    units = {eid: {"street": street, "grid": grid, "industry": industry, "venue_type": venue or ""}
             for eid, street, grid, industry, venue in db.session.execute(
                 select(Enterprise.id, Street.name, Grid.code, Enterprise.industry, Enterprise.venue_type)
                 .join(Street, Street.id == Enterprise.street_id).outerjoin(Grid, Grid.id == Enterprise.grid_id)
                 .where(scope.enterprise_clause(actor)))}
    acc: dict[str, dict] = {d: {} for d in dims}
    for d in dims:
        keys = hazards.LEVELS if d == "level" else {u[d] for u in units.values()}
        for key in keys:
            acc[d][key or ""] = [0, 0, 0, 0]
    stmt = (_scoped_hazards(actor).add_columns(
        Hazard.enterprise_id, Hazard.level, count(Hazard.state == "open"), count(hazards.overdue_clause(w.today)),
        count(Hazard.state == "rectified"), count((Hazard.closed_at >= w.start) & (Hazard.closed_at < w.end)))
        .where(_live(w.start)).group_by(Hazard.enterprise_id, Hazard.level))
    for eid, level, *counts in db.session.execute(stmt):
        unit = units.get(eid)
        if unit is None:
            continue
        for d in dims:
            cell = acc[d].setdefault((level if d == "level" else unit[d]) or "", [0, 0, 0, 0])
            for i, n in enumerate(counts):
                cell[i] += int(n or 0)
    out = {}
    for d in dims:
        rows = []
        for key in sorted(acc[d]):
            open_, overdue, rectified, closed = acc[d][key]
            label = {"venue_type": vocab.VENUE_TYPES.get(key, "非九小场所"), "level": hazards.LEVELS.get(key, key)}.get(d, key or "未分配")
            rows.append({"key": key, "label": label, "open": open_, "overdue": overdue, "rectified": rectified, "closed": closed})
        out[d] = rows
    return out


def breakdown(actor, dim: str, w: Window) -> list[dict]:
    """One dimension of `breakdowns`."""
    return breakdowns(actor, (dim,), w)[dim]


def coverage(actor, now: datetime) -> dict:
    """Premises not visited within their colour's interval, overall and per grid."""
    last = risk.last_visit_subquery()
    late = risk.overdue_visit_clause(last.c.last_visit, now)
    stmt = (select(Grid.code, func.count(), func.sum(case((late, 1), else_=0)))
            .select_from(Enterprise).outerjoin(last, last.c.eid == Enterprise.id).outerjoin(Grid, Grid.id == Enterprise.grid_id)
            .where(scope.enterprise_clause(actor), Enterprise.active.is_(True)).group_by(Grid.code).order_by(Grid.code))
    grids = [{"grid": g or "未分配", "total": int(t), "late": int(l or 0)} for g, t, l in db.session.execute(stmt)]
    total = sum(g["total"] for g in grids)
    late_n = sum(g["late"] for g in grids)
    return {"total": total, "late": late_n, "covered_pct": round(100 * (total - late_n) / total, 1) if total else 100.0,
            "grids": grids}


def inspectors(actor, w: Window) -> list[dict]:
    """Per inspector: visits made, hazards raised and rectifications verified in the window."""
    in_scope = scope.enterprise_clause(actor)
    visits = dict(db.session.execute(
        select(Visit.inspector_id, func.count()).join(Enterprise, Enterprise.id == Visit.enterprise_id)
        .where(in_scope, Visit.finished_at >= w.start, Visit.finished_at < w.end).group_by(Visit.inspector_id)).all())
    raised = dict(db.session.execute(
        _scoped_hazards(actor).add_columns(Hazard.raised_by, func.count())
        .where(Hazard.raised_at >= w.start, Hazard.raised_at < w.end).group_by(Hazard.raised_by)).all())
    closed = dict(db.session.execute(
        _scoped_hazards(actor).add_columns(Hazard.closed_by, func.count())
        .where(Hazard.closed_at >= w.start, Hazard.closed_at < w.end).group_by(Hazard.closed_by)).all())
    ids = {i for i in (*visits, *raised, *closed) if i is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids), User.role == "inspector"))} if ids else {}
    rows = [{"name": u.name, "username": u.username, "visits": visits.get(uid, 0), "raised": raised.get(uid, 0),
             "verified": closed.get(uid, 0)} for uid, u in users.items()]
    return sorted(rows, key=lambda r: (-r["visits"], r["username"]))


def weekly(actor, now: datetime, weeks: int = 12) -> dict:
    """Opened, closed and overdue per week (Monday to Monday, Asia/Shanghai) for the last `weeks` weeks."""
    today = local_today(now)
    monday = today - timedelta(days=today.weekday())
    from .clock import LOCAL_TZ

    bounds = [datetime.combine(monday - timedelta(weeks=weeks - 1 - i), datetime.min.time(), LOCAL_TZ) for i in range(weeks)]
    bounds.append(now)  # the current week runs until now

    def per_week(col):
        return [func.sum(case(((col >= bounds[i]) & (col < bounds[i + 1]), 1), else_=0)) for i in range(weeks)]

    def overdue_at(i):
        t = bounds[i + 1]
        return func.sum(case(((Hazard.raised_at < t) & (Hazard.deadline < local_today(t))
                              & (Hazard.closed_at.is_(None) | (Hazard.closed_at >= t)), 1), else_=0))

    opened = db.session.execute(_scoped_hazards(actor).add_columns(*per_week(Hazard.raised_at)).where(Hazard.raised_at >= bounds[0])).one()
    closed = db.session.execute(_scoped_hazards(actor).add_columns(*per_week(Hazard.closed_at)).where(Hazard.closed_at >= bounds[0])).one()
    overdue = db.session.execute(_scoped_hazards(actor).add_columns(*(overdue_at(i) for i in range(weeks)))
                                 .where(_live(bounds[0]), Hazard.raised_at < bounds[-1],
                                        Hazard.deadline < local_today(bounds[-1]))).one()
    labels = [b.strftime("%m-%d") for b in bounds[:-1]]  # each week's Monday
    return {"labels": labels, "opened": [int(x or 0) for x in opened], "closed": [int(x or 0) for x in closed],
            "overdue": [int(x or 0) for x in overdue]}


def by_category(actor, w: Window) -> list[tuple[str, int]]:
    from .checklists import CATEGORIES

    rows = db.session.execute(_scoped_hazards(actor).add_columns(Hazard.category, func.count())
                              .where(Hazard.raised_at >= w.start, Hazard.raised_at < w.end)
                              .group_by(Hazard.category).order_by(func.count().desc())).all()
    return [(CATEGORIES.get(c, {"report": "群众举报"}.get(c, c or "其他")), int(n)) for c, n in rows]
