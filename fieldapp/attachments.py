"""Documents attached to records (处罚决定书, 治理方案, 验收报告 …): checked by content, kept as received.

Each is stored once under its SHA-256 through the configured store (area
"attachments"), and referenced per premises: staff whose scope covers a premises
that uses it may open it, as with photos. Nothing is ever served inline.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import PurePosixPath

from flask import current_app
from sqlalchemy import or_, select

from . import documents, scope, storage
from .extensions import db
from .models import Attachment, AttachmentRef, Enterprise

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_FILES = 10


def store() -> storage.Storage:
    """The attachments' area of the configured store (backed up with it: fieldapp.stored_files)."""
    from . import stored_files

    return stored_files.store("attachments")


def ingest(data: bytes, name: str, *, actor, now: datetime) -> Attachment:
    """Check one uploaded file and keep it (once); raise documents.DocumentRejected with the reason."""
    kind = documents.check(
        data,
        name,
        max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"],
        max_pixels=current_app.config["PHOTO_MAX_PIXELS"],
    )
    sha = hashlib.sha256(data).hexdigest()
    row = db.session.get(Attachment, sha)
    if row is not None:
        return row
    st = store()
    if not st.exists(sha):
        st.put(sha, data)
    clean_name = (
        PurePosixPath((name or "").replace("\\", "/")).name[:200] or f"{sha[:12]}.{kind.ext}"
    )
    row = Attachment(
        sha256=sha,
        name=clean_name,
        kind=kind.code,
        mime=kind.mime,
        size_bytes=len(data),
        uploaded_by=getattr(actor, "id", None),
        received_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def ingest_uploads(files, *, actor, now: datetime) -> list[str]:
    """Store the files of a multipart form (field name given by the caller); return their hashes in order."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES:
        raise documents.DocumentRejected(f"一次最多上传 {MAX_FILES} 个附件。", status=422)
    return list(
        dict.fromkeys(ingest(f.read(), f.filename, actor=actor, now=now).sha256 for f in files)
    )


def refer(
    shas: list[str], *, enterprise_id: int, object_type: str, object_id: str, now: datetime
) -> None:
    for sha in dict.fromkeys(shas):
        db.session.add(
            AttachmentRef(
                sha256=sha,
                enterprise_id=enterprise_id,
                object_type=object_type,
                object_id=object_id,
                created_at=now,
            )
        )


def visible(actor, sha: str) -> Attachment | None:
    """The attachment if a premises in the actor's scope uses it, or the actor uploaded it."""
    if not SHA_RE.match(sha):
        return None
    used = (
        select(AttachmentRef.id)
        .join(Enterprise, Enterprise.id == AttachmentRef.enterprise_id)
        .where(AttachmentRef.sha256 == sha, scope.enterprise_clause(actor))
        .exists()
    )
    return db.session.scalar(
        select(Attachment).where(
            Attachment.sha256 == sha, or_(used, Attachment.uploaded_by == actor.id)
        )
    )


def rows(shas: list[str]) -> list[Attachment]:
    """The attachment rows of these hashes, in the order given."""
    found = {
        a.sha256: a
        for a in db.session.scalars(
            select(Attachment).where(Attachment.sha256.in_(list(shas or [])))
        )
    }
    return [found[s] for s in shas or [] if s in found]
