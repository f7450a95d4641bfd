"""the audit trail: one row per mutating call and login (user, action, document,
device, outcome), searchable by each

Revision ID: a1c3e5f7b9d2
Revises: f3b8d2c6a4e1
Create Date: 2026-12-02 10:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'a1c3e5f7b9d2'
down_revision = 'f3b8d2c6a4e1'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_audit_entry_at': ['at'],
    'ix_audit_entry_user_at': ['user_id', 'at'],
    'ix_audit_entry_action_at': ['action', 'at'],
    'ix_audit_entry_document_at': ['document_number', 'at'],
    'ix_audit_entry_device_id_at': ['device_id', 'at'],
    'ix_audit_entry_device_name_at': ['device_name', 'at'],
}


def upgrade():
    op.create_table('audit_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('document_type', sa.String(length=32), nullable=True),
    sa.Column('document_number', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('device_name', sa.String(length=40), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('idempotency_key', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_audit_entry_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        for name in reversed(list(INDEXES)):
            batch_op.drop_index(name)
    op.drop_table('audit_entry')
