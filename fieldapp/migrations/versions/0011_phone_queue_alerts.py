"""the phone's queue: amendment link, alerts to the street office, reported queue counts

Revision ID: 0011
Revises: 0013
Create Date: 2026-12-07 09:00:00

A visit changed after it was queued is sent as a new visit that names the first
(`visits.amends`). The phone's one-tap reports (a major hazard, a refused record)
and the server's "records may be lost" notices are `alerts`, which the street
acknowledges. `device_queues` keeps each phone's last reported queue, so a queue
that vanished without reaching the server is noticed.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alerts",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hazard_uuid", sa.String(length=36), nullable=True),
        sa.Column("record_uuid", sa.String(length=36), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["users.id"], name=op.f("fk_alerts_acknowledged_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_alerts_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_alerts_user_id_users")),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alerts_open", ["acknowledged_at", "kind", "enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alerts_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alerts_hazard_uuid"), ["hazard_uuid"], unique=False)

    op.create_table(
        "device_queues",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_device_queues_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "user_id", name=op.f("pk_device_queues")),
    )

    # A plain ADD COLUMN (no batch, no foreign key): rebuilding `visits` on SQLite would
    # cascade-delete its checklist rows and answers.
    op.add_column("visits", sa.Column("amends", sa.String(length=36), nullable=True))
    op.create_index(op.f("ix_visits_amends"), "visits", ["amends"], unique=False)


def downgrade():
    # Native DROP COLUMN (SQLite >= 3.35), for the same reason as above.
    op.drop_index(op.f("ix_visits_amends"), table_name="visits")
    op.drop_column("visits", "amends")

    op.drop_table("device_queues")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_hazard_uuid"))
        batch_op.drop_index(batch_op.f("ix_alerts_enterprise_id"))
        batch_op.drop_index("ix_alerts_open")
    op.drop_table("alerts")
