"""couriers as master data (code, names, tracking-number pattern, waybill provider) and
the electronic waybills (电子面单) issued for shipping orders

Revision ID: e5c1a9d7b3f2
Revises: d2a7c5e3f8b4
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'e5c1a9d7b3f2'
down_revision = 'd2a7c5e3f8b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('courier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('tracking_pattern', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('waybill_provider', sa.String(length=32), nullable=False),
    sa.Column('waybill_settings', sa.JSON(), nullable=False),
    sa.Column('local_waybill_counter', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('local_waybill_counter >= 0', name=op.f('ck_courier_counter_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courier')),
    sa.UniqueConstraint('code', name=op.f('uq_courier_code'))
    )
    op.create_table('waybill',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('courier_id', sa.Integer(), nullable=False),
    sa.Column('tracking_number', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('provider_order_id', sa.String(length=100), nullable=True),
    sa.Column('sorting_code', sa.String(length=100), nullable=True),
    sa.Column('issued_by', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['sales_order.id'], name=op.f('fk_waybill_order_id_sales_order')),
    sa.ForeignKeyConstraint(['courier_id'], ['courier.id'], name=op.f('fk_waybill_courier_id_courier')),
    sa.ForeignKeyConstraint(['issued_by'], ['user.id'], name=op.f('fk_waybill_issued_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waybill')),
    sa.UniqueConstraint('order_id', name=op.f('uq_waybill_order_id')),
    sa.UniqueConstraint('courier_id', 'tracking_number', name=op.f('uq_waybill_courier_id_tracking_number'))
    )


def downgrade():
    op.drop_table('waybill')
    op.drop_table('courier')
