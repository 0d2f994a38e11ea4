"""The rows behind a figure of a quarterly table: premises, hazards, visits, cases or hand-entered figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select, true

from . import scope
from .extensions import db
from .models import (
    CampaignCase,
    EnforcementRecord,
    Enterprise,
    Hazard,
    QuarterFigure,
    Street,
    Visit,
)
from .roles import Role

PER_PAGE = 200
SOURCES = {
    "premises": "家单位",
    "hazards": "条隐患",
    "visits": "次检查",
    "cases": "个案例",
    "figures": "项填报数",
    "enforcement": "条执法记录",
}
FIGURE = "figure:"  # an id of a hand-entered figure inside a figure counted from records (annex 7's enforcement)


@dataclass
class Behind:
    source: str
    total: int  # ids behind the figure
    items: list = field(default_factory=list)  # this page's records the viewer may see
    hidden: int = 0  # on this page, outside the viewer's scope (or since removed)
    page: int = 1
    pages: int = 1
    figures: list = field(
        default_factory=list
    )  # hand-entered figures behind it too (quarters before the records)


def rows_behind(actor, source: str, ids: list, via: dict | None = None, *, page: int = 1) -> Behind:
    """One page of the records behind a figure, in the viewer's scope."""
    pages = max(1, -(-len(ids) // PER_PAGE))
    page = min(max(1, page), pages)
    chunk = ids[(page - 1) * PER_PAGE : page * PER_PAGE]
    via = via or {}
    typed = [int(i[len(FIGURE) :]) for i in chunk if isinstance(i, str) and i.startswith(FIGURE)]
    chunk = [i for i in chunk if not (isinstance(i, str) and i.startswith(FIGURE))]
    items = _load(actor, source, chunk, via) if chunk else []
    figures = _load(actor, "figures", typed, {}) if typed else []
    return Behind(
        source,
        len(ids),
        items,
        len(chunk) + len(typed) - len(items) - len(figures),
        page,
        pages,
        figures,
    )


def _load(actor, source: str, chunk: list, via: dict) -> list:
    in_scope = scope.enterprise_clause(actor)
    if source == "premises":
        rows = db.session.execute(
            select(Enterprise, Street.name)
            .join(Street, Street.id == Enterprise.street_id)
            .where(Enterprise.id.in_([int(i) for i in chunk]), in_scope)
        ).all()
        order = {int(i): n for n, i in enumerate(chunk)}
        return sorted(
            (
                {"kind": "premises", "ent": e, "street": s, "via": via.get(str(e.id))}
                for e, s in rows
            ),
            key=lambda x: order[x["ent"].id],
        )
    if source == "hazards":
        return list(
            db.session.scalars(
                select(Hazard)
                .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
                .where(Hazard.uuid.in_(chunk), in_scope)
                .order_by(Hazard.raised_at)
            )
        )
    if source == "visits":
        return list(
            db.session.scalars(
                select(Visit)
                .join(Enterprise, Enterprise.id == Visit.enterprise_id)
                .where(Visit.uuid.in_(chunk), in_scope)
                .order_by(Visit.finished_at)
            )
        )
    if source == "cases":
        stmt = (
            select(CampaignCase)
            .outerjoin(Enterprise, Enterprise.id == CampaignCase.enterprise_id)
            .where(
                CampaignCase.id.in_([int(i) for i in chunk]),
                or_(
                    CampaignCase.enterprise_id.is_(None)
                    & _street_scope(actor, CampaignCase.street_id),
                    in_scope,
                ),
            )
        )
        return list(db.session.scalars(stmt.order_by(CampaignCase.on)))
    if source == "enforcement":
        return list(
            db.session.scalars(
                select(EnforcementRecord)
                .join(Enterprise, Enterprise.id == EnforcementRecord.enterprise_id)
                .where(EnforcementRecord.uuid.in_(chunk), in_scope)
                .order_by(EnforcementRecord.decided_on, EnforcementRecord.uuid)
            )
        )
    if source == "figures":
        stmt = select(QuarterFigure).where(
            QuarterFigure.id.in_([int(i) for i in chunk]), _figure_scope(actor)
        )
        return list(
            db.session.scalars(
                stmt.order_by(QuarterFigure.year, QuarterFigure.quarter, QuarterFigure.id)
            )
        )
    return []


def _street_scope(actor, column):
    if actor.role == Role.DISTRICT:
        return true()
    return (
        column == actor.street_id
        if actor.role == Role.STREET and actor.street_id
        else column.is_(None)
    )


def _figure_scope(actor):
    if actor.role == Role.DISTRICT:
        return true()
    if actor.role == Role.STREET:
        return QuarterFigure.street_id == actor.street_id
    if actor.role == Role.DEPARTMENT:
        return QuarterFigure.industry == actor.industry
    return QuarterFigure.id.is_(None)


def via_label(value) -> tuple[str, str | None]:
    """What qualifies a premises for a figure, and the visit to open (if it is a visit)."""
    if value is None:
        return "", None
    if value == "self":
        return "本单位自查清单闭环", None
    text = str(value)
    if len(text) == 36 and text.count("-") == 4:
        return "检查记录", text
    return f"登记记录 #{text}", None
