"""包保责任人: the cadre who answers for a premises or a whole grid (属地 responsibility, plan 三(三)1).

A premises' cadre is its own assignment if it has one, else its grid's. A street
office assigns and relieves the cadres of its street (the district any); every
change is audited. The cadre's name shows on the premises page and on the due list.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import datetime

from sqlalchemy import false, or_, select

from . import audit, scope
from .errors import DomainError
from .extensions import db
from .models import CadreAssignment, Grid
from .roles import OFFICE, Role

PHONE_RE = re.compile(r"^[0-9+\-() ]{5,20}$")


class CadreError(DomainError):
    """A refused assignment, in Chinese."""


def _check_street(actor, street_id: int) -> None:
    if actor.role not in OFFICE:
        raise CadreError("包保责任人由街道安办或区安委办指定。", status=403)
    if actor.role == Role.STREET and street_id != actor.street_id:
        raise CadreError("找不到该对象，或不在您的管辖范围内。", status=404)


def assign(
    *,
    actor,
    now: datetime,
    name: str,
    title: str = "",
    phone: str = "",
    enterprise_id: int | None = None,
    grid_id: int | None = None,
    user_id: int | None = None,
) -> CadreAssignment:
    """Make a cadre answerable for one premises or one grid, relieving the one before. Caller commits."""
    if (enterprise_id is None) == (grid_id is None):
        raise CadreError("请选择包保的场所或网格（二选一）。", status=422)
    if enterprise_id is not None:
        ent = scope.get_enterprise(actor, enterprise_id)
        street_id = ent.street_id
    else:
        grid = db.session.get(Grid, grid_id)
        if grid is None:
            raise CadreError("找不到该网格。", status=404)
        street_id = grid.street_id
    _check_street(actor, street_id)
    name, title, phone = (
        " ".join((name or "").split()),
        (title or "").strip(),
        (phone or "").strip(),
    )
    errors = []
    if not name or len(name) > 40:
        errors.append("请填写包保责任人姓名（40 字以内）")
    if len(title) > 60:
        errors.append("职务不能超过 60 字")
    if phone and not PHONE_RE.match(phone):
        errors.append("电话号码格式不正确")
    if errors:
        raise CadreError("；".join(errors) + "。", status=422, errors=errors)
    for old in current(enterprise_id=enterprise_id, grid_id=grid_id):
        old.ended_at, old.ended_by = now, actor.id
    row = CadreAssignment(
        street_id=street_id,
        enterprise_id=enterprise_id,
        grid_id=grid_id,
        name=name,
        title=title,
        phone=phone or None,
        user_id=user_id,
        assigned_by=actor.id,
        assigned_at=now,
    )
    db.session.add(row)
    db.session.flush()
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="cadre",
        object_id=str(row.id),
        enterprise_id=enterprise_id,
        action="cadre_assigned",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"enterprise": enterprise_id, "grid": grid_id, "name": name, "title": title},
    )
    return row


def end(assignment_id: int, *, actor, now: datetime) -> CadreAssignment:
    row = db.session.get(CadreAssignment, assignment_id)
    if row is None:
        raise CadreError("找不到该包保记录。", status=404)
    _check_street(actor, row.street_id)
    if row.ended_at is not None:
        raise CadreError("该包保已解除。", status=409)
    row.ended_at, row.ended_by = now, actor.id
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="cadre",
        object_id=str(row.id),
        enterprise_id=row.enterprise_id,
        action="cadre_ended",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"enterprise": row.enterprise_id, "grid": row.grid_id, "name": row.name},
    )
    return row


def current(
    *, enterprise_id: int | None = None, grid_id: int | None = None
) -> list[CadreAssignment]:
    stmt = select(CadreAssignment).where(CadreAssignment.ended_at.is_(None))
    stmt = (
        stmt.where(CadreAssignment.enterprise_id == enterprise_id)
        if enterprise_id is not None
        else stmt.where(CadreAssignment.grid_id == grid_id)
    )
    return list(db.session.scalars(stmt))


def for_premises(enterprise_id: int, grid_id: int | None) -> CadreAssignment | None:
    """The premises' cadre: its own, else its grid's."""
    rows = db.session.scalars(
        select(CadreAssignment).where(
            CadreAssignment.ended_at.is_(None),
            or_(
                CadreAssignment.enterprise_id == enterprise_id,
                CadreAssignment.grid_id == grid_id if grid_id is not None else false(),
            ),
        )
    ).all()
    own = [r for r in rows if r.enterprise_id == enterprise_id]
    return (own or rows or [None])[0]


def names_for(pairs: list[tuple[int, int | None]]) -> dict[int, str]:
    """Each premises' cadre name, for lists: {enterprise_id: name}; in one query for both kinds."""
    if not pairs:
        return {}
    ids = {e for e, _ in pairs}
    grids = {g for _, g in pairs if g is not None}
    rows = db.session.execute(
        select(CadreAssignment.enterprise_id, CadreAssignment.grid_id, CadreAssignment.name).where(
            CadreAssignment.ended_at.is_(None),
            or_(CadreAssignment.enterprise_id.in_(ids), CadreAssignment.grid_id.in_(grids)),
        )
    ).all()
    by_ent = {e: n for e, g, n in rows if e is not None}
    by_grid = {g: n for e, g, n in rows if g is not None}
    return {e: by_ent.get(e) or by_grid.get(g) for e, g in pairs if by_ent.get(e) or by_grid.get(g)}


def listing(actor) -> list[CadreAssignment]:
    """Active assignments of the actor's street (the district: all)."""
    stmt = (
        select(CadreAssignment)
        .where(CadreAssignment.ended_at.is_(None))
        .order_by(CadreAssignment.street_id, CadreAssignment.grid_id, CadreAssignment.enterprise_id)
    )
    if actor.role != Role.DISTRICT:
        stmt = stmt.where(CadreAssignment.street_id == actor.street_id)
    return list(db.session.scalars(stmt))


def grid_choices(actor) -> list[Grid]:
    stmt = select(Grid).order_by(Grid.code)
    if actor.role != Role.DISTRICT:
        stmt = stmt.where(Grid.street_id == actor.street_id)
    return list(db.session.scalars(stmt))
