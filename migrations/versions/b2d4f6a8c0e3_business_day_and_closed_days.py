"""the warehouse's business day on every ledger entry (backfilled from created_at in the
warehouse's time zone), closed days with their close/reopen history and stored closing
balances, and the database guard that refuses an entry dated into a closed day (rule L2)

Revision ID: b2d4f6a8c0e3
Revises: f3b8d2c6a4e1
Create Date: 2026-12-02 10:30:00

"""
import os
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op


revision = 'b2d4f6a8c0e3'
down_revision = 'f3b8d2c6a4e1'
branch_labels = None
depends_on = None

# A copy, as of this revision (a migration is history and imports no application code).
DAY_GUARD_DDL = {
    "postgresql": [
        """
        CREATE OR REPLACE FUNCTION ledger_entry_refuse_closed_day() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE closed record;
        BEGIN
            SELECT l.warehouse_id, n.business_day INTO closed
            FROM new_entries n
            JOIN location l ON l.id = n.location_id
            JOIN ledger_day d ON d.warehouse_id = l.warehouse_id AND d.day >= n.business_day
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'WD001',
                    MESSAGE = 'day_closed: warehouse ' || closed.warehouse_id || ' day '
                              || closed.business_day || ' is closed (rule L2)';
            END IF;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER ledger_entry_closed_day AFTER INSERT ON ledger_entry
        REFERENCING NEW TABLE AS new_entries
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_refuse_closed_day()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER ledger_entry_closed_day BEFORE INSERT ON ledger_entry
        WHEN EXISTS (SELECT 1 FROM location l JOIN ledger_day d ON d.warehouse_id = l.warehouse_id
                     WHERE l.id = NEW.location_id AND d.day >= NEW.business_day)
        BEGIN SELECT RAISE(ABORT, 'day_closed: the day is closed (rule L2)'); END
        """,
    ],
}
# SQLite rebuilds the table to make the column NOT NULL, which drops its triggers: rule L1's again.
SQLITE_APPEND_ONLY = [
    """
    CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
    BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only (rule L1)'); END
    """,
    """
    CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
    BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only (rule L1)'); END
    """,
]


def _zone_name() -> str:
    try:
        from flask import current_app
        return current_app.config["WAREHOUSE_TIMEZONE"]
    except (ImportError, RuntimeError, KeyError):
        return os.environ.get("WMS_WAREHOUSE_TIMEZONE", "Asia/Shanghai")


def _backfill(dialect: str) -> None:
    """Each existing entry's business day: its created_at's date in the warehouse's time zone."""
    zone = _zone_name()
    if dialect == "postgresql":
        op.execute("ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_no_update_delete")
        op.get_bind().execute(sa.text(
            "UPDATE ledger_entry SET business_day = CAST(timezone(:zone, created_at) AS date)"), {"zone": zone})
        op.execute("ALTER TABLE ledger_entry ENABLE TRIGGER ledger_entry_no_update_delete")
        return
    bind = op.get_bind()
    op.execute("DROP TRIGGER IF EXISTS ledger_entry_no_update")
    op.execute("DROP TRIGGER IF EXISTS ledger_entry_no_delete")
    tz = ZoneInfo(zone)
    rows = bind.execute(sa.text("SELECT id, created_at FROM ledger_entry")).all()
    updates = []
    for entry_id, created_at in rows:
        at = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(str(created_at))
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        updates.append({"id": entry_id, "day": at.astimezone(tz).date().isoformat()})
    if updates:
        bind.execute(sa.text("UPDATE ledger_entry SET business_day = :day WHERE id = :id"), updates)


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('ledger_day',
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by'], ['user.id'], name=op.f('fk_ledger_day_closed_by_user')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_ledger_day_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('warehouse_id', 'day', name=op.f('pk_ledger_day'))
    )
    op.create_table('ledger_day_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=True),
    sa.CheckConstraint("action IN ('close', 'reopen')", name=op.f('ck_ledger_day_event_action')),
    sa.CheckConstraint("action <> 'reopen' OR reason IS NOT NULL", name=op.f('ck_ledger_day_event_reopen_has_reason')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_ledger_day_event_user_id_user')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_ledger_day_event_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_day_event'))
    )
    with op.batch_alter_table('ledger_day_event', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_day_event_day', ['warehouse_id', 'day'], unique=False)
    op.create_table('day_balance',
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_day_balance_item_id_item')),
    sa.ForeignKeyConstraint(['owner_id'], ['owner.id'], name=op.f('fk_day_balance_owner_id_owner')),
    sa.ForeignKeyConstraint(['warehouse_id', 'day'], ['ledger_day.warehouse_id', 'ledger_day.day'],
                            name='fk_day_balance_ledger_day'),
    sa.PrimaryKeyConstraint('warehouse_id', 'day', 'item_id', 'owner_id', name=op.f('pk_day_balance'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_day', sa.Date(), nullable=True))
    _backfill(dialect)
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.alter_column('business_day', existing_type=sa.Date(), nullable=False)
        batch_op.create_index('ix_ledger_entry_business_day',
                              ['business_day', 'location_id', 'item_id', 'owner_id'], unique=False,
                              postgresql_include=['movement_id', 'quantity', 'created_at'])
    if dialect == "sqlite":
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement.strip())
    for statement in DAY_GUARD_DDL.get(dialect, []):
        op.execute(statement.strip())


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_closed_day ON ledger_entry")
        op.execute("DROP FUNCTION IF EXISTS ledger_entry_refuse_closed_day()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_closed_day")
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entry_business_day')
        batch_op.drop_column('business_day')
    if dialect == "sqlite":  # the rebuild dropped them
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_no_delete")
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement.strip())
    op.drop_table('day_balance')
    with op.batch_alter_table('ledger_day_event', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_day_event_day')
    op.drop_table('ledger_day_event')
    op.drop_table('ledger_day')
