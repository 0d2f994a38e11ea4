"""Import an archive into an empty instance: the record recreated with the same hashes.

Moving a premises to another district or restoring one. The file is verified
first; nothing is written unless it passes and the target holds no premises,
visits, hazards, photos or audit events (streets, grids and user accounts may
exist: an instance is set up before it receives records).

Audit events are re-appended to this instance's chain, in their original order,
each keeping its uuid, object, action, actor label and time and carrying the
original row verbatim (seq, prev_hash, hash, payload …) under ``imported``; one
``archive_import`` event then records the file's digests and the source chain
head. So ``fieldapp audit verify`` holds here, the original hashes stay
re-computable forever, and hazard histories read the same as before.

People are kept as inactive placeholder accounts (``archived:<username>``) that
cannot sign in and see nothing: visits need an inspector row, pages show the
name, and no account in the target is assumed to be the same person.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from .. import audit, photos, visits, vocab
from ..errors import DomainError
from ..extensions import db
from ..models import (
    Answer,
    AuditEvent,
    CampaignCase,
    CampaignLetter,
    ChecklistVersion,
    Enterprise,
    EnterpriseChange,
    Grid,
    Hazard,
    Photo,
    PhotoRef,
    RiskAssessment,
    StandardizationRecord,
    StarRating,
    Street,
    User,
    Visit,
    VisitChecklist,
)
from ..placards import new_token
from . import verify
from .collect import section_data

PLACEHOLDER_PREFIX = "archived:"
IMPORTED_SECTIONS = {
    "base",
    "hazards",
    "visits",
    "changes",
    "checklists",
    "photos",
    "people",
    "audit",
    "campaign",
}
DERIVED_SECTIONS = {"lists"}  # recomputed from the imported data, never stored
IMPORT_LABEL = "一企一档导入"


class ImportRefused(DomainError):
    """The archive was not imported; `problems` says why, item by item."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message, errors=problems)
        self.problems = self.errors


@dataclass
class Imported:
    enterprise_id: int
    name: str
    visits: int = 0
    hazards: int = 0
    photos: int = 0
    events: int = 0
    anchor_seq: int = 0
    skipped: list[str] = field(default_factory=list)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _require_empty() -> None:
    counts = {
        label: db.session.scalar(select(func.count()).select_from(model))
        for label, model in (
            ("家企业", Enterprise),
            ("次检查", Visit),
            ("条隐患", Hazard),
            ("张照片", Photo),
            ("条审计事件", AuditEvent),
        )
    }
    held = [f"{n} {label}" for label, n in counts.items() if n]
    if held:
        raise ImportRefused(
            f"目标系统不是空的（已有{'、'.join(held)}），拒绝导入。"
            "一企一档只能导入到尚无企业、检查、隐患、照片和审计记录的系统（新建的数据库）。"
        )


def import_bytes(data: bytes, *, now: datetime) -> Imported:
    """Verify an archive and recreate its record here; the caller commits.

    :raise verify.NotAnArchive: the bytes are not an archive.
    :raise ImportRefused: verification failed, the target is not empty, or a checklist version conflicts.
    """
    report = verify.verify_bytes(data, keep_photos=True)
    if not report.ok:
        raise ImportRefused("档案核验未通过，拒绝导入：", report.problems)
    _require_empty()
    doc = report.doc
    keys = [s.get("key") for s in doc["sections"]]
    missing = [k for k in ("base", "audit", "photos") if k not in keys]
    if missing:
        raise ImportRefused(f"档案缺少必要的部分：{'、'.join(missing)}")
    people = _people(section_data(doc, "people", []), now)
    ent = _enterprise(section_data(doc, "base"), now)
    result = Imported(
        ent.id, ent.name, skipped=[k for k in keys if k not in IMPORTED_SECTIONS | DERIVED_SECTIONS]
    )
    _changes(ent, section_data(doc, "changes", []), people, doc, now)
    _checklists(section_data(doc, "checklists", []), now)
    result.visits = _visits(ent, section_data(doc, "visits", []), people)
    result.hazards = _hazards(ent, section_data(doc, "hazards", []), people)
    result.photos = _photos(ent, section_data(doc, "photos", []), report.displays, people, now)
    _campaign(ent, section_data(doc, "campaign", {}), people)
    audit_data = section_data(doc, "audit")
    result.events = _events(ent, doc["enterprise"]["id"], audit_data["events"], people)
    anchor = audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="enterprise",
        object_id=str(ent.id),
        enterprise_id=ent.id,
        action="archive_import",
        actor_id=None,
        actor_label=IMPORT_LABEL,
        at=now,
        payload={
            "file_sha256": hashlib.sha256(data).hexdigest(),
            "data_sha256": doc["seal"]["data_sha256"],
            "source_enterprise_id": doc["enterprise"]["id"],
            "source_chain_head": audit_data["chain_head"],
            "generated_at": doc["generated_at"],
            "events": len(audit_data["events"]),
            "events_sha256": audit.sha256(
                audit.canonical([[e["seq"], e["hash"]] for e in audit_data["events"]])
            ),
        },
    )
    result.anchor_seq = anchor.seq
    db.session.flush()
    return result


def _people(rows: list[dict], now: datetime) -> dict:
    """Map source user ids and usernames to inactive placeholder accounts here."""
    by_id: dict[int, int] = {}
    by_name: dict[str, int] = {}
    for p in rows:
        user = _placeholder(p["username"], p.get("display_name") or "", p.get("role"), now)
        by_id[p["id"]] = by_name[p["username"]] = user.id
    return {"id": by_id, "name": by_name, "now": now}


def _placeholder(username: str, display_name: str, role: str | None, now: datetime) -> User:
    name = f"{PLACEHOLDER_PREFIX}{username}"[:64]
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        # No usable password ("!" matches no hash), inactive, no street, grid or industry: no scope at all.
        user = User(
            username=name,
            display_name=(display_name or username)[:40],
            password_hash="!",
            role=role if role in vocab.ROLES else "inspector",
            active=False,
            created_at=now,
        )
        db.session.add(user)
        db.session.flush()
    return user


def _user(people: dict, username: str | None) -> int | None:
    if not username:
        return None
    if username not in people["name"]:
        people["name"][username] = _placeholder(username, "", None, people["now"]).id
    return people["name"][username]


def _enterprise(b: dict, now: datetime) -> Enterprise:
    street = db.session.scalar(select(Street).where(Street.name == b["street"]["name"]))
    if street is None:
        if db.session.scalar(select(Street).where(Street.code == b["street"]["code"])):
            raise ImportRefused(
                f"街道编码 {b['street']['code']} 在本系统已属于其他街道，无法建立“{b['street']['name']}”。"
            )
        street = Street(
            name=b["street"]["name"],
            code=b["street"]["code"],
            office_phone=b["street"].get("office_phone"),
        )
        db.session.add(street)
        db.session.flush()
    grid = None
    if b.get("grid"):
        grid = db.session.scalar(select(Grid).where(Grid.code == b["grid"]["code"]))
        if grid is None:
            grid = Grid(street_id=street.id, code=b["grid"]["code"], name=b["grid"]["name"])
            db.session.add(grid)
            db.session.flush()
        elif grid.street_id != street.id:
            raise ImportRefused(
                f"网格 {grid.code} 在本系统属于其他街道，与档案中的“{street.name}”不符。"
            )
    ent = Enterprise(
        name=b["name"],
        credit_code=b["credit_code"],
        street_id=street.id,
        grid_id=grid.id if grid else None,
        industry=b["industry"],
        size_class=b["size_class"],
        venue_type=b["venue_type"],
        standardization=b["standardization"],
        stars=b["stars"],
        risk_color=b["risk_color"],
        address=b["address"],
        lat=b["lat"],
        lng=b["lng"],
        employees=b["employees"],
        principal_name=b["principal_name"],
        principal_phone=b["principal_phone"],
        safety_officer_name=b["safety_officer_name"],
        safety_officer_phone=b["safety_officer_phone"],
        hosts_tenants=b["hosts_tenants"],
        landlord_id=None,
        note=b["note"],
        active=b["active"],
        version=b["version"],
        created_at=_time(b["created_at"]),
        updated_at=_time(b["updated_at"]),
        # The placard token is a capability secret of the source: never exported, a new one here.
        public_token=new_token(),
        public_token_at=now,
    )
    db.session.add(ent)
    db.session.flush()
    return ent


def _changes(ent: Enterprise, rows: list[dict], people: dict, doc: dict, now: datetime) -> None:
    for c in rows:
        db.session.add(
            EnterpriseChange(
                enterprise_id=ent.id,
                actor_id=_user(people, c.get("actor")),
                actor_label=c.get("actor_label") or "",
                at=_time(c["at"]),
                action=c["action"],
                changes=c.get("changes") or {},
            )
        )
    db.session.add(
        EnterpriseChange(
            enterprise_id=ent.id,
            actor_id=None,
            actor_label=IMPORT_LABEL,
            at=now,
            action="import",
            changes={
                "source_enterprise_id": [None, doc["enterprise"]["id"]],
                "data_sha256": [None, doc["seal"]["data_sha256"]],
            },
        )
    )


def _checklists(rows: list[dict], now: datetime) -> None:
    registry = current_app.extensions["checklists"]
    for c in rows:
        current = registry.get(c["id"])
        if (
            current is not None
            and current.version == c["version"]
            and current.content_hash != c["content_hash"]
        ):
            raise ImportRefused(
                f"检查清单 {c['id']} 第 {c['version']} 版在本系统的内容与档案中的不同；"
                "请先把本系统的清单改为新版本号，再导入。"
            )
        row = db.session.scalar(
            select(ChecklistVersion).where(
                ChecklistVersion.checklist_id == c["id"], ChecklistVersion.version == c["version"]
            )
        )
        if row is None:
            db.session.add(
                ChecklistVersion(
                    checklist_id=c["id"],
                    version=c["version"],
                    content_hash=c["content_hash"],
                    title=c["title"][:60],
                    snapshot=c["snapshot"],
                    first_seen_at=now,
                )
            )
        elif row.content_hash != c["content_hash"]:
            raise ImportRefused(
                f"检查清单 {c['id']} 第 {c['version']} 版在本系统记录的内容与档案中的不同。"
            )
    db.session.flush()


def _visits(ent: Enterprise, rows: list[dict], people: dict) -> int:
    for v in rows:
        answers = [i for i in v["items"] if i.get("result")]
        db.session.add(
            Visit(
                uuid=v["uuid"],
                enterprise_id=ent.id,
                inspector_id=_user(people, v["inspector"]),
                started_at=_time(v["started_at"]),
                finished_at=_time(v["finished_at"]),
                received_at=_time(v["received_at"]),
                lat=v["lat"],
                lng=v["lng"],
                accuracy_m=v["accuracy_m"],
                location_status=v["location_status"],
                body_hash=v["body_hash"],
                item_count=v["item_count"],
                answered_count=v["answered_count"],
                fail_count=v["fail_count"],
                sign_off=v.get("sign_off"),
                unchecked=v.get("unchecked"),
                checklists=[
                    VisitChecklist(
                        checklist_id=c["id"],
                        version=c["version"],
                        content_hash=c["content_hash"],
                        position=c["position"],
                        enterprise_id=ent.id,
                        finished_at=_time(v["finished_at"]),
                        **visits.answered_items(
                            answers, c["id"], checklist="checklist", item="key"
                        ),
                    )
                    for c in v["checklists"]
                ],
                answers=[
                    Answer(
                        checklist_id=a["checklist"],
                        item_key=a["key"],
                        result=a["result"],
                        note=a["note"],
                        photos=a["photos"],
                    )
                    for a in answers
                ],
            )
        )
    db.session.flush()
    return len(rows)


def _hazards(ent: Enterprise, rows: list[dict], people: dict) -> int:
    for h in rows:
        db.session.add(
            Hazard(
                uuid=h["uuid"],
                enterprise_id=ent.id,
                visit_uuid=h["visit_uuid"],
                checklist_id=h["checklist_id"],
                item_key=h["item_key"],
                item_text=h["item_text"],
                defect=h.get("defect", ""),
                category=h["category"],
                description=h["description"],
                measure=h["measure"],
                owner=h["owner"],
                level=h["level"],
                level_reason=h["level_reason"],
                deadline=_date(h["deadline"]),
                deadline_reason=h["deadline_reason"],
                state=h["state"],
                supervised=h["supervised"],
                referred=h["referred"],
                fixed_on_spot=h["fixed_on_spot"],
                extension_requested_to=_date(h["extension_requested_to"]),
                before_photos=h["before_photos"],
                after_photos=h["after_photos"],
                evidence_flags=h["evidence_flags"],
                version=h["version"],
                raised_by=_user(people, h["raised_by"]),
                raised_at=_time(h["raised_at"]),
                submitted_by=_user(people, h["submitted_by"]),
                submitted_at=_time(h["submitted_at"]),
                closed_by=_user(people, h["closed_by"]),
                closed_at=_time(h["closed_at"]),
                updated_at=_time(h["updated_at"]),
                # Archives made before self-inspection existed hold inspectors' finds only.
                source=h.get("source", "inspection"),
                confirmed_by=_user(people, h.get("confirmed_by")),
                confirmed_at=_time(h.get("confirmed_at")),
            )
        )
    db.session.flush()
    return len(rows)


def _campaign(ent: Enterprise, c: dict, people: dict) -> None:
    """Recreate the campaign's history; tenancy agreements name premises that need not exist here, so stay in the file."""

    def by(username):
        return _user(people, username or "unknown")

    for r in c.get("risk", []):
        db.session.add(
            RiskAssessment(
                enterprise_id=ent.id,
                suggested=r["suggested"],
                reasons=r["reasons"],
                color=r["color"],
                override_reason=r["override_reason"],
                decided_by=by(r["decided_by"]),
                decided_at=_time(r["decided_at"]),
            )
        )
    for r in c.get("standardization", []):
        db.session.add(
            StandardizationRecord(
                enterprise_id=ent.id,
                kind=r["kind"],
                level=r["level"],
                result=r["result"],
                on=_date(r["on"]),
                valid_until=_date(r["valid_until"]),
                organizer=r["organizer"],
                note=r["note"],
                recorded_by=by(r["recorded_by"]),
                recorded_at=_time(r["recorded_at"]),
            )
        )
    for r in c.get("stars", []):
        db.session.add(
            StarRating(
                enterprise_id=ent.id,
                stars=r["stars"],
                suggested=r["suggested"],
                reason=r["reason"],
                decided_by=by(r["decided_by"]),
                decided_at=_time(r["decided_at"]),
            )
        )
    for r in c.get("letters", []):
        db.session.add(
            CampaignLetter(
                enterprise_id=ent.id,
                kind=r["kind"],
                year=r["year"],
                deadline=_date(r["deadline"]),
                done_on=_date(r["done_on"]),
                signer=r["signer"],
                photo_sha256=r["photo"],
                note=r["note"],
                recorded_by=by(r["recorded_by"]),
                recorded_at=_time(r["recorded_at"]),
            )
        )
    for r in c.get("cases", []):
        db.session.add(
            CampaignCase(
                kind=r["kind"],
                street_id=ent.street_id,
                enterprise_id=ent.id,
                level=r["level"],
                on=_date(r["on"]),
                note=r["note"],
                recorded_by=by(r["recorded_by"]),
                recorded_at=_time(r["recorded_at"]),
            )
        )
    db.session.flush()


def _photos(
    ent: Enterprise, rows: list[dict], displays: dict[str, bytes], people: dict, now: datetime
) -> int:
    """Store display copies through the photo store (thumbnails made by the real pipeline) and the photo rows."""
    store = photos.store()
    stored = 0
    for p in rows:
        for ref in p.get("refs", []):
            db.session.add(
                PhotoRef(
                    photo_sha256=p["sha256"],
                    enterprise_id=ent.id,
                    kind=ref["kind"],
                    object_id=ref["object_id"],
                    created_at=_time(ref.get("created_at")) or now,
                )
            )
        shown = displays.get(p["sha256"])
        if not p.get("held") or shown is None:
            continue  # never uploaded at the source (or no display copy): still missing here
        try:
            done = photos.process(shown, max_pixels=current_app.config["PHOTO_MAX_PIXELS"])
        except photos.PhotoRejected as exc:
            raise ImportRefused(
                f"照片 P{p['number']} 的档案内图片无法处理：{exc.message}"
            ) from None
        # The display copy is stored as embedded (same SHA-256); the original evidence is not in the file.
        store.put(photos.key("display", p["sha256"]), shown)
        store.put(photos.key("thumb", p["sha256"]), done.thumb)
        db.session.add(
            Photo(
                sha256=p["sha256"],
                size_bytes=p["size_bytes"],
                mime=p["mime"],
                width=p["width"],
                height=p["height"],
                phash=p["phash"],
                display_bytes=len(shown),
                thumb_bytes=len(done.thumb),
                captured_at=_time(p["captured_at"]),
                lat=p["lat"],
                lng=p["lng"],
                accuracy_m=p["accuracy_m"],
                uploaded_by=_user(people, p.get("uploaded_by")),
                received_at=_time(p["received_at"]),
                original_held=False,
            )
        )
        stored += 1
    db.session.flush()
    return stored


def _events(ent: Enterprise, source_id: int, rows: list[dict], people: dict) -> int:
    """Re-append the source events to this chain, each carrying its original row verbatim."""
    for e in sorted(rows, key=lambda e: e["seq"]):
        original = {k: e[k] for k in verify.EVENT_FIELDS}
        payload = {k: v for k, v in json.loads(e["payload"]).items() if k != "imported"}
        payload["imported"] = original
        object_id = e["object_id"]
        if e["object_type"] in ("enterprise", "placard") and object_id == str(source_id):
            object_id = str(ent.id)
        audit.append(
            uuid=e["uuid"],
            object_type=e["object_type"],
            object_id=object_id,
            enterprise_id=ent.id,
            action=e["action"],
            actor_id=people["id"].get(e["actor_id"]),
            actor_label=e["actor_label"],
            at=_time(e["at"]),
            payload=payload,
        )
    return len(rows)
