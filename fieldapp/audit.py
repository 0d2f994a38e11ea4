"""The hash-chained event log: append, read the head, verify the whole chain.

Each row's hash is sha256(prev_hash + canonical JSON of the row). Appending locks
the single head row, so concurrent appends queue instead of forking the chain.
The database refuses UPDATE and DELETE on the table (triggers in migration 0003),
and any INSERT that does not follow the newest event, and keeps the head equal
to the newest event (migration 0013). Whoever can lift those triggers can still
rewrite the chain consistently: only a head noted outside the system
(`verify(anchor=...)`, `fieldapp audit verify --head SEQ:HASH`) shows that.
Every payload is written here and checked against its action's declared shape
(`fieldapp.audit_shapes`); pages read payloads back through `view`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from . import audit_shapes
from .extensions import db
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def canonical(obj) -> str:
    """Serialize deterministically: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def row_hash(
    prev_hash: str,
    *,
    seq: int,
    uuid: str,
    object_type: str,
    object_id: str,
    enterprise_id: int | None,
    action: str,
    actor_id: int | None,
    actor_label: str,
    at: datetime,
    payload_sha256: str,
) -> str:
    """Return the hash of one row given the previous row's hash."""
    material = canonical(
        {
            "seq": seq,
            "uuid": uuid,
            "object_type": object_type,
            "object_id": object_id,
            "enterprise_id": enterprise_id,
            "action": action,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "at": _stamp(at),
            "payload_sha256": payload_sha256,
        }
    )
    return sha256(prev_hash + material)


def append(
    *,
    uuid: str,
    object_type: str,
    object_id: str,
    enterprise_id: int | None,
    action: str,
    actor_id: int | None,
    actor_label: str,
    at: datetime,
    payload: dict,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    :raise audit_shapes.PayloadError: the payload is not the declared shape of `action`.
    """
    audit_shapes.check(object_type, action, payload)
    conn = db.session.connection()
    # Taking the head row's lock first serializes every append (PostgreSQL row
    # lock; SQLite's write lock), so prev_hash is always the true head. The
    # update changes nothing: the head's guard lets it move only to an event
    # that exists, so it moves after the insert.
    seq, prev = conn.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq)
        .returning(AuditHead.seq, AuditHead.hash)
    ).one()
    seq += 1
    text = canonical(payload)
    event = AuditEvent(
        seq=seq,
        uuid=uuid,
        object_type=object_type,
        object_id=str(object_id),
        enterprise_id=enterprise_id,
        action=action,
        actor_id=actor_id,
        actor_label=actor_label,
        at=at,
        payload=text,
        payload_sha256=sha256(text),
        prev_hash=prev,
    )
    event.hash = row_hash(
        prev,
        seq=seq,
        uuid=uuid,
        object_type=object_type,
        object_id=str(object_id),
        enterprise_id=enterprise_id,
        action=action,
        actor_id=actor_id,
        actor_label=actor_label,
        at=at,
        payload_sha256=event.payload_sha256,
    )
    db.session.add(event)
    db.session.flush()
    conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=event.hash))
    return event


def head(session=None) -> tuple[int, str]:
    """Return (seq, hash) of the chain head, to be noted outside the system."""
    session = session or db.session
    return tuple(
        session.connection()
        .execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1))
        .one()
    )


@dataclass
class Verification:
    ok: bool
    count: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""
    anchor: tuple[int, str] | None = None  # the head kept outside the system, when one was given


def parse_anchor(value: str) -> tuple[int, str]:
    """Read a head noted outside the system, as `fieldapp audit head` prints it: SEQ:HASH (or SEQ HASH)."""
    seq, sep, digest = value.strip().replace(" ", ":", 1).partition(":")
    digest = digest.strip().lower()
    if (
        not sep
        or not seq.isdigit()
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        raise ValueError("链头应写作 序号:哈希（例如 1234:3f5a…，64 位十六进制）")
    return int(seq), digest


def verify(
    batch: int = 5000, *, anchor: tuple[int, str] | None = None, session=None
) -> Verification:
    """Walk the chain from the start; name the first broken link.

    With `anchor` (a head noted outside the system earlier), also check that the
    chain still passes through it: the event of that sequence has that hash. A
    chain recomputed after an edit is self-consistent, but cannot pass an anchor
    noted before the edit; a chain cut below the anchor no longer reaches it.
    `session` reads another database than the app's (a restore's staging copy).
    """
    session = session or db.session
    head_seq, head_hash = head(session)
    prev, expected_seq, count = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.seq > last_seq)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
        )
        if not rows:
            break
        for ev in rows:
            problem = None
            if ev.seq != expected_seq:
                problem = f"序号不连续：应为 {expected_seq}，实为 {ev.seq}（有记录缺失）"
            elif ev.prev_hash != prev:
                problem = "prev_hash 与上一条记录的哈希不符"
            elif sha256(ev.payload) != ev.payload_sha256:
                problem = "事件内容与其哈希不符（内容被修改）"
            elif (
                row_hash(
                    prev,
                    seq=ev.seq,
                    uuid=ev.uuid,
                    object_type=ev.object_type,
                    object_id=ev.object_id,
                    enterprise_id=ev.enterprise_id,
                    action=ev.action,
                    actor_id=ev.actor_id,
                    actor_label=ev.actor_label,
                    at=ev.at,
                    payload_sha256=ev.payload_sha256,
                )
                != ev.hash
            ):
                problem = "记录哈希不符（记录被修改）"
            elif anchor is not None and ev.seq == anchor[0] and ev.hash != anchor[1]:
                problem = (
                    f"第 {ev.seq} 条的哈希与系统外记下的链头 {anchor[0]}:{anchor[1]} 不符："
                    "该条及以前的记录在记下链头之后被改写（哈希被重新计算）"
                )
            if problem:
                session.expunge_all()
                # A gap is named by the first missing sequence number.
                broken = expected_seq if ev.seq != expected_seq else ev.seq
                return Verification(False, count, head_seq, head_hash, broken, problem, anchor)
            prev, expected_seq, count, last_seq = ev.hash, ev.seq + 1, count + 1, ev.seq
        session.expunge_all()
    if count != head_seq or prev != head_hash:
        return Verification(
            False,
            count,
            head_seq,
            head_hash,
            count + 1,
            "链头与最后一条记录不符（记录被截断或链头被改）",
            anchor,
        )
    if anchor is not None and count < anchor[0]:
        return Verification(
            False,
            count,
            head_seq,
            head_hash,
            count + 1,
            f"链只到第 {count} 条，短于系统外记下的链头（第 {anchor[0]} 条）：记录被截断或整条链被改写",
            anchor,
        )
    return Verification(True, count, head_seq, head_hash, anchor=anchor)


def events_for(object_type: str, object_id: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.seq)
        )
    )


def recent(limit: int = 30) -> list[AuditEvent]:
    """Return the newest events of the chain, newest first."""
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)))


def payload(event: AuditEvent) -> dict:
    """The payload exactly as stored (any shape ever written); pages use `view`."""
    return json.loads(event.payload)


def view(event: AuditEvent) -> dict:
    """The payload as pages read it: every part present and typed, whatever shape the row has."""
    try:
        raw = json.loads(event.payload)
    except ValueError:
        raw = {}
    return audit_shapes.view(event.action, raw)


def append_many(events: list[dict]) -> int:
    """Append many events in one go (bulk load data), each checked and hashed exactly as `append` does.

    Each item has the keyword arguments of `append`. Only for loading data no one is
    writing to concurrently: the head is read once and written once.
    """
    seq, prev = head()
    rows = []
    for e in events:
        audit_shapes.check(e["object_type"], e["action"], e["payload"])
        seq += 1
        text = canonical(e["payload"])
        psha = sha256(text)
        h = row_hash(
            prev,
            seq=seq,
            uuid=e["uuid"],
            object_type=e["object_type"],
            object_id=str(e["object_id"]),
            enterprise_id=e["enterprise_id"],
            action=e["action"],
            actor_id=e["actor_id"],
            actor_label=e["actor_label"],
            at=e["at"],
            payload_sha256=psha,
        )
        rows.append(
            dict(
                seq=seq,
                uuid=e["uuid"],
                object_type=e["object_type"],
                object_id=str(e["object_id"]),
                enterprise_id=e["enterprise_id"],
                action=e["action"],
                actor_id=e["actor_id"],
                actor_label=e["actor_label"],
                at=e["at"],
                payload=text,
                payload_sha256=psha,
                prev_hash=prev,
                hash=h,
            )
        )
        prev = h
    if rows:
        db.session.execute(insert(AuditEvent), rows)
        db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    return len(rows)
