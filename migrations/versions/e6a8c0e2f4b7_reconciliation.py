"""reconciliation (rule L3): runs of every kind (courier bills, returns, outbound,
payments), the differences they find with their evidence and status, the history of
each difference's status, the couriers' bill column mappings and rate tables

Revision ID: e6a8c0e2f4b7
Revises: f3b8d2c6a4e1
Create Date: 2026-12-02 10:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'e6a8c0e2f4b7'
down_revision = 'f3b8d2c6a4e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('courier_bill_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('courier_code', sa.String(length=16), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('keys_on_order_number', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], name=op.f('fk_courier_bill_mapping_updated_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courier_bill_mapping')),
    sa.UniqueConstraint('courier_code', name=op.f('uq_courier_bill_mapping_courier_code'))
    )
    op.create_table('courier_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('courier_code', sa.String(length=16), nullable=False),
    sa.Column('province', sa.String(length=32), nullable=False),
    sa.Column('first_weight_kg', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('first_price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('additional_unit_kg', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('additional_price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('weight_step_kg', sa.Numeric(precision=6, scale=3), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('additional_unit_kg > 0 AND weight_step_kg >= 0', name=op.f('ck_courier_rate_units_positive')),
    sa.CheckConstraint('discount_percent >= 0 AND discount_percent <= 100', name=op.f('ck_courier_rate_discount_percent')),
    sa.CheckConstraint('first_weight_kg >= 0 AND first_price >= 0 AND additional_price >= 0', name=op.f('ck_courier_rate_not_negative')),
    sa.ForeignKeyConstraint(['updated_by'], ['user.id'], name=op.f('fk_courier_rate_updated_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courier_rate')),
    sa.UniqueConstraint('courier_code', 'province', name=op.f('uq_courier_rate_courier_code_province'))
    )
    op.create_table('reconciliation_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('cycle', sa.String(length=16), nullable=False),
    sa.Column('party', sa.String(length=32), nullable=False),
    sa.Column('courier_code', sa.String(length=16), nullable=True),
    sa.Column('platform', sa.String(length=32), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('courier', 'returns', 'outbound', 'payments')", name=op.f('ck_reconciliation_run_kind')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_reconciliation_run_created_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_run'))
    )
    with op.batch_alter_table('reconciliation_run', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_run_scope', ['kind', 'cycle', 'party'], unique=False)

    op.create_table('reconciliation_difference',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('cycle', sa.String(length=16), nullable=False),
    sa.Column('party', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('match_key', sa.String(length=64), nullable=False),
    sa.Column('courier_code', sa.String(length=16), nullable=True),
    sa.Column('order_number', sa.String(length=64), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('auto_resolved', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=True),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.Column('last_run_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('courier', 'returns', 'outbound', 'payments')", name=op.f('ck_reconciliation_difference_kind')),
    sa.CheckConstraint("status IN ('open', 'explained', 'claimed', 'resolved')", name=op.f('ck_reconciliation_difference_status')),
    sa.ForeignKeyConstraint(['changed_by'], ['user.id'], name=op.f('fk_reconciliation_difference_changed_by_user')),
    sa.ForeignKeyConstraint(['first_run_id'], ['reconciliation_run.id'], name=op.f('fk_reconciliation_difference_first_run_id_reconciliation_run')),
    sa.ForeignKeyConstraint(['last_run_id'], ['reconciliation_run.id'], name=op.f('fk_reconciliation_difference_last_run_id_reconciliation_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_difference')),
    sa.UniqueConstraint('kind', 'cycle', 'party', 'type', 'match_key', name=op.f('uq_reconciliation_difference_kind_cycle_party_type_match_key'))
    )
    with op.batch_alter_table('reconciliation_difference', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_difference_courier', ['courier_code', 'cycle'], unique=False)
        batch_op.create_index('ix_reconciliation_difference_status', ['status', 'kind'], unique=False)

    op.create_table('reconciliation_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('difference_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['difference_id'], ['reconciliation_difference.id'], name=op.f('fk_reconciliation_event_difference_id_reconciliation_difference')),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_run.id'], name=op.f('fk_reconciliation_event_run_id_reconciliation_run')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reconciliation_event_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_event'))
    )
    with op.batch_alter_table('reconciliation_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_event_difference_id'), ['difference_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reconciliation_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_event_difference_id'))

    op.drop_table('reconciliation_event')
    with op.batch_alter_table('reconciliation_difference', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciliation_difference_status')
        batch_op.drop_index('ix_reconciliation_difference_courier')

    op.drop_table('reconciliation_difference')
    with op.batch_alter_table('reconciliation_run', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciliation_run_scope')

    op.drop_table('reconciliation_run')
    op.drop_table('courier_rate')
    op.drop_table('courier_bill_mapping')
