"""report indexes: hazards by raising time, visits by finishing time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 02:00:00

The dashboard and the quarterly tables count hazards raised and visits made in a
window; without these both databases read every row (PRODUCT.md §12 budgets).
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_hazards_raised_at', 'hazards', ['raised_at'])
    op.create_index('ix_visits_finished_at', 'visits', ['finished_at'])


def downgrade():
    op.drop_index('ix_visits_finished_at', table_name='visits')
    op.drop_index('ix_hazards_raised_at', table_name='hazards')
