"""every count of a cycle count kept as a round (cycle_count_round: the figures at that
moment and the status it left), so that a day's report shows a count as it stood at the
day's end; the counts already counted get their last count as their one round

Revision ID: 2c3d4e5f6071
Revises: 1b2c3d4e5f60
Create Date: 2026-12-03 07:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '2c3d4e5f6071'
down_revision = '1b2c3d4e5f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cycle_count_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('counted_by', sa.Integer(), nullable=True),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('on_hand_quantity', sa.Integer(), nullable=False),
    sa.Column('book_quantity', sa.Integer(), nullable=False),
    sa.Column('bin_card_quantity', sa.Integer(), nullable=False),
    sa.Column('counted_quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('movement_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['counted_by'], ['user.id'], name=op.f('fk_cycle_count_round_counted_by_user')),
    sa.ForeignKeyConstraint(['task_id'], ['cycle_count_task.id'], name=op.f('fk_cycle_count_round_task_id_cycle_count_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_count_round'))
    )
    op.create_index('ix_cycle_count_round_counted_at', 'cycle_count_round', ['counted_at'])
    op.create_index('ix_cycle_count_round_task', 'cycle_count_round', ['task_id', 'id'])
    op.execute(
        "INSERT INTO cycle_count_round (task_id, counted_by, counted_at, on_hand_quantity, book_quantity, "
        "bin_card_quantity, counted_quantity, status, movement_id) "
        "SELECT id, counted_by, counted_at, COALESCE(on_hand_quantity, book_quantity, 0), COALESCE(book_quantity, 0), "
        "COALESCE(bin_card_quantity, on_hand_quantity, book_quantity, 0), COALESCE(counted_quantity, 0), "
        # a supervisor's decision came after the count: the count itself left it waiting
        "CASE WHEN decided_by IS NOT NULL THEN 'counted' ELSE status END, "
        "CASE WHEN decided_by IS NOT NULL THEN NULL ELSE movement_id END "
        "FROM cycle_count_task WHERE counted_at IS NOT NULL ORDER BY id")


def downgrade():
    op.drop_index('ix_cycle_count_round_task', table_name='cycle_count_round')
    op.drop_index('ix_cycle_count_round_counted_at', table_name='cycle_count_round')
    op.drop_table('cycle_count_round')
