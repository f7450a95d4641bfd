"""a user's own language for the API's messages (zh-CN or en; none: the device's header)

Revision ID: 9b4e1c7d2a58
Revises: 7d2e5b9c4a61
Create Date: 2026-12-02 02:10:00

"""
from alembic import op


revision = '9b4e1c7d2a58'
down_revision = '7d2e5b9c4a61'
branch_labels = None
depends_on = None


def upgrade():
    # One statement both databases take: SQLite adds a column with its own CHECK in place,
    # without rebuilding the table that every document's user reference points at.
    op.execute(
        'ALTER TABLE "user" ADD COLUMN language VARCHAR(8) CONSTRAINT ck_user_language '
        "CHECK (language IS NULL OR language IN ('zh-CN', 'en'))"
    )


def downgrade():
    op.execute('ALTER TABLE "user" DROP COLUMN language')
