"""reference the photos of the hazards enterprises found themselves

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 18:10:00

A photo is seen by those whose scope holds a premises that uses it (a photo_refs
row). Self-inspection (企业自查) put its photos on the hazard without that row, so
the street, the district and the grid's inspector saw the hazard and got 404 for
its photos, and the archive carried them without saying where they were used.
Since this revision selfcheck.record_finding cites them as an inspector's answer
does; this backfills the self-found hazards already on file: each held photo the
hazard's recorder had sent, once.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

KIND = "self"


def _shas(value) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [s for s in dict.fromkeys(value or []) if isinstance(s, str)]


def upgrade():
    conn = op.get_bind()
    hazards = conn.execute(
        sa.text(
            "SELECT uuid, enterprise_id, raised_by, raised_at, before_photos "
            "FROM hazards WHERE source = 'self'"
        )
    ).all()
    sent = sa.text(
        "SELECT p.sha256 FROM photos p WHERE p.sha256 = :sha AND (p.uploaded_by = :user "
        "OR EXISTS (SELECT 1 FROM photo_uploads u WHERE u.photo_sha256 = p.sha256 "
        "AND u.user_id = :user))"
    )
    known = sa.text(
        "SELECT 1 FROM photo_refs WHERE photo_sha256 = :sha AND enterprise_id = :ent "
        "AND kind = :kind AND object_id = :obj"
    )
    add = sa.text(
        "INSERT INTO photo_refs (photo_sha256, enterprise_id, kind, object_id, created_at) "
        "VALUES (:sha, :ent, :kind, :obj, :at)"
    )
    for uuid, ent, user, at, photos in hazards:
        for sha in _shas(photos):
            # Only what citing would have allowed: bytes the recorder itself sent.
            if conn.execute(sent, {"sha": sha, "user": user}).first() is None:
                continue
            keys = {"sha": sha, "ent": ent, "kind": KIND, "obj": uuid}
            if conn.execute(known, keys).first() is None:
                conn.execute(add, {**keys, "at": at})


def downgrade():
    op.execute(sa.text(f"DELETE FROM photo_refs WHERE kind = '{KIND}'"))
