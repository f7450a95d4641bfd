"""a count difference's reason (short or damaged) and the picker's note

Revision ID: c4e8f2a6b9d1
Revises: b7d3e9a1c5f2
Create Date: 2026-12-02 05:40:00

"""
from alembic import op


revision = 'c4e8f2a6b9d1'
down_revision = 'b7d3e9a1c5f2'
branch_labels = None
depends_on = None

# The reasons a picker may give today; a revision keeps its own copy.
REASONS = ('short', 'damaged')


def upgrade():
    # One statement both databases take (SQLite adds the column and its CHECK in place);
    # every earlier difference was reported as units missing.
    reasons = ", ".join(f"'{r}'" for r in REASONS)
    op.execute(
        "ALTER TABLE count_exception ADD COLUMN reason VARCHAR(16) DEFAULT 'short' NOT NULL "
        f"CONSTRAINT ck_count_exception_reason CHECK (reason IN ({reasons}))"
    )
    op.execute("ALTER TABLE count_exception ADD COLUMN note VARCHAR(200)")


def downgrade():
    op.execute("ALTER TABLE count_exception DROP COLUMN note")
    op.execute("ALTER TABLE count_exception DROP COLUMN reason")
