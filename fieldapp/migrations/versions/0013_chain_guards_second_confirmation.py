"""the chain cannot be rewritten in place; a flagged major hazard waits for a second confirmation; who sent a photo

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-07 09:00:00

Migration 0003 refused UPDATE and DELETE on audit_events, but on SQLite an
INSERT OR REPLACE deletes the row it collides with without firing a DELETE
trigger (recursive triggers are off), and audit_head could be set to anything.
Now, on both databases:

- a new event must follow the newest one: its seq is the next number, its
  prev_hash is the newest event's hash, and its uuid and hash are new — so a
  REPLACE, an upsert or an INSERT of an existing sequence is refused before the
  row is touched;
- audit_head holds one row that only moves forward, and only to the newest
  event (seq and hash); it cannot be inserted again, deleted or truncated. An
  update that changes nothing is allowed: appends take the head's lock that way.

Whoever can drop triggers can still rewrite the chain; `fieldapp audit verify
--head SEQ:HASH`, against a head kept outside the system, detects that.

hazards.first_verified_by/_at: the first of two office users who verified a
major hazard whose evidence is flagged; the hazard closes on the second.

photo_uploads: every user who sent a photo's exact bytes. A photo may be cited
only by someone who sent it or who already sees it in their scope; knowing its
hash is not enough (fieldapp.photos.citable).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0015"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

SQLITE_GUARDS = [
    f"""CREATE TRIGGER audit_events_in_order BEFORE INSERT ON audit_events
       WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events)
         OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_events WHERE seq = NEW.seq - 1), '{GENESIS}')
         OR EXISTS (SELECT 1 FROM audit_events WHERE uuid = NEW.uuid OR hash = NEW.hash)
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: a new event must follow the newest one'); END""",
    f"""CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head
       WHEN EXISTS (SELECT 1 FROM audit_head) OR EXISTS (SELECT 1 FROM audit_events)
         OR NEW.id IS NOT 1 OR NEW.seq IS NOT 0 OR NEW.hash IS NOT '{GENESIS}'
       BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: it has one row, made with the schema'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
       BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: it cannot be deleted'); END""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head
       WHEN NOT (NEW.id IS OLD.id AND (
             (NEW.seq IS OLD.seq AND NEW.hash IS OLD.hash)
          OR (NEW.seq > OLD.seq AND NEW.seq IS (SELECT MAX(seq) FROM audit_events)
              AND NEW.hash IS (SELECT hash FROM audit_events WHERE seq = NEW.seq))))
       BEGIN SELECT RAISE(ABORT, 'audit_head is append-only: it moves forward to the newest event only'); END""",
]
POSTGRES_GUARDS = [
    f"""CREATE FUNCTION audit_events_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.seq IS DISTINCT FROM (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events)
            OR NEW.prev_hash IS DISTINCT FROM
               COALESCE((SELECT hash FROM audit_events WHERE seq = NEW.seq - 1), '{GENESIS}') THEN
           RAISE EXCEPTION 'audit_events is append-only: a new event must follow the newest one';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER audit_events_in_order BEFORE INSERT ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_in_order()""",
    f"""CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           IF NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.hash = OLD.hash THEN
             RETURN NEW;
           END IF;
           IF NEW.id = OLD.id AND NEW.seq > OLD.seq AND NEW.seq = (SELECT MAX(seq) FROM audit_events)
              AND NEW.hash = (SELECT hash FROM audit_events WHERE seq = NEW.seq) THEN
             RETURN NEW;
           END IF;
           RAISE EXCEPTION 'audit_head is append-only: it moves forward to the newest event only';
         ELSIF TG_OP = 'INSERT' THEN
           IF NEW.id = 1 AND NEW.seq = 0 AND NEW.hash = '{GENESIS}'
              AND NOT EXISTS (SELECT 1 FROM audit_head) AND NOT EXISTS (SELECT 1 FROM audit_events) THEN
             RETURN NEW;
           END IF;
           RAISE EXCEPTION 'audit_head is append-only: it has one row, made with the schema';
         END IF;
         RAISE EXCEPTION 'audit_head is append-only: it cannot be deleted';
       END $$""",
    """CREATE TRIGGER audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_head
       FOR EACH ROW EXECUTE FUNCTION audit_head_guard()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()""",
]


def upgrade():
    op.create_table(
        "photo_uploads",
        sa.Column("photo_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_sha256"], ["photos.sha256"], name=op.f("fk_photo_uploads_photo_sha256_photos")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_photo_uploads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("photo_sha256", "user_id", name=op.f("pk_photo_uploads")),
    )
    with op.batch_alter_table("photo_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_uploads_user_id"), ["user_id"], unique=False)
    # Every photo so far was sent by its uploader.
    op.execute(
        "INSERT INTO photo_uploads (photo_sha256, user_id, received_at) "
        "SELECT sha256, uploaded_by, received_at FROM photos WHERE uploaded_by IS NOT NULL"
    )
    with op.batch_alter_table("hazards") as b:
        b.add_column(sa.Column("first_verified_by", sa.Integer(), nullable=True))
        b.add_column(sa.Column("first_verified_at", sa.DateTime(timezone=True), nullable=True))
        b.create_foreign_key(
            op.f("fk_hazards_first_verified_by_users"), "users", ["first_verified_by"], ["id"]
        )
    guards = POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_head_guard ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_events_in_order ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_head_guard()")
        op.execute("DROP FUNCTION IF EXISTS audit_events_in_order()")
    else:
        for name in (
            "audit_head_forward_only",
            "audit_head_no_delete",
            "audit_head_no_insert",
            "audit_events_in_order",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("hazards") as b:
        b.drop_constraint(op.f("fk_hazards_first_verified_by_users"), type_="foreignkey")
        b.drop_column("first_verified_at")
        b.drop_column("first_verified_by")
    with op.batch_alter_table("photo_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_uploads_user_id"))
    op.drop_table("photo_uploads")
