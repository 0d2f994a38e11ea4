"""Annex 1's targets against the plan's phases: the new additions counted by each phase's end.

The targets are year-end numbers (annex 1, "2025年底前"); the plan sets no figure per
phase, so none is invented here. Each phase that has ended shows what was recorded by
its last day; the phase now running shows what is recorded so far; later phases show
nothing yet. Counting is `targets.progress` (新增 only; renewals and second recognitions
apart), so these figures agree with the targets page and the quarterly tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from . import plan, targets
from .clock import local_today
from .extensions import db
from .models import Street
from .roles import Role

ENDED, CURRENT, AHEAD = "ended", "current", "ahead"


def streets_in_scope(actor) -> list[Street]:
    """The streets whose targets an actor sees: a street its own, the district every one (else none)."""
    if not actor.active:
        return []
    stmt = select(Street).order_by(Street.id)
    if actor.role == Role.STREET:
        stmt = stmt.where(Street.id == actor.street_id) if actor.street_id else None
    elif actor.role != Role.DISTRICT:
        stmt = None
    return list(db.session.scalars(stmt)) if stmt is not None else []


@dataclass
class Checkpoint:
    """One column: a phase (or, without a plan, the year), the day counted through, and whether it has ended."""

    title: str
    ends_on: date
    state: str  # ended / current / ahead
    counted_to: date | None  # the last day whose records count (None: ahead, nothing counted)


@dataclass
class Line:
    """One street (or 合计) for one target: the target and the new additions by each checkpoint."""

    name: str
    street_id: int | None
    target: int
    values: list[int | None]  # per checkpoint; None for a phase not reached

    @property
    def latest(self) -> int:
        return next((v for v in reversed(self.values) if v is not None), 0)

    @property
    def percent(self) -> int | None:
        return round(100 * self.latest / self.target) if self.target else None

    @property
    def met(self) -> bool | None:
        return self.latest >= self.target if self.target else None


@dataclass
class Block:
    key: str
    label: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class PhaseProgress:
    year: int
    today: date
    has_plan: bool
    checkpoints: list[Checkpoint]
    blocks: list[Block]
    street_count: int


def checkpoints(year: int, today: date) -> list[Checkpoint]:
    """The year's phases (by end date) as checkpoints; the whole year when no plan is entered."""
    year_end = date(year, 12, 31)
    phases = [
        (p.title, min(p.ends_on, year_end))
        for p in sorted(plan.phases(year), key=lambda p: (p.ends_on, p.position))
    ]
    if not phases:
        phases = [("全年", year_end)]
    out: list[Checkpoint] = []
    running = False
    for title, ends in phases:
        if ends < today:
            out.append(Checkpoint(title, ends, ENDED, ends))
        elif not running and date(year, 1, 1) <= today:
            running = True
            out.append(Checkpoint(title, ends, CURRENT, today))
        else:
            out.append(Checkpoint(title, ends, AHEAD, None))
    return out


def by_phase(actor, year: int, *, now: datetime) -> PhaseProgress:
    """Annex 1's targets for the streets in the actor's scope, with the new additions by each phase's end."""
    streets = streets_in_scope(actor)
    if not streets:
        raise NotFound()
    today = local_today(now)
    points = checkpoints(year, today)
    # One count per checkpoint reached: a past phase's end counts whole quarters of posts, today the running one too.
    counted = [
        targets.progress(streets, year, until=c.counted_to, open_quarter=c.state == CURRENT)
        if c.counted_to
        else None
        for c in points
    ]
    base = targets.progress(
        streets, year, until=today
    )  # the targets themselves (and the rows' order)
    blocks = []
    for n, key in enumerate(targets.PROGRESS_KEYS):
        block = Block(key, targets.KEYS[key])
        for r, row in enumerate(base):
            block.lines.append(
                Line(
                    row.name,
                    row.street.id if row.street else None,
                    row.items[n].target,
                    [rows[r].items[n].actual if rows else None for rows in counted],
                )
            )
        blocks.append(block)
    return PhaseProgress(year, today, bool(plan.phases(year)), points, blocks, len(streets))
