"""Reports to the street office that a person must act on, and their acknowledgement.

An inspector's phone sends two kinds, each under a uuid it made before saving (so a
replay is idempotent, like a visit): `major_hazard` — the same-day report a major
hazard requires (当日报告街道安办), queued with one tap at the item, offline too —
and `sync_conflict` — a queued record the server refused with 409, sent with the
phone's copy as evidence. The server raises a third, `lost_record`, when a phone's
queue shrank without its records arriving (see `reconcile.report_queue`).

The street (or district) acknowledges each one; the phone learns of it through the
receipt it re-checks, and its outbox shows it.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden, NotFound

from . import audit, contract, enterprises, roles, scope
from .clock import utcnow
from .contract.api import AlertIn
from .contract.types import UUID_RE
from .errors import DomainError
from .extensions import db
from .models import Alert, Enterprise, Hazard

KINDS = {
    "major_hazard": "重大隐患待处置",
    "sync_conflict": "同步冲突待核实",
    "lost_record": "可能丢失的离线记录",
}
ACK_ROLES = roles.OFFICE
MAX_PAYLOAD_CHARS = 64_000


class AlertError(DomainError):
    """A refused report from the phone; `errors` lists each problem, in Chinese."""


@dataclass
class Receipt:
    body: dict
    created: bool


def validate(alert_uuid: str, body, *, actor) -> dict:
    """Check a report from the phone: its shape (the contract), scope (404) and the rules of its kind (422)."""
    if not UUID_RE.match(alert_uuid or ""):
        raise AlertError("报告编号应为小写 UUID。", status=400)
    data = contract.parse(AlertIn, body, what="报告")
    ent = enterprises.get(actor, data.enterprise_id)  # 404 outside the caller's scope
    errors: list[str] = []
    if data.kind == "major_hazard" and data.hazard_uuid is None:
        errors.append("hazard_uuid：重大隐患报告须写明隐患编号")
    if data.kind == "sync_conflict" and data.record_uuid is None:
        errors.append("record_uuid：同步冲突须写明被拒收记录的编号")
    if not data.subject.strip():
        errors.append("subject：检查项或记录名称不能为空")
    if data.payload is not None:
        if data.kind != "sync_conflict":
            errors.append("payload：只用于同步冲突（手机上的记录）")
        elif len(audit.canonical(data.payload)) > MAX_PAYLOAD_CHARS:
            errors.append(f"payload：不能超过 {MAX_PAYLOAD_CHARS} 个字符")
    if errors:
        raise AlertError("报告内容有误，未保存。", status=422, errors=errors)
    return {
        "kind": data.kind,
        "enterprise": ent,
        "hazard_uuid": data.hazard_uuid,
        "record_uuid": data.record_uuid,
        "subject": data.subject.strip(),
        "note": (data.note or "").strip(),
        "occurred": data.occurred_at,
        "payload": data.payload,
    }


def receipt(alert: Alert) -> dict:
    return {
        "uuid": alert.uuid,
        "kind": alert.kind,
        "received_at": alert.received_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
    }


def _insert():
    return pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert


def receive(alert_uuid: str, body, *, actor, now: datetime) -> Receipt:
    """Store an alert from the phone, or answer a replay (same body: same receipt; else 409). The caller commits."""
    existing = db.session.get(Alert, alert_uuid) if isinstance(alert_uuid, str) else None
    if existing is not None:
        return _compare(existing, body, actor)
    clean = validate(alert_uuid, body, actor=actor)
    digest = audit.sha256(audit.canonical(body))
    inserted = db.session.execute(
        _insert()(Alert)
        .values(
            uuid=alert_uuid,
            kind=clean["kind"],
            enterprise_id=clean["enterprise"].id,
            user_id=actor.id,
            hazard_uuid=clean["hazard_uuid"],
            record_uuid=clean["record_uuid"],
            subject=clean["subject"],
            note=clean["note"],
            payload=clean["payload"],
            body_hash=digest,
            occurred_at=clean["occurred"],
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["uuid"])
        .returning(Alert.uuid)
    ).first()
    if inserted is None:  # lost a race with the same uuid: answer as a replay
        db.session.rollback()
        return _compare(db.session.get(Alert, alert_uuid), body, actor)
    audit.append(
        uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"alert:{alert_uuid}")),
        object_type="alert",
        object_id=alert_uuid,
        enterprise_id=clean["enterprise"].id,
        action="alert_received",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={
            "kind": clean["kind"],
            "hazard": clean["hazard_uuid"],
            "record": clean["record_uuid"],
            "body_sha256": digest,
        },
    )
    return Receipt(receipt(db.session.get(Alert, alert_uuid)), created=True)


def _compare(existing: Alert, body, actor) -> Receipt:
    if existing.user_id != actor.id:
        raise AlertError("该报告编号已被使用。", status=409)
    if not isinstance(body, dict) or audit.sha256(audit.canonical(body)) != existing.body_hash:
        raise AlertError("该报告编号已提交过不同的内容；手机上的记录已保留。", status=409)
    return Receipt(receipt(existing), created=False)


def raise_lost(
    *, device_id: str, record: dict, user, last_reported_at: datetime, now: datetime
) -> bool:
    """Note one queued record that left a phone without reaching the server; once per device and record."""
    alert_uuid = str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"lost:{device_id}:{record['uuid']}"))
    ent = db.session.get(Enterprise, record["enterprise_id"])
    if ent is None:
        return False
    labels = {"visit": "检查记录", "event": "隐患复查操作", "alert": "报告"}
    payload = {
        "type": record["type"],
        "device": device_id[:8],
        "last_reported_at": last_reported_at.isoformat(),
    }
    inserted = db.session.execute(
        _insert()(Alert)
        .values(
            uuid=alert_uuid,
            kind="lost_record",
            enterprise_id=ent.id,
            user_id=user.id,
            record_uuid=record["uuid"],
            subject=f"{labels.get(record['type'], '记录')} {record['uuid'][:8].upper()}",
            note="",
            payload=payload,
            body_hash=audit.sha256(audit.canonical(payload)),
            occurred_at=last_reported_at,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["uuid"])
        .returning(Alert.uuid)
    ).first()
    if inserted is None:
        return False
    audit.append(
        uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"alert:{alert_uuid}")),
        object_type="alert",
        object_id=alert_uuid,
        enterprise_id=ent.id,
        action="offline_loss_noticed",
        actor_id=user.id,
        actor_label=user.username,
        at=now,
        payload={
            "kind": "lost_record",
            "record": record["uuid"],
            "type": record["type"],
            "device": device_id[:8],
        },
    )
    return True


def get_in_scope(actor, alert_uuid: str) -> Alert:
    """Return the alert if its premises is in the actor's scope, else 404."""
    if not UUID_RE.match(alert_uuid or ""):
        raise NotFound()
    alert = db.session.scalar(
        select(Alert)
        .join(Enterprise, Enterprise.id == Alert.enterprise_id)
        .where(Alert.uuid == alert_uuid, scope.enterprise_clause(actor))
    )
    if alert is None:
        raise NotFound()
    return alert


def acknowledge(actor, alert_uuid: str, *, now: datetime | None = None) -> Alert:
    """Mark an alert as taken in hand by the street office (接报); idempotent, audited. The caller commits."""
    now = now or utcnow()
    alert = get_in_scope(actor, alert_uuid)
    if actor.role not in ACK_ROLES:
        raise Forbidden()
    if alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at = now
    alert.acknowledged_by = actor.id
    db.session.flush()
    audit.append(
        uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"alert-ack:{alert_uuid}")),
        object_type="alert",
        object_id=alert_uuid,
        enterprise_id=alert.enterprise_id,
        action="alert_acknowledged",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"kind": alert.kind},
    )
    return alert


@dataclass
class Entry:
    alert: Alert
    hazard: Hazard | None  # a major-hazard report's hazard, once its visit has synced


def open_for(actor, limit: int = 50) -> dict[str, list[Entry]]:
    """Unacknowledged alerts in the actor's scope, newest first, by kind (in KINDS order)."""
    rows = list(
        db.session.scalars(
            select(Alert)
            .join(Enterprise, Enterprise.id == Alert.enterprise_id)
            .where(scope.enterprise_clause(actor), Alert.acknowledged_at.is_(None))
            .options(joinedload(Alert.enterprise), joinedload(Alert.user))
            .order_by(Alert.received_at.desc(), Alert.uuid)
            .limit(limit)
        )
    )
    hazard_ids = [a.hazard_uuid for a in rows if a.hazard_uuid]
    found = (
        {h.uuid: h for h in db.session.scalars(select(Hazard).where(Hazard.uuid.in_(hazard_ids)))}
        if hazard_ids
        else {}
    )
    out: dict[str, list[Entry]] = {k: [] for k in KINDS}
    for a in rows:
        out[a.kind].append(Entry(a, found.get(a.hazard_uuid)))
    return {k: v for k, v in out.items() if v}
