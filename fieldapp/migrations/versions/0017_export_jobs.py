"""bulk export jobs in the database, their pieces in the configured store

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:00:00

A street's ZIP of archives was built in DATA_DIR on the server that started it,
so behind a load balancer every step had to reach that server. The job's state is
now a row any server can read and lease, and each archive is an object in the
configured store (filesystem or S3); the ZIP is streamed from them on download.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("sums", sa.JSON(), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_export_jobs_owner_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_export_jobs"),
    )
    op.create_index("ix_export_jobs_owner_created", "export_jobs", ["owner_id", "created_at"])


def downgrade():
    op.drop_index("ix_export_jobs_owner_created", table_name="export_jobs")
    op.drop_table("export_jobs")
