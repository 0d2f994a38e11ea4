"""quarterly filings, enterprise self-inspection, department figures, review renewals

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-08 09:00:00

- hazards.source: who found a hazard, "inspection" or "self" (企业自查), and who confirmed
  a self-found one for the public placard page (confirmed_by/at). Existing hazards were
  all found by inspectors.
- quarter_figures: a supervising department enters its own figures for its industry
  (street_id becomes optional, industry added, one unique constraint per kind of filer).
- standardization_records.renewal: a passed review of premises that already held a grade;
  existing records are renewals when an earlier passed review of the same premises exists.
- quarter_filings: sealed snapshots of filed quarterly tables.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=12), server_default="inspection", nullable=False)
        )
        batch_op.add_column(sa.Column("confirmed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_hazards_confirmed_by_users"), "users", ["confirmed_by"], ["id"]
        )

    with op.batch_alter_table("quarter_figures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("industry", sa.String(length=40), nullable=True))
        batch_op.alter_column("street_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_quarter_figures_industry"),
            ["industry", "year", "quarter", "annex", "row_key", "column_key"],
        )

    with op.batch_alter_table("standardization_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("renewal", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    records = sa.table(
        "standardization_records",
        sa.column("id"),
        sa.column("enterprise_id"),
        sa.column("kind"),
        sa.column("result"),
        sa.column("on"),
        sa.column("renewal"),
    )
    earlier = sa.alias(records, "earlier")
    op.execute(
        records.update()
        .where(
            records.c.kind == "review",
            records.c.result == "pass",
            sa.exists().where(
                earlier.c.enterprise_id == records.c.enterprise_id,
                earlier.c.kind == "review",
                earlier.c.result == "pass",
                earlier.c.on < records.c.on,
            ),
        )
        .values(renewal=True)
    )

    op.create_table(
        "quarter_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("unit_name", sa.String(length=60), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("industry", sa.String(length=40), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("rows_behind", sa.Text(), nullable=False),
        sa.Column("seal", sa.String(length=64), nullable=False),
        sa.Column("event_uuid", sa.String(length=36), nullable=False),
        sa.Column("filed_by", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["filed_by"], ["users.id"], name=op.f("fk_quarter_filings_filed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["street_id"], ["streets.id"], name=op.f("fk_quarter_filings_street_id_streets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarter_filings")),
        sa.UniqueConstraint(
            "unit", "year", "quarter", "version", name=op.f("uq_quarter_filings_unit")
        ),
    )
    with op.batch_alter_table("quarter_filings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarter_filings_street_id"), ["street_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("quarter_filings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarter_filings_street_id"))
    op.drop_table("quarter_filings")
    with op.batch_alter_table("standardization_records", schema=None) as batch_op:
        batch_op.drop_column("renewal")
    op.execute(sa.text("DELETE FROM quarter_figures WHERE street_id IS NULL"))
    with op.batch_alter_table("quarter_figures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_quarter_figures_industry"), type_="unique")
        batch_op.alter_column("street_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("industry")
    with op.batch_alter_table("hazards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_hazards_confirmed_by_users"), type_="foreignkey")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("confirmed_by")
        batch_op.drop_column("source")
