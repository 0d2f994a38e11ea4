"""督导帮扶 visits (plan 四(三)): supervision teams and experts, counted apart from routine visits.

A team (小分队) of several people, with experts named as written, visits any premises
of its street and walks a checklist like any visit (PUT /api/v1/visits/{uuid} with a
`supervision` part). The visit is an ordinary visit with a VisitTeam row: routine
counts leave it out (`routine_clause`), supervision counts take only it (`counts`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from . import scope
from .clock import LOCAL_TZ
from .extensions import db
from .models import Enterprise, Grid, Street, Visit, VisitTeam, user_grids
from .roles import Role


def streets_of(actor) -> list[int] | None:
    """The streets whose premises a team member may visit: their street, their grids' streets; None: all."""
    if actor.role == Role.DISTRICT:
        return None
    if actor.role == Role.STREET:
        return [actor.street_id] if actor.street_id else []
    if actor.role == Role.INSPECTOR:
        return list(
            db.session.scalars(
                select(Grid.street_id)
                .join(user_grids, user_grids.c.grid_id == Grid.id)
                .where(user_grids.c.user_id == actor.id)
                .distinct()
            )
        )
    return []


def premises(actor, enterprise_id: int) -> Enterprise:
    """The premises of a supervision visit: any in the actor's street(s), else 404."""
    if not actor.active:
        raise NotFound()
    streets = streets_of(actor)
    stmt = (
        select(Enterprise)
        .options(joinedload(Enterprise.street), joinedload(Enterprise.grid))
        .where(Enterprise.id == enterprise_id)
    )
    if streets is not None:
        stmt = stmt.where(Enterprise.street_id.in_(streets))
    ent = db.session.scalar(stmt)
    if ent is None:
        raise NotFound()
    return ent


def record(visit_uuid: str, team, ent) -> dict:
    """Keep a supervision visit's team beside the visit; return what its audit event adds ({} for routine visits)."""
    if team is None:
        return {}
    participants = [" ".join(p.split()) for p in team.participants if p.strip()]
    experts = (team.experts or "").strip()
    db.session.add(
        VisitTeam(
            visit_uuid=visit_uuid,
            kind="supervision",
            participants=participants,
            experts=experts,
            street_id=ent.street_id,
        )
    )
    return {"supervision": {"participants": participants, "experts": experts}}


def routine_clause():
    """Visits that are not supervision visits (for counting routine inspections)."""
    return ~exists().where(VisitTeam.visit_uuid == Visit.uuid)


def _bounds(start: date | datetime, end: date | datetime) -> tuple[datetime, datetime]:
    def at(v):
        return v if isinstance(v, datetime) else datetime.combine(v, time(), LOCAL_TZ)

    return at(start), at(end)


def counts(
    street_ids: list[int] | None, start: date | datetime, end: date | datetime
) -> dict[int, dict[str, int]]:
    """Per street: supervision visits, premises they covered, and routine visits, finished in [start, end)."""
    lo, hi = _bounds(start, end)
    base = [Visit.finished_at >= lo, Visit.finished_at < hi]
    if street_ids is not None:
        base.append(Enterprise.street_id.in_(street_ids))
    conn = db.session.connection()
    sup = conn.execute(
        select(Enterprise.street_id, func.count(), func.count(func.distinct(Visit.enterprise_id)))
        .select_from(Visit)
        .join(VisitTeam, VisitTeam.visit_uuid == Visit.uuid)
        .join(Enterprise, Enterprise.id == Visit.enterprise_id)
        .where(*base)
        .group_by(Enterprise.street_id)
    ).all()
    routine = Counter(
        dict(
            conn.execute(
                select(Enterprise.street_id, func.count())
                .select_from(Visit)
                .join(Enterprise, Enterprise.id == Visit.enterprise_id)
                .where(*base, routine_clause())
                .group_by(Enterprise.street_id)
            ).all()
        )
    )
    out = {sid: {"supervision": 0, "premises": 0, "routine": n} for sid, n in routine.items()}
    for sid, n, premises in sup:
        out.setdefault(sid, {"supervision": 0, "premises": 0, "routine": 0}).update(
            supervision=n, premises=premises
        )
    return out


def year_counts(actor, today: date) -> tuple[date, dict[int, dict[str, int]]]:
    """Return the year's first day and each street's counts up to today.

    A street user sees its own street; every other office role sees the whole district.
    """
    start = today.replace(month=1, day=1)
    streets = [actor.street_id] if actor.role == Role.STREET else None
    return start, counts(streets, start, today + timedelta(days=1))


def street_names() -> dict[int, str]:
    """Return every street's name by id."""
    return dict(db.session.execute(select(Street.id, Street.name)).all())


def listing(actor, limit: int = 200) -> list:
    """Supervision visits in the actor's scope, newest first, with their team."""
    stmt = (
        select(Visit, VisitTeam)
        .join(VisitTeam, VisitTeam.visit_uuid == Visit.uuid)
        .join(Enterprise, Enterprise.id == Visit.enterprise_id)
        .where(scope.enterprise_clause(actor))
        .order_by(Visit.finished_at.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt))


def team_of(visit_uuid: str) -> VisitTeam | None:
    return db.session.get(VisitTeam, visit_uuid)
