"""the day report's reconciliation section reads only the differences that can have been
unresolved at the day's end (unresolved now, or changed since), by index: an index on
reconciliation_difference.changed_at

Revision ID: 1b2c3d4e5f60
Revises: 0a9b8c7d6e5f
Create Date: 2026-12-03 07:20:00

"""
from alembic import op


revision = '1b2c3d4e5f60'
down_revision = '0a9b8c7d6e5f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_reconciliation_difference_changed_at', 'reconciliation_difference', ['changed_at'])


def downgrade():
    op.drop_index('ix_reconciliation_difference_changed_at', table_name='reconciliation_difference')
