"""annex reads: visit checklists keep the items answered 不适用; self-found hazards by index

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 11:10:00

Issue 23. A campaign measure (annexes 4 and 5) is met when the premises' latest
inspection with a checklist answered every item of the measure "pass" or "na", at least
one "pass". Each visit checklist row kept the items passed (0007) but not those not
applicable, so the tables read every answer of every latest inspection: 1.1 s of the
district's annex 4 at 10,000 premises. With the 不适用 items beside the passed ones,
a measure is decided from the row. Visits never change once received, so the copy
cannot drift.

The premises whose own three lists are closed-loop (annexes 4 and 5) are read from the
hazards the enterprise found itself; without an index on the source both queries read
every hazard since 2021 (0.27 s at 10,000 premises).

The hazards raised or closed in the year, with their premises, source and uuid, are read
for every quarterly table: with source and uuid in ix_hazards_raised_enterprise and
ix_hazards_closed the read is index-only (district annex 4 at city scale: 1.3 s -> 0.77 s
for the two reads).
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


RAISED_OLD = ["raised_at", "enterprise_id"]
CLOSED_OLD = ["closed_at", "enterprise_id", "raised_at", "deadline"]


def _reindex(name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name="hazards")
    op.create_index(name, "hazards", columns)


def upgrade():
    op.create_index("ix_hazards_source_raised", "hazards", ["source", "raised_at", "enterprise_id"])
    _reindex("ix_hazards_raised_enterprise", RAISED_OLD + ["source", "uuid"])
    _reindex("ix_hazards_closed", CLOSED_OLD + ["source", "uuid"])
    with op.batch_alter_table("visit_checklists") as b:
        b.add_column(sa.Column("not_applicable", sa.JSON(), nullable=True))
    conn = op.get_bind()
    vc = sa.table(
        "visit_checklists",
        sa.column("visit_uuid"),
        sa.column("checklist_id"),
        sa.column("not_applicable", sa.JSON()),
    )
    conn.execute(vc.update().values(not_applicable=[]))
    na = defaultdict(list)
    for vid, cid, key in conn.execute(
        sa.text(
            "SELECT visit_uuid, checklist_id, item_key FROM answers WHERE result = 'na' "
            "ORDER BY visit_uuid, checklist_id, item_key"
        )
    ):
        na[vid, cid].append(key)
    rows = [{"v": vid, "c": cid, "k": keys} for (vid, cid), keys in na.items()]
    stmt = (
        vc.update()
        .where(vc.c.visit_uuid == sa.bindparam("v"), vc.c.checklist_id == sa.bindparam("c"))
        .values(not_applicable=sa.bindparam("k", type_=sa.JSON()))
    )
    for i in range(0, len(rows), 5000):
        conn.execute(stmt, rows[i : i + 5000])
    with op.batch_alter_table("visit_checklists") as b:
        b.alter_column("not_applicable", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("visit_checklists") as b:
        b.drop_column("not_applicable")
    op.drop_index("ix_hazards_source_raised", table_name="hazards")
    _reindex("ix_hazards_raised_enterprise", RAISED_OLD)
    _reindex("ix_hazards_closed", CLOSED_OLD)
