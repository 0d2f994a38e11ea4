"""The inspector's due list: premises in their grids, most urgent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, literal, or_, select

from . import cadres, placards, risk, scope
from .clock import local_today
from .creditcode import normalize
from .extensions import db
from .models import Enterprise, Grid, Hazard, Visit, user_grids
from .roles import Role


@dataclass
class DueRow:
    row: object
    due: date
    days_to_due: int
    cadre: str | None = None  # 包保责任人: the premises' own, else its grid's

    def __getattr__(self, name):
        return getattr(self.row, name)


def due_list(actor, *, now: datetime, q: str = "", limit: int = 200) -> list[DueRow]:
    """Premises in scope, most urgent first: rechecks, overdue hazards, never visited, then by next visit due.

    The due date follows the premises' risk colour and standardization (risk.next_due),
    so among visited premises the longest overdue for a visit comes first.
    """
    today = local_today(now)
    hz = (
        select(
            Hazard.enterprise_id.label("eid"),
            func.sum(case((Hazard.state == "rectified", 1), else_=0)).label("recheck"),
            func.sum(
                case(((Hazard.state == "open") & (Hazard.deadline < today), 1), else_=0)
            ).label("overdue"),
            func.sum(case((Hazard.state != "closed", 1), else_=0)).label("open_count"),
        )
        .where(Hazard.state != "closed")
        .group_by(Hazard.enterprise_id)
        .subquery()
    )
    visits = (
        select(Visit.enterprise_id.label("eid"), func.max(Visit.finished_at).label("last_visit"))
        .group_by(Visit.enterprise_id)
        .subquery()
    )
    recheck = func.coalesce(hz.c.recheck, 0)
    overdue = func.coalesce(hz.c.overdue, 0)
    stmt = (
        select(
            Enterprise.id,
            Enterprise.name,
            Enterprise.address,
            Enterprise.risk_color,
            Enterprise.venue_type,
            Enterprise.size_class,
            Enterprise.standardization,
            Enterprise.created_at,
            Enterprise.grid_id,
            Grid.code.label("grid_code"),
            recheck.label("recheck"),
            overdue.label("overdue"),
            func.coalesce(hz.c.open_count, 0).label("open_count"),
            visits.c.last_visit,
        )
        .outerjoin(Grid, Grid.id == Enterprise.grid_id)
        .outerjoin(hz, hz.c.eid == Enterprise.id)
        .outerjoin(visits, visits.c.eid == Enterprise.id)
        .where(scope.enterprise_clause(actor), Enterprise.active.is_(True))
    )
    if q:
        stmt = stmt.where(
            or_(
                Enterprise.name.contains(q, autoescape=True),
                Enterprise.address.contains(q, autoescape=True),
                Enterprise.credit_code.startswith(normalize(q), autoescape=True),
            )
        )
    rows = []
    for r in db.session.connection().execute(stmt.limit(5000)):
        due = risk.next_due(r.risk_color, r.standardization, r.last_visit, r.created_at)
        rows.append(DueRow(r, due, (due - today).days))
    rows.sort(
        key=lambda d: (d.recheck == 0, d.overdue == 0, d.last_visit is not None, d.due, d.name)
    )
    rows = rows[:limit]
    names = cadres.names_for([(d.id, d.grid_id) for d in rows])
    for d in rows:
        d.cadre = names.get(d.id)
    return rows


def grids_of(actor) -> list[Grid]:
    """The grids a unit found in the field may be recorded in: the inspector's, the street's, or all."""
    stmt = select(Grid).order_by(Grid.code)
    if actor.role == Role.INSPECTOR:
        stmt = stmt.join(user_grids, user_grids.c.grid_id == Grid.id).where(
            user_grids.c.user_id == actor.id
        )
    elif actor.role == Role.STREET:
        stmt = stmt.where(Grid.street_id == actor.street_id)
    return list(db.session.scalars(stmt))


# The due list's tabs: what to do now, each a distinct question (a visit is 逾期未查; a hazard's
# deadline passing is 整改逾期, shown on its card, never under the same word).
DUE_TABS = {"today": "今日应检", "late": "逾期未查", "recheck": "有整改待复查", "all": "全部"}


def _in_tab(row: DueRow, tab: str) -> bool:
    if tab == "today":
        return row.days_to_due == 0
    if tab == "late":
        return row.days_to_due < 0
    if tab == "recheck":
        return row.recheck > 0
    return True


def due_tabs(
    actor, *, now: datetime, tab: str, q: str = "", limit: int = 200
) -> tuple[list[DueRow], dict[str, int]]:
    """The rows of one tab of the due list, most urgent first, and every tab's count (before any search)."""
    every = due_list(actor, now=now, limit=5000)
    counts = {key: sum(_in_tab(r, key) for r in every) for key in DUE_TABS}
    rows = [
        r for r in (due_list(actor, now=now, q=q, limit=5000) if q else every) if _in_tab(r, tab)
    ]
    if tab == "late":
        # The longest overdue first: the question this tab answers.
        rows.sort(key=lambda d: (d.due, d.name))
    return rows[:limit], counts


def find_by_code(actor, code: str) -> int | None:
    """Resolve what an inspector typed or scanned (placard link, token or credit code) to a premises in scope."""
    text = code.strip()
    token = text.rsplit("/q/", 1)[-1].strip("/ ") if "/q/" in text else text
    ent_id = placards.enterprise_for_token(token)
    if ent_id is None:
        ent_id = db.session.scalar(
            select(Enterprise.id).where(Enterprise.credit_code == normalize(text))
        )
    if ent_id is None:
        return None
    ok = db.session.scalar(
        select(literal(1)).where(Enterprise.id == ent_id, scope.enterprise_clause(actor))
    )
    return ent_id if ok else None
