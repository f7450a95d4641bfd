"""a cycle count's blind count: counted and book quantity, the counter and the time

Revision ID: d2a7c5e3f8b4
Revises: c4e8f2a6b9d1
Create Date: 2026-12-02 05:50:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'd2a7c5e3f8b4'
down_revision = 'c4e8f2a6b9d1'
branch_labels = None
depends_on = None


def upgrade():
    # All NULL until counted; the counter references a user (an inline REFERENCES, so
    # SQLite adds it in place).
    op.add_column('cycle_count_task', sa.Column('counted_quantity', sa.Integer(), nullable=True))
    op.add_column('cycle_count_task', sa.Column('book_quantity', sa.Integer(), nullable=True))
    op.execute("ALTER TABLE cycle_count_task ADD COLUMN counted_by INTEGER "
               "CONSTRAINT fk_cycle_count_task_counted_by_user REFERENCES \"user\" (id)")
    op.add_column('cycle_count_task', sa.Column('counted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('cycle_count_task', 'counted_at')
    with op.batch_alter_table('cycle_count_task') as batch:
        batch.drop_column('counted_by')
    op.drop_column('cycle_count_task', 'book_quantity')
    op.drop_column('cycle_count_task', 'counted_quantity')
