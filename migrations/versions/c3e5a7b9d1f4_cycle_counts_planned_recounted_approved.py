"""cycle counts by bin, item, zone or rule: started, recounted, approved or posted within the threshold

Revision ID: c3e5a7b9d1f4
Revises: f3b8d2c6a4e1
Create Date: 2026-12-02 10:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'c3e5a7b9d1f4'
down_revision = 'f3b8d2c6a4e1'
branch_labels = None
depends_on = None

#: The columns that reference a user, added with an inline REFERENCES so SQLite adds them in place.
USER_COLUMNS = ('created_by', 'started_by', 'first_counted_by', 'decided_by')


def upgrade():
    op.add_column('cycle_count_task', sa.Column('origin', sa.String(length=16), nullable=False,
                                                server_default='difference'))
    for column in USER_COLUMNS:
        op.execute(f"ALTER TABLE cycle_count_task ADD COLUMN {column} INTEGER "
                   f"CONSTRAINT fk_cycle_count_task_{column}_user REFERENCES \"user\" (id)")
    for column in ('started_at', 'first_counted_at', 'decided_at'):
        op.add_column('cycle_count_task', sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    for column in ('on_hand_quantity', 'bin_card_quantity', 'first_difference', 'difference'):
        op.add_column('cycle_count_task', sa.Column(column, sa.Integer(), nullable=True))
    op.add_column('cycle_count_task', sa.Column('movement_id', sa.String(length=32), nullable=True))
    # An empty bin's count has no item until a stray is found there.
    with op.batch_alter_table('cycle_count_task') as batch:
        batch.alter_column('item_id', existing_type=sa.Integer(), nullable=True)
    op.create_index('ix_cycle_count_task_location', 'cycle_count_task', ['location_id', 'created_at'])
    op.create_index('ix_cycle_count_task_counted_at', 'cycle_count_task', ['counted_at'])


def downgrade():
    op.drop_index('ix_cycle_count_task_counted_at', table_name='cycle_count_task')
    op.drop_index('ix_cycle_count_task_location', table_name='cycle_count_task')
    op.execute("DELETE FROM cycle_count_task WHERE item_id IS NULL")
    with op.batch_alter_table('cycle_count_task') as batch:
        batch.alter_column('item_id', existing_type=sa.Integer(), nullable=False)
        for column in ('movement_id', 'difference', 'first_difference', 'bin_card_quantity', 'on_hand_quantity',
                       'decided_at', 'first_counted_at', 'started_at', *USER_COLUMNS, 'origin'):
            batch.drop_column(column)
