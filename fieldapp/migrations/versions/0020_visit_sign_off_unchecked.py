"""finishing on site: the responsible person's sign-off and the reasons for items not checked

Revision ID: 0020
Revises: 0011
Create Date: 2026-12-08 09:00:00

`visits.sign_off` keeps what the phone recorded at the end of the visit: the premises'
responsible person signed (the signature is a PNG kept as evidence like a photo, named
by its SHA-256 and referenced as `photo_refs.kind = 'signature'`) or refused, with the
reason. `visits.unchecked` lists the items left unanswered on purpose (未检查), each
with its reason.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch): rebuilding `visits` on SQLite would cascade-delete its
    # checklist rows and answers.
    op.add_column("visits", sa.Column("sign_off", sa.JSON(), nullable=True))
    op.add_column("visits", sa.Column("unchecked", sa.JSON(), nullable=True))


def downgrade():
    # Native DROP COLUMN (SQLite >= 3.35), for the same reason as above.
    op.drop_column("visits", "unchecked")
    op.drop_column("visits", "sign_off")
