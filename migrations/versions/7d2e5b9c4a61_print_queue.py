"""the label print queue: jobs written with the use case, sent to the printer after commit

Revision ID: 7d2e5b9c4a61
Revises: 3c1a9f2e7b10
Create Date: 2026-12-02 02:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '7d2e5b9c4a61'
down_revision = '3c1a9f2e7b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('print_job',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('station_code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('document_type', sa.String(length=32), nullable=True),
    sa.Column('document_number', sa.String(length=64), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error_code', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=400), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('queued', 'printing', 'printed', 'failed')", name=op.f('ck_print_job_state')),
    sa.CheckConstraint("label IN ('lot', 'bin', 'shipping')", name=op.f('ck_print_job_label')),
    sa.CheckConstraint('copies >= 1', name=op.f('ck_print_job_copies_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_print_job_created_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_job'))
    )
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.create_index('ix_print_job_station_state', ['station_code', 'state', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_index('ix_print_job_station_state')
    op.drop_table('print_job')
