"""the plan's calendar and filings with receipts, checklist proposals, who decided a risk colour as what

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-08 10:00:00

The plan (泉鲤安委〔2025〕1号) runs in five phases, each street and each supervising
department filing a plan, an evaluation report, quarterly summaries and tables and an
annual summary by dates it names. Phases and required filings are rows the district
edits (next year's plan is entered the same way); each filing keeps a receipt (who,
when, sha256 of the stored file). Departments propose changes to their industry's
checklists; the district's decision and the file an accepted one produces are kept.
Streets and departments both decide 四色 now: each decision records the role it was
taken in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("risk_assessments") as b:
        b.add_column(
            sa.Column("decided_as", sa.String(length=20), nullable=False, server_default="")
        )
    op.create_table(
        "plan_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_plan_phases"),
        sa.UniqueConstraint("year", "key", name="uq_plan_phases_year"),
    )
    op.create_table(
        "plan_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("filers", sa.String(length=12), nullable=False),
        sa.Column("forms", sa.JSON(), nullable=False),
        sa.Column("sealed", sa.Boolean(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["phase_id"], ["plan_phases.id"], name="fk_plan_requirements_phase_id_plan_phases"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plan_requirements"),
        sa.UniqueConstraint("year", "key", name="uq_plan_requirements_year"),
    )
    op.create_index("ix_plan_requirements_phase_id", "plan_requirements", ["phase_id"])
    op.create_table(
        "plan_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("filer", sa.String(length=60), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("industry", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("file_key", sa.String(length=200), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_type", sa.String(length=10), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("filed_by", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_uuid", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["plan_requirements.id"],
            name="fk_plan_filings_requirement_id_plan_requirements",
        ),
        sa.ForeignKeyConstraint(
            ["street_id"], ["streets.id"], name="fk_plan_filings_street_id_streets"
        ),
        sa.ForeignKeyConstraint(["filed_by"], ["users.id"], name="fk_plan_filings_filed_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_plan_filings"),
    )
    op.create_index(
        "ix_plan_filings_requirement_filer", "plan_filings", ["requirement_id", "filer"]
    )
    op.create_index("ix_plan_filings_snapshot_id", "plan_filings", ["snapshot_id"])
    op.create_table(
        "checklist_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.String(length=40), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("new_version", sa.Integer(), nullable=True),
        sa.Column("toml_text", sa.Text(), nullable=True),
        sa.Column("toml_sha256", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name="fk_checklist_proposals_proposed_by_users"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name="fk_checklist_proposals_decided_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_checklist_proposals"),
    )
    op.create_index("ix_checklist_proposals_checklist_id", "checklist_proposals", ["checklist_id"])


def downgrade():
    op.drop_index("ix_checklist_proposals_checklist_id", table_name="checklist_proposals")
    op.drop_table("checklist_proposals")
    op.drop_index("ix_plan_filings_snapshot_id", table_name="plan_filings")
    op.drop_index("ix_plan_filings_requirement_filer", table_name="plan_filings")
    op.drop_table("plan_filings")
    op.drop_index("ix_plan_requirements_phase_id", table_name="plan_requirements")
    op.drop_table("plan_requirements")
    op.drop_table("plan_phases")
    with op.batch_alter_table("risk_assessments") as b:
        b.drop_column("decided_as")
