"""on-hand fits an integer column on both databases

PostgreSQL refuses an on-hand quantity beyond 2**31 - 1 (integer overflow); SQLite would
keep it (its integers are 64 bits). The same check on both makes a movement that would
overflow on-hand a refusal alike everywhere.

Revision ID: 3c1a9f2e7b10
Revises: 651b52952e83
Create Date: 2026-12-01 21:00:00

"""
from alembic import op


revision = '3c1a9f2e7b10'
down_revision = '651b52952e83'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_quant', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_stock_quant_quantity_fits'), 'quantity <= 2147483647')


def downgrade():
    with op.batch_alter_table('stock_quant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stock_quant_quantity_fits'), type_='check')
