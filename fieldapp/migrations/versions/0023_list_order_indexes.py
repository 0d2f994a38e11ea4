"""list order indexes: the lists' first page read from an index, not a sort of every hazard

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 08:30:00

Issue 23. The 整改清单 orders open, rectified, closed, then by deadline; the 销号清单 by
closing time. At 10,000 premises (200,000 hazards) the district's first page sorted
every hazard in scope (1.8 s and 1.3 s on SQLite). These indexes hold the rows in the
lists' order, so the first 100 are read and the scan stops.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

STATE_ORDER = "(CASE state WHEN 'open' THEN 0 WHEN 'rectified' THEN 1 ELSE 2 END)"


def upgrade():
    op.create_index(
        "ix_hazards_worklist",
        "hazards",
        [sa.text(STATE_ORDER), "deadline", "raised_at", "uuid"],
    )
    op.create_index("ix_hazards_closure_list", "hazards", ["state", "closed_at", "uuid"])


def downgrade():
    op.drop_index("ix_hazards_closure_list", table_name="hazards")
    op.drop_index("ix_hazards_worklist", table_name="hazards")
