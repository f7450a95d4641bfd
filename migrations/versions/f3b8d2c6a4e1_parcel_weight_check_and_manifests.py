"""the parcel's weight check (packaging types, warehouse tolerance and tare, item
overrides, supervisor overrides recorded on the handover), the waybill's sender, and
handover manifests (交接单) per courier; print jobs may print a manifest

Revision ID: f3b8d2c6a4e1
Revises: e5c1a9d7b3f2
Create Date: 2026-12-02 06:10:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'f3b8d2c6a4e1'
down_revision = 'e5c1a9d7b3f2'
branch_labels = None
depends_on = None

LABELS_BEFORE = "label IN ('lot', 'bin', 'shipping')"
LABELS_AFTER = "label IN ('lot', 'bin', 'shipping', 'manifest')"


def upgrade():
    op.create_table('packaging_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('tare_grams', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('tare_grams >= 0', name=op.f('ck_packaging_type_tare_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packaging_type')),
    sa.UniqueConstraint('code', name=op.f('uq_packaging_type_code'))
    )
    with op.batch_alter_table('warehouse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_tare_grams', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('weight_tolerance_percent', sa.Numeric(precision=5, scale=2),
                                      server_default='5', nullable=False))
        batch_op.add_column(sa.Column('weight_tolerance_min_grams', sa.Integer(), server_default='50',
                                      nullable=False))
        batch_op.add_column(sa.Column('sender_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('sender_phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('sender_address', sa.String(length=400), nullable=True))
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight_tolerance_grams', sa.Integer(), nullable=True))
    op.create_table('parcel_weight_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['sales_order.id'], name=op.f('fk_parcel_weight_override_order_id_sales_order')),
    sa.ForeignKeyConstraint(['approved_by'], ['user.id'], name=op.f('fk_parcel_weight_override_approved_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parcel_weight_override'))
    )
    with op.batch_alter_table('parcel_weight_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parcel_weight_override_order_id'), ['order_id'], unique=False)
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.add_column(sa.Column('packaging_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('expected_weight_grams', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('weight_tolerance_grams', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('weight_check', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('weight_override_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_handover_weight_override_id_parcel_weight_override'),
                                    'parcel_weight_override', ['weight_override_id'], ['id'])
    op.create_table('shipping_manifest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('courier_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('driver_name', sa.String(length=100), nullable=True),
    sa.Column('driver_signature', sa.Text(), nullable=True),
    sa.Column('shipper_signature', sa.Text(), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_shipping_manifest_status')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_shipping_manifest_created_by_user')),
    sa.ForeignKeyConstraint(['closed_by'], ['user.id'], name=op.f('fk_shipping_manifest_closed_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_manifest')),
    sa.UniqueConstraint('number', name=op.f('uq_shipping_manifest_number'))
    )
    op.create_table('shipping_manifest_parcel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manifest_id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('added_by', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manifest_id'], ['shipping_manifest.id'], name=op.f('fk_shipping_manifest_parcel_manifest_id_shipping_manifest')),
    sa.ForeignKeyConstraint(['handover_id'], ['handover.id'], name=op.f('fk_shipping_manifest_parcel_handover_id_handover')),
    sa.ForeignKeyConstraint(['added_by'], ['user.id'], name=op.f('fk_shipping_manifest_parcel_added_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_manifest_parcel')),
    sa.UniqueConstraint('handover_id', name=op.f('uq_shipping_manifest_parcel_handover_id'))
    )
    with op.batch_alter_table('shipping_manifest_parcel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipping_manifest_parcel_manifest_id'), ['manifest_id'], unique=False)
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_print_job_label'), type_='check')
        batch_op.create_check_constraint(op.f('ck_print_job_label'), LABELS_AFTER)


def downgrade():
    op.execute("DELETE FROM print_job WHERE label = 'manifest'")
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_print_job_label'), type_='check')
        batch_op.create_check_constraint(op.f('ck_print_job_label'), LABELS_BEFORE)
    with op.batch_alter_table('shipping_manifest_parcel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipping_manifest_parcel_manifest_id'))
    op.drop_table('shipping_manifest_parcel')
    op.drop_table('shipping_manifest')
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_handover_weight_override_id_parcel_weight_override'),
                                 type_='foreignkey')
        batch_op.drop_column('weight_override_id')
        batch_op.drop_column('weight_check')
        batch_op.drop_column('weight_tolerance_grams')
        batch_op.drop_column('expected_weight_grams')
        batch_op.drop_column('packaging_code')
    with op.batch_alter_table('parcel_weight_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parcel_weight_override_order_id'))
    op.drop_table('parcel_weight_override')
    # Plain DROP COLUMN on both databases: SQLite drops in place, without rebuilding the
    # tables that stock, documents and locations point at.
    op.execute('ALTER TABLE item DROP COLUMN weight_tolerance_grams')
    for column in ('sender_address', 'sender_phone', 'sender_name', 'weight_tolerance_min_grams',
                   'weight_tolerance_percent', 'default_tare_grams'):
        op.execute(f'ALTER TABLE warehouse DROP COLUMN {column}')
    op.drop_table('packaging_type')
