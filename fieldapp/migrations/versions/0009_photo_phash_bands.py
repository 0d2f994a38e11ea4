"""photo hash bands, to find near-identical pictures

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 05:00:00

The 64-bit difference hash is split into four 16-bit bands, each indexed as an
expression: two pictures within 3 bits of each other share at least one band
(pigeonhole), so "this after photo is another premises' picture, re-saved or
slightly cropped" is found through an index, not by scanning every photo.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BANDS = [(f"ix_photos_phash_b{n}", f"substr(phash, {1 + 4 * n}, 4)") for n in range(4)]


def upgrade():
    for name, expr in BANDS:
        op.create_index(name, "photos", [sa.text(expr)])


def downgrade():
    for name, _ in BANDS:
        op.drop_index(name, table_name="photos")
