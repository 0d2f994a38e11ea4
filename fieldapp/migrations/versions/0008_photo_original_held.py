"""photos whose original evidence is held here

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 04:30:00

A record imported from a 一企一档 file brings display copies only: the original
evidence stays with the source system. Backups, restores and the original download
must know that such a photo's original is absent by design, not lost.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("photos") as b:
        b.add_column(
            sa.Column("original_held", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    with op.batch_alter_table("photos") as b:
        b.drop_column("original_held")
