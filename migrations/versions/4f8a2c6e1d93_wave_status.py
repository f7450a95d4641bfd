"""a wave's status (released, picking, picked, cancelled), set for existing waves from their tasks

Revision ID: 4f8a2c6e1d93
Revises: 9b4e1c7d2a58
Create Date: 2026-12-02 02:30:00

"""
from alembic import op


revision = '4f8a2c6e1d93'
down_revision = '9b4e1c7d2a58'
branch_labels = None
depends_on = None

# The states of the WAVE table as they are today; a revision keeps its own copy.
STATES = ('released', 'picking', 'picked', 'cancelled')

# What a wave's orders and tasks imply: a wave whose orders are all cancelled is
# cancelled; a count at one of its bins started the picking, which is over once no task
# is open; any other wave is released.
BACKFILL = """
UPDATE wave SET status = CASE
    WHEN EXISTS (SELECT 1 FROM sales_order o WHERE o.wave_id = wave.id)
         AND NOT EXISTS (SELECT 1 FROM sales_order o WHERE o.wave_id = wave.id AND o.status <> 'cancelled')
        THEN 'cancelled'
    WHEN EXISTS (SELECT 1 FROM pick_task t JOIN sales_order o ON o.id = t.order_id
                 WHERE o.wave_id = wave.id AND t.counted_at IS NOT NULL)
        THEN CASE WHEN EXISTS (SELECT 1 FROM pick_task t JOIN sales_order o ON o.id = t.order_id
                               WHERE o.wave_id = wave.id AND t.status = 'open')
                  THEN 'picking' ELSE 'picked' END
    ELSE 'released' END
"""


def upgrade():
    # One statement both databases take: SQLite adds a NOT NULL column with a default and
    # its own CHECK in place, without rebuilding the table the orders point at.
    states = ", ".join(f"'{s}'" for s in STATES)
    op.execute(
        "ALTER TABLE wave ADD COLUMN status VARCHAR(16) DEFAULT 'released' NOT NULL "
        f"CONSTRAINT ck_wave_status CHECK (status IN ({states}))"
    )
    op.execute(BACKFILL)
    op.execute("CREATE INDEX ix_wave_picker_status ON wave (picker_id, status)")


def downgrade():
    op.execute("DROP INDEX ix_wave_picker_status")
    op.execute("ALTER TABLE wave DROP COLUMN status")
