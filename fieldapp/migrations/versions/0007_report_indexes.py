"""report indexes, and the latest inspection per premises and checklist

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:00:00

The dashboard and the quarterly tables count hazards raised or closed, and visits
made, in a window, per premises; the campaign measures read each premises' latest
inspection with a checklist. At city scale (a million hazards, PRODUCT.md §12) both
databases must answer these from indexes alone:

- hazards by raising time, by closing time, and open ones by deadline, each with the
  premises (and the times the overdue test needs) in the index;
- visits by finishing time with the premises;
- visit_checklists carry their visit's premises and finishing time, and the items
  the visit passed on that checklist, so the latest inspection per premises is one
  index range and its results one row (visits are never edited once received).
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_hazards_raised_enterprise", "hazards", ["raised_at", "enterprise_id"])
    op.create_index(
        "ix_hazards_closed", "hazards", ["closed_at", "enterprise_id", "raised_at", "deadline"]
    )
    op.drop_index("ix_hazards_closed_at", table_name="hazards")
    op.create_index(
        "ix_hazards_open_due", "hazards", ["state", "deadline", "enterprise_id", "raised_at"]
    )
    op.drop_index("ix_hazards_state_deadline", table_name="hazards")
    op.create_index("ix_visits_finished_enterprise", "visits", ["finished_at", "enterprise_id"])

    with op.batch_alter_table("visit_checklists") as b:
        b.add_column(sa.Column("enterprise_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column("passed", sa.JSON(), nullable=True))
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE visit_checklists SET "
            "enterprise_id = (SELECT v.enterprise_id FROM visits v WHERE v.uuid = visit_checklists.visit_uuid), "
            "finished_at = (SELECT v.finished_at FROM visits v WHERE v.uuid = visit_checklists.visit_uuid)"
        )
    )
    passed = defaultdict(list)
    for vid, cid, key in conn.execute(
        sa.text(
            "SELECT visit_uuid, checklist_id, item_key FROM answers WHERE result = 'pass' ORDER BY visit_uuid, checklist_id, item_key"
        )
    ):
        passed[vid, cid].append(key)
    vc = sa.table(
        "visit_checklists",
        sa.column("visit_uuid"),
        sa.column("checklist_id"),
        sa.column("passed", sa.JSON()),
    )
    conn.execute(vc.update().values(passed=[]))
    rows = [{"v": vid, "c": cid, "p": keys} for (vid, cid), keys in passed.items()]
    stmt = (
        vc.update()
        .where(vc.c.visit_uuid == sa.bindparam("v"), vc.c.checklist_id == sa.bindparam("c"))
        .values(passed=sa.bindparam("p", type_=sa.JSON()))
    )
    for i in range(0, len(rows), 5000):
        conn.execute(stmt, rows[i : i + 5000])
    with op.batch_alter_table("visit_checklists") as b:
        b.alter_column("enterprise_id", existing_type=sa.Integer(), nullable=False)
        b.alter_column("finished_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        b.alter_column("passed", existing_type=sa.JSON(), nullable=False)
        b.create_foreign_key(
            "fk_visit_checklists_enterprise_id_enterprises",
            "enterprises",
            ["enterprise_id"],
            ["id"],
        )
        b.create_index(
            "ix_visit_checklists_latest",
            ["checklist_id", "enterprise_id", "finished_at", "visit_uuid"],
        )


def downgrade():
    with op.batch_alter_table("visit_checklists") as b:
        b.drop_index("ix_visit_checklists_latest")
        b.drop_constraint("fk_visit_checklists_enterprise_id_enterprises", type_="foreignkey")
        b.drop_column("passed")
        b.drop_column("finished_at")
        b.drop_column("enterprise_id")
    op.drop_index("ix_visits_finished_enterprise", table_name="visits")
    op.create_index("ix_hazards_state_deadline", "hazards", ["state", "deadline"])
    op.drop_index("ix_hazards_open_due", table_name="hazards")
    op.create_index("ix_hazards_closed_at", "hazards", ["closed_at"])
    op.drop_index("ix_hazards_closed", table_name="hazards")
    op.drop_index("ix_hazards_raised_enterprise", table_name="hazards")
