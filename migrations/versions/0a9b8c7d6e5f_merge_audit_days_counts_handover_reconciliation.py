"""merge the audit trail, business days, cycle counts, handover mode and reconciliation branches

Revision ID: 0a9b8c7d6e5f
Revises: a1c3e5f7b9d2, b2d4f6a8c0e3, c3e5a7b9d1f4, d4f6b8c0e2a5, e6a8c0e2f4b7
Create Date: 2026-12-02 12:55:00

"""

revision = '0a9b8c7d6e5f'
down_revision = ('a1c3e5f7b9d2', 'b2d4f6a8c0e3', 'c3e5a7b9d1f4', 'd4f6b8c0e2a5', 'e6a8c0e2f4b7')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
