"""office summaries: hazard and visit tallies kept by triggers (issue 23.1)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 02:00:00

The dashboard and the three lists' counts read counts per premises, day, state and
level instead of walking the hazards. Triggers on `hazards` and `visits` keep them in
the same transaction as every write (fieldapp.summaries); this migration creates the
tables and triggers and fills the counts from the rows already there. Its statements are
frozen in fieldapp/migrations/summaries_0022.py: what it creates must not follow later
edits of fieldapp.summaries.
"""

import sqlalchemy as sa
from alembic import op

from fieldapp.migrations import summaries_0022 as frozen

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hazard_tallies",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("supervised", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind",
            "day",
            "enterprise_id",
            "state",
            "level",
            "category",
            "user_id",
            "due",
            "supervised",
            name=op.f("pk_hazard_tallies"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_hazard_tallies_enterprise",
        "hazard_tallies",
        ["enterprise_id", "kind", "day"],
        unique=False,
    )
    op.create_table(
        "visit_tallies",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "enterprise_id", "inspector_id", name=op.f("pk_visit_tallies")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_visit_tallies_enterprise", "visit_tallies", ["enterprise_id", "day"], unique=False
    )
    op.create_table(
        "premises_visits",
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", name=op.f("pk_premises_visits")),
    )
    bind = op.get_bind()
    for statement in frozen.FILL[bind.dialect.name] + frozen.TRIGGERS[bind.dialect.name]:
        bind.execute(sa.text(statement))


def downgrade():
    for statement in frozen.DROP[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table("premises_visits")
    op.drop_index("ix_visit_tallies_enterprise", table_name="visit_tallies")
    op.drop_table("visit_tallies")
    op.drop_index("ix_hazard_tallies_enterprise", table_name="hazard_tallies")
    op.drop_table("hazard_tallies")
