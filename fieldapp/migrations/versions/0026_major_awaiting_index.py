"""the major hazards awaiting supervision, by a partial index

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 15:20:00

Issue 23. The dashboard opens with the newest open major hazards not yet under
supervision (挂牌督办). For a street, SQLite read them through the premises index: every
hazard of the street's premises, 63 ms for the largest street at city scale (1,000,000
hazards, 1,453 of them awaiting). A partial index holds only those hazards, newest
first; the query names the index's condition with the same literals, which is what lets
both databases use it (1.4 ms).
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# Frozen here: a migration builds what it built on the day it was written.
WHERE = "level = 'major' AND supervised = false AND state <> 'closed'"


def upgrade():
    op.create_index(
        "ix_hazards_major_awaiting",
        "hazards",
        ["raised_at"],
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade():
    op.drop_index("ix_hazards_major_awaiting", table_name="hazards")
