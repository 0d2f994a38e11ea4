"""Who may see what: the one place every view and API call asks.

An inspector sees the premises of their grids, a street user its street, a
department user its industry, an enterprise user its own premises (and, for a
landlord, its tenants), a district user everything. Out of scope is a 404.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden, NotFound

from . import quarterly
from .auth import Actor
from .extensions import db
from .models import (
    ChecklistProposal,
    Enterprise,
    Grid,
    PlanFiling,
    QuarterFiling,
    Street,
    User,
    user_grids,
)
from .roles import Role

# Domain code accepts the request's Actor or an ORM User: both carry these fields.
ActorLike = Actor | User


class ScopeKey(NamedTuple):
    """What an actor's scope depends on; hashable, so scoped statements can be cached."""

    id: int
    role: str
    street_id: int | None
    industry: str | None
    enterprise_id: int | None
    active: bool


def key(actor: ActorLike) -> ScopeKey:
    return ScopeKey(
        actor.id, actor.role, actor.street_id, actor.industry, actor.enterprise_id, actor.active
    )


def enterprise_clause(actor: ActorLike | ScopeKey) -> ColumnElement[bool]:
    """Return the WHERE clause on Enterprise that the actor's scope allows."""
    if not actor.active:
        return false()
    match actor.role:
        case "district":
            return true()
        case "street":
            return Enterprise.street_id == actor.street_id if actor.street_id else false()
        case "inspector":
            grids = select(user_grids.c.grid_id).where(user_grids.c.user_id == actor.id)
            return Enterprise.grid_id.in_(grids)
        case "department":
            return Enterprise.industry == actor.industry if actor.industry else false()
        case "enterprise":
            if actor.enterprise_id is None:
                return false()
            return or_(
                Enterprise.id == actor.enterprise_id, Enterprise.landlord_id == actor.enterprise_id
            )
    return false()


def enterprises(actor: ActorLike) -> Select:
    """Return a SELECT of the enterprises in the actor's scope."""
    return select(Enterprise).where(enterprise_clause(actor))


def get_enterprise(actor: ActorLike, enterprise_id: int) -> Enterprise:
    """Return the enterprise (its street and grid loaded with it) if it is in scope, else raise 404."""
    ent = db.session.scalar(
        select(Enterprise)
        .options(joinedload(Enterprise.street), joinedload(Enterprise.grid))
        .where(Enterprise.id == enterprise_id, enterprise_clause(actor))
    )
    if ent is None:
        raise NotFound()
    return ent


def get_editable_enterprise(actor: ActorLike, enterprise_id: int) -> Enterprise:
    """Return the enterprise if the actor may edit it: 404 outside scope, 403 when only readable."""
    ent = get_enterprise(actor, enterprise_id)
    if not can_edit_enterprise(actor, ent):
        raise Forbidden()
    return ent


def can_edit_enterprise(actor: ActorLike, ent) -> bool:
    """Street users edit their street's records; district users edit all."""
    if actor.role == Role.DISTRICT:
        return True
    return actor.role == Role.STREET and ent.street_id == actor.street_id


def filer_key(actor: ActorLike) -> str | None:
    """The plan filer an actor files as: street:<id> or department:<industry>; None for other roles."""
    if actor.role == Role.STREET and actor.street_id:
        return f"street:{actor.street_id}"
    if actor.role == Role.DEPARTMENT and actor.industry:
        return f"department:{actor.industry}"
    return None


def get_filing(actor: ActorLike, filing_id: int) -> PlanFiling:
    """A plan filing: the district sees every one, a street or department its own; else 404."""
    row = db.session.get(PlanFiling, filing_id)
    if (
        row is None
        or not actor.active
        or (actor.role != Role.DISTRICT and row.filer != filer_key(actor))
    ):
        raise NotFound()
    return row


def quarter_unit(actor: ActorLike, code: str = "") -> quarterly.Unit:
    """The filer whose quarterly tables the actor opens: its own (no code, or its own code),
    or for the district any street or department it names (no code: the district); else 404."""
    mine = quarterly.unit_of(actor) if actor.active else None
    if mine is None:
        raise NotFound()
    if not code or (mine.kind != "district" and code == mine.code):
        return mine
    unit = quarterly.unit_from_code(code) if mine.kind == "district" else None
    if unit is None or unit.kind == "district":
        raise NotFound()
    return unit


def get_quarter_filing(actor: ActorLike, filing_id: int) -> QuarterFiling:
    """A filed quarter: the district sees every one, a street or department its own; else 404."""
    f = db.session.get(QuarterFiling, filing_id)
    mine = quarterly.unit_of(actor) if actor.active else None
    if f is None or mine is None or (mine.kind != "district" and f.unit != mine.code):
        raise NotFound()
    return f


def get_proposal(actor: ActorLike, proposal_id: int) -> ChecklistProposal:
    """A checklist proposal: the district sees every one, a department its industry's; else 404."""
    p = db.session.get(ChecklistProposal, proposal_id)
    if p is None or not actor.active:
        raise NotFound()
    if actor.role == Role.DISTRICT or (
        actor.role == Role.DEPARTMENT and actor.industry and actor.industry == p.industry
    ):
        return p
    raise NotFound()


def filter_choices(actor: ActorLike) -> dict:
    """The streets and grids an actor may filter by: a street user its own, an inspector the
    streets of its grids and those grids, everyone else every street and grid.

    One rule for the register, the three lists, the archive's bulk export and the campaign.
    Rows: streets (id, name), grids (id, code, name, street_id).
    """
    conn = db.session.connection()
    streets = conn.execute(select(Street.id, Street.name).order_by(Street.id)).all()
    grids = conn.execute(
        select(Grid.id, Grid.code, Grid.name, Grid.street_id).order_by(Grid.code)
    ).all()
    if actor.role == Role.STREET:
        streets = [s for s in streets if s.id == actor.street_id]
    elif actor.role == Role.INSPECTOR:
        mine = set(
            conn.execute(
                select(user_grids.c.grid_id).where(user_grids.c.user_id == actor.id)
            ).scalars()
        )
        grids = [g for g in grids if g.id in mine]
        streets = [s for s in streets if s.id in {g.street_id for g in grids}]
    elif actor.role == Role.ENTERPRISE:
        streets, grids = [], []
    street_ids = {s.id for s in streets}
    return {"streets": streets, "grids": [g for g in grids if g.street_id in street_ids]}


def streets(actor: ActorLike) -> list[Street]:
    """Return the streets (with their grids) an actor may choose among: `filter_choices`' rule."""
    allowed = {s.id for s in filter_choices(actor)["streets"]}
    return [s for s in db.session.scalars(select(Street).order_by(Street.id)) if s.id in allowed]


def label(actor: ActorLike) -> str:
    """Name the actor's scope for a page heading: its street, its industry, or the district."""
    if actor.role == Role.STREET:
        street = db.session.get(Street, actor.street_id) if actor.street_id else None
        return street.name if street else ""
    if actor.role == Role.DEPARTMENT:
        return f"{actor.industry}行业"
    return "全区"
