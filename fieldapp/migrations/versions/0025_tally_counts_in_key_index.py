"""office summaries on PostgreSQL: the count rides in the key's index (INCLUDE n)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 14:55:00

Issue 23. SQLite keeps `hazard_tallies` and `visit_tallies` in key order (WITHOUT
ROWID), so a read of one kind's keys is a contiguous range with the counts in it.
PostgreSQL keeps a heap in insertion order: at city scale (1,000,000 hazards) the
district's open hazards, 46,502 keys of kind 'live', lay on 21,803 heap pages, and the
dashboard read every one of them to sum `n` (135 ms for that one read; the dashboard
makes several). With `n` in the primary key's index as an INCLUDE column the read is
index-only: 16 ms.

An index-only read skips the heap only on pages the visibility map marks all-visible,
and every hazard change rewrites a few tally rows: with the default autovacuum threshold
(20 % of 3.8 M rows) the map went stale for long stretches, and the largest street's
weekly figures took 0.25 s instead of 0.08 s. The two tables are vacuumed after 1 % of
their rows change instead.

Only PostgreSQL changes. The constraint keeps its name and key columns, so the triggers'
ON CONFLICT on the key finds it as before.
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

KEYS = {
    "hazard_tallies": "kind, day, enterprise_id, state, level, category, user_id, due, supervised",
    "visit_tallies": "day, enterprise_id, inspector_id",
}


VACUUM_OFTEN = "autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor"


def _rekey(include: str, storage: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, key in KEYS.items():
        op.execute(
            f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, "
            f"ADD CONSTRAINT pk_{table} PRIMARY KEY ({key}){include}"
        )
        op.execute(f"ALTER TABLE {table} {storage}")


def upgrade():
    _rekey(
        " INCLUDE (n)",
        "SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01)",
    )


def downgrade():
    _rekey("", f"RESET ({VACUUM_OFTEN})")
