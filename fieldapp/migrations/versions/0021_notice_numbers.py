"""整改通知书 numbers: a yearly sequence per street, given when a visit reaches the server

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-07 05:00:00

Issue 17.5. A visit that raised something to rectify gets its notice's number from its
street's sequence for the (Beijing-time) year of the visit. Visits already on file are
numbered here, in the order they were finished; their printed text is formatted from
the configured pattern when shown (`notice_no` stays NULL), new ones keep the text
as it was first printed.
"""

from collections import defaultdict
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice_sequences",
        sa.Column("street_id", sa.Integer(), sa.ForeignKey("streets.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer(), nullable=False),
    )
    # Plain ADD COLUMN (no batch): rebuilding `visits` on SQLite would cascade-delete its children.
    op.add_column("visits", sa.Column("notice_street_id", sa.Integer(), nullable=True))
    op.add_column("visits", sa.Column("notice_year", sa.Integer(), nullable=True))
    op.add_column("visits", sa.Column("notice_seq", sa.Integer(), nullable=True))
    op.add_column("visits", sa.Column("notice_no", sa.String(60), nullable=True))
    op.create_index(
        "uq_visits_notice_number",
        "visits",
        ["notice_street_id", "notice_year", "notice_seq"],
        unique=True,
    )

    conn = op.get_bind()
    tz = ZoneInfo("Asia/Shanghai")
    rows = conn.execute(
        sa.text(
            "SELECT v.uuid, v.finished_at, e.street_id FROM visits v JOIN enterprises e ON e.id = v.enterprise_id "
            "WHERE EXISTS (SELECT 1 FROM hazards h WHERE h.visit_uuid = v.uuid AND NOT h.fixed_on_spot) "
            "ORDER BY v.finished_at, v.uuid"
        )
    ).all()
    last = defaultdict(int)
    for uuid, finished, street_id in rows:
        if isinstance(finished, str):  # SQLite hands back text
            from datetime import datetime

            finished = datetime.fromisoformat(finished)
        year = finished.replace(tzinfo=finished.tzinfo or UTC).astimezone(tz).year
        last[(street_id, year)] += 1
        conn.execute(
            sa.text(
                "UPDATE visits SET notice_street_id = :s, notice_year = :y, notice_seq = :n WHERE uuid = :u"
            ),
            {"s": street_id, "y": year, "n": last[(street_id, year)], "u": uuid},
        )
    for (street_id, year), n in last.items():
        conn.execute(
            sa.text("INSERT INTO notice_sequences (street_id, year, last) VALUES (:s, :y, :n)"),
            {"s": street_id, "y": year, "n": n},
        )


def downgrade():
    op.drop_index("uq_visits_notice_number", table_name="visits")
    op.drop_column("visits", "notice_no")
    op.drop_column("visits", "notice_seq")
    op.drop_column("visits", "notice_year")
    op.drop_column("visits", "notice_street_id")
    op.drop_table("notice_sequences")
