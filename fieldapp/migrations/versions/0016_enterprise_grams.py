"""register search index: bigrams of each premises' name and address

Revision ID: 0016
Revises: 0009
Create Date: 2026-12-06 22:30:00

Searching the register for two Chinese characters was a substring scan of every
premises (p95 217 ms at city scale). Each premises now keeps the distinct bigrams
of its name and address; a query's bigrams find the candidates through the primary
key and the substring test runs on those only (fieldapp/search.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0009"
branch_labels = None
depends_on = None


def _grams(*texts):
    out = set()
    for text in texts:
        folded = (text or "").lower()
        out.update(folded[i : i + 2] for i in range(len(folded) - 1))
    return out


def upgrade():
    grams = op.create_table(
        "enterprise_grams",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("gram", "enterprise_id"),
    )
    op.create_index("ix_enterprise_grams_enterprise_id", "enterprise_grams", ["enterprise_id"])
    # The register as it stands: the same bigrams fieldapp.search computes (copied here,
    # as a migration must not change when the code does).
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name, address FROM enterprises")).all()
    values = [
        {"enterprise_id": eid, "gram": g}
        for eid, name, address in rows
        for g in _grams(name, address)
    ]
    for at in range(0, len(values), 5000):
        op.bulk_insert(grams, values[at : at + 5000])


def downgrade():
    op.drop_index("ix_enterprise_grams_enterprise_id", table_name="enterprise_grams")
    op.drop_table("enterprise_grams")
