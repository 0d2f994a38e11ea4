"""Filing for a plan requirement: a document, a note or a table snapshot, each with a receipt.

A document is checked by its content (`fieldapp.documents`) and kept as received in
the configured store, area "filings" (the filesystem under DATA_DIR, or S3 shared by
every server), under its sha256. The receipt is the row: who, when, what, and the
sha256 of the stored bytes (of the note's text, or the snapshot's seal), also written
into the audit chain. Nothing is ever replaced: filing again adds a row.

Table submissions hand in a quarterly snapshot (the sealed annex 4/5/7 filing). That
module registers a resolver with `register_snapshot_resolver`; until one is
registered, a table cannot be filed here (a document of the signed tables can).
"""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from . import audit, documents, plan, scope, storage
from .clock import local_today
from .extensions import db
from .models import PlanFiling, PlanRequirement
from .roles import PLAN_FILERS

NOTE_MAX = 5000


@dataclass(frozen=True)
class SnapshotRef:
    """What the quarterly module says about a sealed snapshot: whose, which quarter, its seal."""

    id: int
    unit: str  # street:<id> or department:<industry>, as plan.Filer.key
    year: int
    quarter: int
    seal: str  # sha256


_resolver: Callable[[int], SnapshotRef | None] | None = None


def register_snapshot_resolver(fn: Callable[[int], SnapshotRef | None] | None) -> None:
    """Let the quarterly filings module answer for snapshot ids (None unregisters)."""
    global _resolver
    _resolver = fn


def store() -> storage.Storage:
    ext = current_app.extensions
    if "filing_storage" not in ext:
        ext["filing_storage"] = storage.from_config(current_app.config, area="filings")
    return ext["filing_storage"]


def _check_filer(req: PlanRequirement, actor) -> plan.Filer:
    if actor.role not in PLAN_FILERS:
        raise plan.PlanError("只有街道和行业主管部门报送计划材料。", status=403)
    filer = plan.filer_of(actor)
    if filer is None:
        raise plan.PlanError("您的账号未关联街道或行业，无法报送。", status=403)
    if not plan.applies(req, filer):
        raise plan.PlanError(f"此项由{plan.FILERS[req.filers]}报送。", status=403)
    return filer


def file(
    req: PlanRequirement,
    *,
    kind: str,
    actor,
    now: datetime,
    data: bytes | None = None,
    file_name: str = "",
    note: str = "",
    snapshot_id: int | None = None,
) -> PlanFiling:
    """File for a requirement as the actor's street or department; return the row that is the receipt."""
    filer = _check_filer(req, actor)
    if kind not in req.forms:
        allowed = "、".join(plan.FORMS[f] for f in req.forms)
        raise plan.PlanError(f"此项的报送方式为：{allowed}。")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise plan.PlanError(f"说明不能超过 {NOTE_MAX} 个字。")
    row = PlanFiling(
        requirement_id=req.id,
        filer=filer.key,
        street_id=filer.street_id,
        industry=filer.industry,
        kind=kind,
        note=note,
        filed_by=actor.id,
        filed_at=now,
        event_uuid=str(uuidlib.uuid4()),
    )
    if kind == "document":
        cfg = current_app.config
        checked = documents.check(
            data or b"",
            file_name,
            max_bytes=cfg["FILING_MAX_BYTES"],
            max_pixels=cfg["PHOTO_MAX_PIXELS"],
        )
        row.sha256 = hashlib.sha256(data).hexdigest()
        row.file_key = f"{row.sha256[:2]}/{row.sha256}.{checked.ext}"
        row.file_type, row.size_bytes = checked.code, len(data)
        row.file_name = _display_name(file_name, checked)
        files = store()
        if not files.exists(row.file_key):  # the same bytes filed twice are stored once
            files.put(row.file_key, data)
    elif kind == "note":
        if not note:
            raise plan.PlanError("请填写说明内容。")
        row.sha256 = hashlib.sha256(note.encode()).hexdigest()
    elif kind == "table":
        snap = _snapshot(req, filer, snapshot_id)
        row.snapshot_id, row.sha256 = snap.id, snap.seal
    else:
        raise plan.PlanError("未知的报送方式。")
    db.session.add(row)
    db.session.flush()
    audit.append(
        uuid=row.event_uuid,
        object_type="plan_filing",
        object_id=str(row.id),
        enterprise_id=None,
        action="plan_filed",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={
            "requirement": f"{req.year}/{req.key}",
            "filer": filer.key,
            "kind": kind,
            "sha256": row.sha256,
            "size": row.size_bytes,
            "file_type": row.file_type,
            "snapshot": row.snapshot_id,
            "due_on": req.due_on.isoformat(),
            "on_time": local_today(now) <= req.due_on,
        },
    )
    return row


def _display_name(name: str, checked: documents.Kind) -> str:
    """The sender's file name for people to recognise (never used as a path), with the true extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "文件"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:150]}.{checked.ext}"


def _snapshot(req: PlanRequirement, filer: plan.Filer, snapshot_id: int | None) -> SnapshotRef:
    if _resolver is None:
        raise plan.PlanError("季报表快照尚未启用：请上传加盖公章的季报表文件。")
    if not isinstance(snapshot_id, int) or isinstance(snapshot_id, bool) or snapshot_id <= 0:
        raise plan.PlanError("请选择要报送的季报表快照。")
    snap = _resolver(snapshot_id)
    if snap is None or snap.unit != filer.key:
        raise plan.PlanError("找不到本单位的这份季报表快照。", status=404)
    if req.period and req.period != str(snap.year) and req.period != f"{snap.year}Q{snap.quarter}":
        raise plan.PlanError(
            f"这份快照是 {snap.year} 年第 {snap.quarter} 季度的，与此项（{req.period}）不符。"
        )
    return snap


def get(filing_id: int, actor) -> PlanFiling:
    """A filing the actor may see (fieldapp.scope): its own street's or department's, or any for the district; else 404."""
    return scope.get_filing(actor, filing_id)


def read(row: PlanFiling) -> bytes:
    """The stored bytes of a filed document."""
    if not row.file_key:
        raise NotFound()
    try:
        return store().get(row.file_key)
    except storage.StorageMissing:
        raise NotFound() from None


def for_filer(filer_key: str, year: int) -> dict[int, list[PlanFiling]]:
    """A filer's filings of a year, per requirement, oldest first."""
    out: dict[int, list[PlanFiling]] = {}
    for f in db.session.scalars(
        select(PlanFiling)
        .join(PlanRequirement, PlanRequirement.id == PlanFiling.requirement_id)
        .where(PlanFiling.filer == filer_key, PlanRequirement.year == year)
        .order_by(PlanFiling.filed_at, PlanFiling.id)
    ):
        out.setdefault(f.requirement_id, []).append(f)
    return out


def for_requirement(req_id: int) -> dict[str, list[PlanFiling]]:
    """Every filer's filings for one requirement, oldest first."""
    out: dict[str, list[PlanFiling]] = {}
    for f in db.session.scalars(
        select(PlanFiling)
        .where(PlanFiling.requirement_id == req_id)
        .order_by(PlanFiling.filed_at, PlanFiling.id)
    ):
        out.setdefault(f.filer, []).append(f)
    return out
