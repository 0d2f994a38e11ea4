"""Pin checklist versions in the database: same id and version must mean same content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from .checklists import Checklist
from .errors import DomainError
from .extensions import db
from .models import ChecklistVersion


class VersionConflict(DomainError):
    """A checklist file changed without a new version number."""

    status = 409


def conflict_message(c: Checklist) -> str:
    return f"清单 {c.id} 第 {c.version} 版的内容与已使用的同版本不同：修改内容后须把 version 加 1"


def problems(loaded: list[Checklist]) -> list[tuple[str, str, str]]:
    """Compare loaded checklists with the versions recorded; empty when no table yet."""
    if not inspect(db.engine).has_table(ChecklistVersion.__tablename__):
        return []
    known = {
        (r.checklist_id, r.version): r.content_hash
        for r in db.session.execute(
            select(
                ChecklistVersion.checklist_id,
                ChecklistVersion.version,
                ChecklistVersion.content_hash,
            )
        )
    }
    return [
        (c.source, f"version {c.version}", conflict_message(c))
        for c in loaded
        if known.get((c.id, c.version), c.content_hash) != c.content_hash
    ]


def ensure(c: Checklist, now: datetime) -> ChecklistVersion:
    """Record this version's content the first time it is used; refuse a silent edit."""
    row = db.session.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.checklist_id == c.id, ChecklistVersion.version == c.version
        )
    )
    if row is None:
        row = ChecklistVersion(
            checklist_id=c.id,
            version=c.version,
            content_hash=c.content_hash,
            title=c.title,
            snapshot=c.snapshot(),
            first_seen_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # recorded by a concurrent request first
            row = db.session.scalar(
                select(ChecklistVersion).where(
                    ChecklistVersion.checklist_id == c.id, ChecklistVersion.version == c.version
                )
            )
    if row.content_hash != c.content_hash:
        raise VersionConflict(conflict_message(c))
    return row


def ensure_all(loaded: list[Checklist], now: datetime) -> None:
    """ensure() for many checklists with one query when all are recorded already (the usual case)."""
    for c in unpinned(loaded):
        ensure(c, now)


def pin(loaded: list[Checklist], now: datetime) -> None:
    """Record every loaded version not recorded yet (at start-up), when the table exists."""
    if loaded and inspect(db.engine).has_table(ChecklistVersion.__tablename__):
        ensure_all(loaded, now)
        db.session.commit()


def unpinned(loaded: list[Checklist]) -> list[Checklist]:
    """Return the checklists whose version is not recorded; raise VersionConflict on a changed one."""
    known = {
        (r.checklist_id, r.version): r.content_hash
        for r in db.session.execute(
            select(
                ChecklistVersion.checklist_id,
                ChecklistVersion.version,
                ChecklistVersion.content_hash,
            ).where(ChecklistVersion.checklist_id.in_([c.id for c in loaded]))
        )
    }
    for c in loaded:
        if known.get((c.id, c.version), c.content_hash) != c.content_hash:
            raise VersionConflict(conflict_message(c))
    return [c for c in loaded if (c.id, c.version) not in known]


def history(checklist_id: str) -> list[ChecklistVersion]:
    """Return every recorded version of a checklist, newest first."""
    return list(
        db.session.scalars(
            select(ChecklistVersion)
            .where(ChecklistVersion.checklist_id == checklist_id)
            .order_by(ChecklistVersion.version.desc())
        )
    )
