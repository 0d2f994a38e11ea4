"""The phone's bundle: everything an inspector needs for a day with no signal."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select

from . import (
    checklist_versions,
    enterprises,
    fire_judgement,
    hazards,
    placards,
    risk,
    scope,
    units,
    visits,
)
from .clock import local_today
from .contract.rules import LIMITS, ItemRules
from .errors import DomainError
from .extensions import db
from .models import Enterprise, Hazard, Visit

BUNDLE_VERSION = 2
# A phone may work offline for days: it also gets the editions coming into force within
# this window, and picks by the visit's date (a visit on an edition not in force is refused).
OFFLINE_DAYS = 14


def checklist_bundle(c) -> dict:
    """One checklist as the phone needs it: items with their defect, measure and rules."""
    validity = {
        "edition": c.edition,
        "valid_from": c.valid_from.isoformat() if c.valid_from else None,
        "valid_until": c.valid_until.isoformat() if c.valid_until else None,
    }
    return {
        "id": c.id,
        "version": c.version,
        "title": c.title,
        "content_hash": c.content_hash,
        **validity,
        "sections": [{"key": s.key, "title": s.title} for s in c.sections],
        "items": [
            {
                **i.as_data(),
                "section": s.key,
                **(validity if c.edition else {}),
                # What the phone enforces, from the object the server validates with.
                "rules": ItemRules.of(i).model_dump(mode="json"),
            }
            for s in c.sections
            for i in s.items
        ],
    }


def offered(registry, ent, today):
    """The checklists a premises may be walked on from today to the end of the offline window."""
    horizon = today + timedelta(days=OFFLINE_DAYS)
    return [
        c
        for c in registry.for_enterprise(ent)
        if (c.valid_from is None or c.valid_from <= horizon)
        and (c.valid_until is None or c.valid_until >= today)
    ]


def unit_entry(p, registry, today, used: dict, kinds: dict) -> dict:
    """A unit found in the field as the phone walks it: its lists chosen as for a registered premises of its kind."""
    key = (p.venue_type, p.industry, p.size_class or "small_micro")
    if key not in kinds:  # units of one kind share their lists: chosen once
        stand_in = SimpleNamespace(
            venue_type=key[0], industry=key[1], size_class=key[2], hosts_tenants=False
        )
        applicable = offered(registry, stand_in, today)
        items = {c.id: registry.items_for_enterprise(c, stand_in) for c in applicable}
        kinds[key] = (
            [{"id": c.id, "version": c.version} for c in applicable],
            # Only the lists an item narrows: the phone walks every item of a list not named
            # here, and a street office's hundreds of units stay a small download.
            {
                c.id: [i.key for i in items[c.id]]
                for c in applicable
                if len(items[c.id]) < len(c.items)
            },
            applicable,
        )
    refs, items, applicable = kinds[key]
    for c in applicable:
        used[c.id] = c
    return {
        "unit": p.uuid,
        "id": None,
        "name": p.name,
        "address": p.address,
        "street": p.street.name,
        "grid": p.grid.code if p.grid else None,
        "venue_type": p.venue_type,
        "industry": p.industry,
        "size_class": key[2],
        "hosts_tenants": False,
        "checklists": refs,
        "checklist_items": items,
        "fire_venue_kind": fire_judgement.venue_kind_for(p.venue_type, p.industry, None),
        "public_url": None,
        "street_phone": p.street.office_phone or "",
    }


class Unrecorded(DomainError):
    """A version the phone would get is not recorded yet (start-up records them)."""

    status = 503


def build(actor, *, registry, base_url: str, now: datetime) -> dict:
    """Everything the actor's phone needs for a day with no signal, as the bootstrap body.

    Raises VersionConflict when a checklist file changed under its version number, and
    Unrecorded when a version handed out is not recorded: a GET writes nothing.
    """
    today = local_today(now)
    conn = db.session.connection()
    rows = list(conn.execute(enterprises.rows(actor).order_by(Enterprise.name, Enterprise.id)))
    last_visit = dict(
        conn.execute(
            select(Visit.enterprise_id, func.max(Visit.finished_at))
            .join(Enterprise, Enterprise.id == Visit.enterprise_id)
            .where(scope.enterprise_clause(actor))
            .group_by(Visit.enterprise_id)
        ).all()
    )
    open_hazards = list(
        db.session.scalars(
            select(Hazard)
            .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
            .where(scope.enterprise_clause(actor), Hazard.state != "closed")
            .order_by(Hazard.deadline)
        )
    )
    by_premises: dict[int, list[Hazard]] = {}
    for h in open_hazards:
        by_premises.setdefault(h.enterprise_id, []).append(h)
    used: dict[str, object] = {}
    premises = []
    for r in rows:
        applicable = offered(registry, r, today)
        for c in applicable:
            used[c.id] = c
        mine = by_premises.get(r.id, [])
        premises.append(
            {
                "id": r.id,
                "name": r.name,
                "address": r.address,
                "street": r.street_name,
                "grid": r.grid_code,
                "venue_type": r.venue_type,
                "size_class": r.size_class,
                "industry": r.industry,
                "risk_color": r.risk_color,
                "lat": r.lat,
                "lng": r.lng,
                "hosts_tenants": r.hosts_tenants,
                "checklists": [{"id": c.id, "version": c.version} for c in applicable],
                # The items of each checklist that apply to this premises (an item may narrow its list's scope).
                "checklist_items": {
                    c.id: [i.key for i in registry.items_for_enterprise(c, r)] for c in applicable
                },
                "fire_venue_kind": fire_judgement.venue_kind_for(
                    r.venue_type, r.industry, r.employees
                ),
                "last_visit_at": last_visit[r.id].isoformat() if r.id in last_visit else None,
                # Same rule as the due list (colour and standardization), for planning the day offline.
                "next_visit_due": risk.next_due(
                    r.risk_color, r.standardization, last_visit.get(r.id), r.created_at
                ).isoformat(),
                "open_hazards": len(mine),
                "overdue_hazards": sum(hazards.is_overdue(h, today) for h in mine),
                "awaiting_recheck": sum(h.state == "rectified" for h in mine),
                # For the 整改通知书 printed offline: the placard page its QR code opens, the office's phone.
                "public_url": placards.public_url(base_url, r),
                "street_phone": r.street_phone or "",
            }
        )
    # Units found in the field and not yet decided: a first visit can be walked against one
    # before the office approves it (the server holds that visit until then). Every one the
    # user sees, however many (a street office may have hundreds waiting): a bound here
    # would leave a phone unable to open a draft to one without saying why.
    kinds: dict[tuple, tuple] = {}
    proposed = [
        unit_entry(p, registry, today, used, kinds) for p in units.listing(actor, status="proposed")
    ]
    # Units decided since the oldest visit the server still accepts: a draft or a queued
    # visit to one falls back to the premises it became, or says why it became none.
    decided = [
        {
            **unit_entry(p, registry, today, used, kinds),
            "status": p.status,
            "enterprise_id": p.enterprise_id,
            "enterprise_name": p.enterprise.name if p.enterprise else None,
            "reason": p.reason,
            "decided_at": p.decided_at.isoformat(),
        }
        for p in units.decided_since(actor, now - visits.MAX_AGE)
    ]
    # A phone may walk these versions offline for days: each must be recorded (start-up
    # pins them) so a visit against it still syncs after the file has moved on. A GET
    # writes nothing: an unrecorded version is refused rather than recorded here.
    missing = checklist_versions.unpinned(list(used.values()))
    if missing:
        names = "、".join(f"{c.id} 第 {c.version} 版" for c in missing)
        raise Unrecorded(f"检查清单 {names} 尚未登记，请区级管理员执行数据库升级后重启服务。")
    return dict(
        bundle_version=BUNDLE_VERSION,
        generated_at=now.isoformat(),
        limits=LIMITS.model_dump(mode="json"),
        user={
            "id": actor.id,
            "username": actor.username,
            "name": actor.name,
            "role": actor.role,
        },
        enterprises=premises,
        units=proposed,
        decided_units=decided,
        checklists=[checklist_bundle(c) for c in used.values()],
        fire_judgement=fire_judgement.rules(),
        hazards=[
            {
                "uuid": h.uuid,
                "enterprise_id": h.enterprise_id,
                "state": h.state,
                "level": h.level,
                "deadline": h.deadline.isoformat(),
                "overdue": hazards.is_overdue(h, today),
                "version": h.version,
                "item_text": h.item_text,
                "defect": h.finding,
                "description": h.description,
            }
            for h in open_hazards
        ],
    )
