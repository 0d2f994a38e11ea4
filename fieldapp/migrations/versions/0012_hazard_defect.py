"""hazard defect wording

Revision ID: 0012
Revises: 0017
Create Date: 2026-12-08 09:00:00

A hazard is named by the finding worded as a defect (the checklist item's `defect`,
as the inspector confirmed or edited it), not by the item's compliant-state text.
Hazards recorded before keep an empty defect and are shown by their item text.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("defect", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_column("defect")
