"""The core sections of the archive, each a registered function returning (title, data)."""

from __future__ import annotations

import hashlib
import io

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit, lists, photos, visits
from ..clock import local_today
from ..extensions import db
from ..models import EnterpriseChange, Grid, Hazard, Photo, PhotoRef, Street, Visit
from ..storage import StorageMissing
from .collect import Context, iso, section

ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "industry",
    "size_class",
    "venue_type",
    "standardization",
    "stars",
    "risk_color",
    "address",
    "lat",
    "lng",
    "employees",
    "principal_name",
    "principal_phone",
    "safety_officer_name",
    "safety_officer_phone",
    "hosts_tenants",
    "note",
    "active",
    "version",
)


def _plain(value):
    return iso(value) if hasattr(value, "isoformat") else value


@section("base", order=10)
def base(ctx: Context):
    """The register record: identity, standardization and stars, risk colour, people, tenancy."""
    ent = ctx.ent
    data = {k: getattr(ent, k) for k in ENTERPRISE_FIELDS}
    data.update(
        id=ent.id,
        street={
            "name": ent.street.name,
            "code": ent.street.code,
            "office_phone": ent.street.office_phone,
        },
        grid={"code": ent.grid.code, "name": ent.grid.name} if ent.grid else None,
        landlord={"name": ent.landlord.name, "credit_code": ent.landlord.credit_code}
        if ent.landlord
        else None,
        tenants=[
            {"name": t.name, "credit_code": t.credit_code}
            for t in sorted(ent.tenants, key=lambda t: t.name)
        ],
        created_at=iso(ent.created_at),
        updated_at=iso(ent.updated_at),
    )
    return "基本信息", data


@section("lists", order=20)
def three_lists(ctx: Context):
    """The three lists (三张清单) as tables, as the lists pages export them, on the export date."""
    f = lists.ListFilters(enterprise=str(ctx.ent.id))
    today = local_today(ctx.now)
    out = {"as_of": today.isoformat()}
    for kind, title in lists.KINDS.items():
        headers, rows = lists.table(kind, ctx.actor, f, today)
        out[kind] = {
            "title": title,
            "headers": headers,
            "rows": [[_plain(c) for c in r] for r in rows],
        }
    return "三张清单", out


@section("hazards", order=30)
def hazard_records(ctx: Context):
    """Every hazard with its photos and the sequence numbers of its events."""
    rows = db.session.scalars(
        select(Hazard)
        .where(Hazard.enterprise_id == ctx.ent.id)
        .order_by(Hazard.raised_at, Hazard.uuid)
    ).all()
    by_object: dict[str, list] = {}
    for e in ctx.events:
        if e.object_type == "hazard":
            by_object.setdefault(e.object_id, []).append(e)
    out = []
    for h in rows:
        for sha in h.before_photos or []:
            ctx.use_photo(sha)
        for sha in h.after_photos or []:
            ctx.use_photo(sha)
        for e in by_object.get(h.uuid, []):
            for sha in audit.view(e)["photos"]:
                ctx.use_photo(sha)
        out.append(
            {
                "uuid": h.uuid,
                "visit_uuid": h.visit_uuid,
                "checklist_id": h.checklist_id,
                "item_key": h.item_key,
                "item_text": h.item_text,
                "defect": h.defect,
                "category": h.category,
                "description": h.description,
                "measure": h.measure,
                "owner": h.owner,
                "level": h.level,
                "level_reason": h.level_reason,
                "deadline": iso(h.deadline),
                "deadline_reason": h.deadline_reason,
                "state": h.state,
                "supervised": h.supervised,
                "referred": h.referred,
                "fixed_on_spot": h.fixed_on_spot,
                "extension_requested_to": iso(h.extension_requested_to),
                "source": h.source,
                "confirmed_by": ctx.person(h.confirmed_by),
                "confirmed_at": iso(h.confirmed_at),
                "before_photos": list(h.before_photos or []),
                "after_photos": list(h.after_photos or []),
                "evidence_flags": list(h.evidence_flags or []),
                "version": h.version,
                "raised_by": ctx.person(h.raised_by),
                "raised_at": iso(h.raised_at),
                "submitted_by": ctx.person(h.submitted_by),
                "submitted_at": iso(h.submitted_at),
                "closed_by": ctx.person(h.closed_by),
                "closed_at": iso(h.closed_at),
                "updated_at": iso(h.updated_at),
                "events": [e.seq for e in by_object.get(h.uuid, [])],
            }
        )
    return "隐患", out


@section("visits", order=40)
def visit_records(ctx: Context):
    """Every visit with the exact item texts of the checklist versions it answered."""
    rows = db.session.scalars(
        select(Visit)
        .where(Visit.enterprise_id == ctx.ent.id)
        .order_by(Visit.finished_at, Visit.uuid)
        .options(selectinload(Visit.answers), selectinload(Visit.checklists))
    ).all()
    out = []
    for v in rows:
        answers = {(a.checklist_id, a.item_key): a for a in v.answers}
        items = []
        for vc in v.checklists:
            snap = _pinned(ctx, vc)
            for s in snap.get("sections", []):
                for i in s["items"]:
                    items.append(
                        _item(
                            ctx,
                            v,
                            vc.checklist_id,
                            s["title"],
                            i["key"],
                            i["text"],
                            i.get("major"),
                            answers.pop((vc.checklist_id, i["key"]), None),
                        )
                    )
        # An answer whose item is missing from the pinned content is kept, not dropped.
        for a in answers.values():
            items.append(
                _item(ctx, v, a.checklist_id, "", a.item_key, "（清单中无此项）", False, a)
            )
        if (v.sign_off or {}).get("signature"):
            ctx.use_photo(v.sign_off["signature"])
        out.append(
            {
                "uuid": v.uuid,
                "inspector": ctx.person(v.inspector_id),
                "started_at": iso(v.started_at),
                "finished_at": iso(v.finished_at),
                "received_at": iso(v.received_at),
                "notice_no": v.notice_no,
                "lat": v.lat,
                "lng": v.lng,
                "accuracy_m": v.accuracy_m,
                "location_status": v.location_status,
                "body_hash": v.body_hash,
                "item_count": v.item_count,
                "answered_count": v.answered_count,
                "fail_count": v.fail_count,
                "checklists": [
                    {
                        "id": vc.checklist_id,
                        "version": vc.version,
                        "content_hash": vc.content_hash,
                        "position": vc.position,
                    }
                    for vc in v.checklists
                ],
                "items": items,
                "sign_off": v.sign_off,
                "unchecked": v.unchecked,
            }
        )
    return "检查记录", out


def _pinned(ctx: Context, vc) -> dict:
    """The exact content a visit answered (visits.pinned_content), looked up once per version."""
    key = (vc.checklist_id, vc.version)
    if key not in ctx.checklists:
        ctx.checklists[key] = {
            "content_hash": vc.content_hash,
            "snapshot": visits.pinned_content(vc),
        }
    return ctx.checklists[key]["snapshot"]


def _item(
    ctx: Context, v: Visit, cid: str, section_title: str, key: str, text: str, major, a
) -> dict:
    for sha in (a.photos if a else None) or []:
        ctx.use_photo(sha)
    return {
        "checklist": cid,
        "section": section_title,
        "key": key,
        "text": text,
        "major": bool(major),
        "result": a.result if a else None,
        "note": a.note if a else "",
        "photos": list(a.photos or []) if a else [],
    }


@section("changes", order=50)
def register_changes(ctx: Context):
    """The register's change history (who changed which field, when)."""
    rows = db.session.scalars(
        select(EnterpriseChange)
        .where(EnterpriseChange.enterprise_id == ctx.ent.id)
        .order_by(EnterpriseChange.at, EnterpriseChange.id)
    ).all()
    names = {
        "grid_id": dict(db.session.execute(select(Grid.id, Grid.code)).all()),
        "street_id": dict(db.session.execute(select(Street.id, Street.name)).all()),
    }
    out = []
    for c in rows:
        who = ctx.person(c.actor_id) if c.actor_id else None
        out.append(
            {
                "at": iso(c.at),
                "action": c.action,
                "actor": who,
                "actor_label": c.actor_label,
                "changes": {k: _change_value(k, v, names) for k, v in (c.changes or {}).items()},
            }
        )
    return "修改记录", out


def _change_value(key: str, pair, names: dict) -> list:
    # Row ids mean nothing outside this database: show grid codes and street names instead.
    if key in names and isinstance(pair, list):
        return [names[key].get(x, x) for x in pair]
    return pair


@section("checklists", order=60)
def pinned_checklists(ctx: Context):
    """The checklist versions the visits answered, with their full content."""
    out = [
        {
            "id": cid,
            "version": version,
            "content_hash": pin["content_hash"],
            "title": pin["snapshot"].get("title", cid),
            "snapshot": pin["snapshot"],
        }
        for (cid, version), pin in sorted(ctx.checklists.items())
    ]
    return "检查清单版本", out


@section("photos", order=80)
def photo_records(ctx: Context):
    """Every photo: evidence hash, display copy hash and size, capture data, where used."""
    refs: dict[str, list[dict]] = {}
    for ref in db.session.scalars(
        select(PhotoRef).where(PhotoRef.enterprise_id == ctx.ent.id).order_by(PhotoRef.id)
    ):
        ctx.use_photo(ref.photo_sha256)
        refs.setdefault(ref.photo_sha256, []).append(
            {"kind": ref.kind, "object_id": ref.object_id, "created_at": iso(ref.created_at)}
        )
    held = (
        {
            p.sha256: p
            for p in db.session.scalars(select(Photo).where(Photo.sha256.in_(list(ctx.photos))))
        }
        if ctx.photos
        else {}
    )
    store = photos.store()
    out = []
    for number, sha in enumerate(ctx.photos, 1):
        p = held.get(sha)
        # refs: where the system records the photo as used (PhotoRef rows), recreated on import.
        entry = {"number": number, "sha256": sha, "held": p is not None, "refs": refs.get(sha, [])}
        if p is not None:
            entry.update(
                mime=p.mime,
                width=p.width,
                height=p.height,
                size_bytes=p.size_bytes,
                phash=p.phash,
                captured_at=iso(p.captured_at),
                lat=p.lat,
                lng=p.lng,
                accuracy_m=p.accuracy_m,
                received_at=iso(p.received_at),
                uploaded_by=ctx.person(p.uploaded_by),
                display=_display(store, sha),
            )
        out.append(entry)
    return "照片", out


def _display(store, sha: str) -> dict | None:
    try:
        data = store.get(photos.key("display", sha))
    except StorageMissing:
        return None
    with Image.open(io.BytesIO(data)) as im:
        width, height = im.size
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "width": width,
        "height": height,
    }


@section("people", order=85)
def people(ctx: Context):
    """Users the record names (inspectors, verifiers, uploaders, event actors) by username and label."""
    for e in ctx.events:
        ctx.person(e.actor_id)
    out = []
    for user_id, u in sorted(ctx.people.items()):
        out.append(
            {
                "id": user_id,
                "username": u.username if u else f"#{user_id}",
                "display_name": u.display_name if u else "",
                "role": u.role if u else None,
            }
        )
    return "相关人员", out


@section("audit", order=90)
def audit_chain(ctx: Context):
    """The enterprise's events with their chain values, and the chain head at export."""
    seq, head = audit.head()
    events = [
        {
            "seq": e.seq,
            "uuid": e.uuid,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "enterprise_id": e.enterprise_id,
            "action": e.action,
            "actor_id": e.actor_id,
            "actor_label": e.actor_label,
            "at": iso(e.at),
            "payload": e.payload,
            "payload_sha256": e.payload_sha256,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in ctx.events
    ]
    return "附录：操作记录（审计链）", {"chain_head": {"seq": seq, "hash": head}, "events": events}
