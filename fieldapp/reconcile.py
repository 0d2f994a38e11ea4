"""Which of the phone's records does the server hold, and which did a phone lose?

A phone keeps each record for some days after its receipt and asks again on every
sync run (sync rule R9): after a restore from an older backup, whatever the server
no longer holds is sent again. Each phone also reports what it still has queued;
when a record leaves that list without reaching the server (the browser evicted
the phone's storage, say), the street office is told (可能丢失的离线记录).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import or_, select

from . import alerts, contract, scope, units, visits
from .contract.api import HELD_MAX, HeldIn, QueueIn
from .errors import DomainError
from .extensions import db
from .models import Alert, AuditEvent, DeviceQueue, Enterprise, UnitProposal, UnitVisit, Visit


class ReconcileError(DomainError):
    """A refused held? or queue body."""


def validate_held(body) -> dict[str, list[str]]:
    """Check a "which of these do you hold?" body: {"visits", "events", "alerts", "units"}, at most 200 in all."""
    data = contract.parse(HeldIn, body, what="核对请求")
    asked = {
        k: list(dict.fromkeys(getattr(data, k))) for k in ("visits", "events", "alerts", "units")
    }
    if sum(len(v) for v in asked.values()) > HELD_MAX:
        raise ReconcileError(
            "核对请求有误。", status=422, errors=[f"一次最多核对 {HELD_MAX} 条记录"]
        )
    return asked


def held(actor, asked: dict[str, list[str]]) -> dict[str, dict]:
    """For each asked uuid: its receipt when the server holds it for this caller, else null.

    A visit counts as held for its own inspector, or for anyone whose scope covers its
    premises; events and alerts only for the user who sent them. A visit to a unit found
    in the field answers with its unit receipt (held, attached or unit_rejected), as its
    PUT does; a unit, with its review status, for the inspector who recorded it.
    """
    out: dict[str, dict] = {"visits": {}, "events": {}, "alerts": {}, "units": {}}
    if asked["visits"]:
        rows = list(
            db.session.scalars(
                select(Visit)
                .join(Enterprise, Enterprise.id == Visit.enterprise_id)
                .where(
                    Visit.uuid.in_(asked["visits"]),
                    or_(Visit.inspector_id == actor.id, scope.enterprise_clause(actor)),
                )
            )
        )
        receipts = visits.receipts(rows)
        receipts.update(
            {
                v.uuid: units.visit_receipt(v)
                for v in db.session.scalars(
                    select(UnitVisit).where(
                        UnitVisit.uuid.in_(asked["visits"]), UnitVisit.inspector_id == actor.id
                    )
                )
            }
        )
        out["visits"] = {u: receipts.get(u) for u in asked["visits"]}
    if asked["units"]:
        found_units = {
            p.uuid: p
            for p in db.session.scalars(
                select(UnitProposal).where(
                    UnitProposal.uuid.in_(asked["units"]), UnitProposal.proposed_by == actor.id
                )
            )
        }
        out["units"] = {
            u: (units.receipt(found_units[u]) if u in found_units else None) for u in asked["units"]
        }
    if asked["events"]:
        found = {
            e.uuid: e
            for e in db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.uuid.in_(asked["events"]),
                    AuditEvent.object_type == "hazard",
                    AuditEvent.actor_id == actor.id,
                )
            )
        }
        out["events"] = {
            u: (
                {
                    "uuid": found[u].object_id,
                    "event": u,
                    "action": found[u].action,
                    "version": json.loads(found[u].payload).get("version"),
                }
                if u in found
                else None
            )
            for u in asked["events"]
        }
    if asked["alerts"]:
        found_alerts = {
            a.uuid: a
            for a in db.session.scalars(
                select(Alert).where(Alert.uuid.in_(asked["alerts"]), Alert.user_id == actor.id)
            )
        }
        out["alerts"] = {
            u: (alerts.receipt(found_alerts[u]) if u in found_alerts else None)
            for u in asked["alerts"]
        }
    return out


def validate_queue(body) -> dict:
    """Check a queue report: {"items": [{"uuid", "type", "enterprise_id"}], "discarded": [uuid]}."""
    data = contract.parse(QueueIn, body, what="待同步清单")
    items, seen = [], set()
    for it in data.items:
        if it.uuid not in seen:
            seen.add(it.uuid)
            items.append({"uuid": it.uuid, "type": it.type, "enterprise_id": it.enterprise_id})
    return {"items": items, "discarded": list(dict.fromkeys(data.discarded))}


def _held_uuids(uuids: list[str]) -> set[str]:
    if not uuids:
        return set()
    found = set(db.session.scalars(select(Visit.uuid).where(Visit.uuid.in_(uuids))))
    found |= set(db.session.scalars(select(AuditEvent.uuid).where(AuditEvent.uuid.in_(uuids))))
    found |= set(db.session.scalars(select(Alert.uuid).where(Alert.uuid.in_(uuids))))
    return found


def report_queue(actor, device_id: str, report: dict, *, now: datetime) -> dict:
    """Keep this phone's queue for this user; note records that left it without reaching the server.

    The caller commits. A record the user chose to discard on the phone is not lost.
    """
    row = db.session.get(DeviceQueue, (device_id, actor.id))
    now_uuids = {i["uuid"] for i in report["items"]}
    lost = 0
    if row is not None:
        gone = [
            i
            for i in row.items
            if i["uuid"] not in now_uuids and i["uuid"] not in report["discarded"]
        ]
        on_server = _held_uuids([i["uuid"] for i in gone])
        for record in gone:
            if record["uuid"] not in on_server:
                lost += alerts.raise_lost(
                    device_id=device_id,
                    record=record,
                    user=actor,
                    last_reported_at=row.reported_at,
                    now=now,
                )
        row.items, row.queued, row.reported_at = report["items"], len(report["items"]), now
    else:
        db.session.add(
            DeviceQueue(
                device_id=device_id,
                user_id=actor.id,
                items=report["items"],
                queued=len(report["items"]),
                reported_at=now,
            )
        )
    db.session.flush()
    return {"queued": len(report["items"]), "reported_at": now.isoformat(), "lost": lost}
