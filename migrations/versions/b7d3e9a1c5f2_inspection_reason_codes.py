"""an inspection's reason as a stable code with its parameters, and the units it requires

Revision ID: b7d3e9a1c5f2
Revises: 4f8a2c6e1d93
Create Date: 2026-12-02 05:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'b7d3e9a1c5f2'
down_revision = '4f8a2c6e1d93'
branch_labels = None
depends_on = None


def upgrade():
    # Older inspections keep their English reason only: their code is unknown (NULL).
    op.add_column('inspection', sa.Column('reason_code', sa.String(length=40), nullable=True))
    op.add_column('inspection', sa.Column('reason_params', sa.JSON(), nullable=True))
    op.add_column('inspection', sa.Column('required_units', sa.Integer(), server_default='0', nullable=False))
    # What an older inspection required: what was inspected plus what was still to inspect.
    op.execute("UPDATE inspection SET required_units = units_inspected + remaining_units")


def downgrade():
    op.drop_column('inspection', 'required_units')
    op.drop_column('inspection', 'reason_params')
    op.drop_column('inspection', 'reason_code')
