"""Lots, the append-only stock ledger (rule L1) and the on-hand table derived from it."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.errors import LedgerImmutable
from wms.extensions import db
from wms.models.types import BigIntPK, UTCDateTime, utcnow


class MovementKind:
    """What a ledger movement records (rule L1 lists them)."""

    RECEIPT = "receipt"
    REJECTION = "rejection"
    PUTAWAY = "putaway"
    MOVE = "move"
    PICK = "pick"
    SHIP = "ship"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    COUNT_DIFFERENCE = "count_difference"
    REVERSAL = "reversal"

    ALL = (RECEIPT, REJECTION, PUTAWAY, MOVE, PICK, SHIP, RETURN, ADJUSTMENT,
           COUNT_DIFFERENCE, REVERSAL)


class Lot(db.Model):
    """A quantity of one item received together; its receipt time is the FIFO key (S1)."""

    __tablename__ = "lot"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    code: so.Mapped[str] = so.mapped_column(sa.String(64))
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expiry_date: so.Mapped[date | None] = so.mapped_column(default=None)
    supplier_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("supplier.id"), default=None)

    item = so.relationship("Item")

    __table_args__ = (
        sa.UniqueConstraint("item_id", "code"),
        sa.Index("ix_lot_item_fifo", "item_id", "received_at"),
    )


class LedgerEntry(db.Model):
    """One signed quantity change at one location (rule L1); never updated or deleted.

    A movement from A to B is two entries with the same ``movement_id``: minus at A,
    plus at B, so every movement sums to zero per item, lot and owner.
    """

    __tablename__ = "ledger_entry"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    movement_id: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    lot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lot.id"))
    location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("location.id"))
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("owner.id"))
    quantity: so.Mapped[int]
    document_type: so.Mapped[str | None] = so.mapped_column(sa.String(32), default=None)
    document_id: so.Mapped[str | None] = so.mapped_column(sa.String(64), default=None)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    # The warehouse's day the entry belongs to (L2): the open day when it was posted, or the
    # day a clerk dated a correction into; never a closed day (the guard below).
    business_day: so.Mapped[date]
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    # A correction points at the entry it cancels; one reversal per entry at most.
    reverses_entry_id: so.Mapped[int | None] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        sa.ForeignKey("ledger_entry.id"), unique=True, default=None,
    )

    __table_args__ = (
        sa.CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in MovementKind.ALL) + ")", name="kind"
        ),
        sa.Index("ix_ledger_entry_stock_key", "item_id", "lot_id", "location_id", "owner_id"),
        sa.Index("ix_ledger_entry_document", "document_type", "document_id"),
        sa.Index("ix_ledger_entry_location", "location_id", "created_at"),
        # A warehouse day's entries (the end-of-day report, closing a day); on PostgreSQL
        # the columns the report adds up ride along, for index-only scans.
        sa.Index("ix_ledger_entry_business_day", "business_day", "location_id", "item_id", "owner_id",
                 postgresql_include=["movement_id", "quantity", "created_at"]),
    )


class StockQuant(db.Model):
    """On-hand quantity per (item, lot, location, owner), kept equal to the ledger's sum.

    Only locations that physically hold stock have rows; ``reserved`` is the part
    allocated to shipping documents and not yet picked.
    """

    __tablename__ = "stock_quant"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    lot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lot.id"))
    location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("location.id"))
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("owner.id"))
    quantity: so.Mapped[int] = so.mapped_column(default=0)
    reserved: so.Mapped[int] = so.mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("item_id", "lot_id", "location_id", "owner_id"),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),  # rule S5
        sa.CheckConstraint("quantity <= 2147483647", name="quantity_fits"),  # an integer column, on SQLite too
        sa.CheckConstraint("reserved >= 0 AND reserved <= quantity", name="reserved_within_quantity"),
        sa.Index("ix_stock_quant_location", "location_id", "item_id"),
    )


# --- rule L1 enforced in the database ------------------------------------------------

LEDGER_GUARD_DDL = {
    "postgresql": [
        """
        CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            -- no percent sign here: drivers read it as a parameter placeholder
            RAISE EXCEPTION USING MESSAGE = 'ledger_entry is append-only (rule L1): ' || TG_OP || ' refused';
        END $$
        """,
        """
        CREATE TRIGGER ledger_entry_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entry
        FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()
        """,
        """
        CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_append_only()
        """,
    ],
    "sqlite": [
        """
        CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
        BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only (rule L1)'); END
        """,
        """
        CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
        BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only (rule L1)'); END
        """,
    ],
}


# --- rule L2 enforced in the database: no entry dated into a closed day ------------------
#
# A warehouse's day is closed when it is on or before the warehouse's last closed day
# (``ledger_day``). This guard is the one place that refuses such an entry; the writer only
# chooses the open day. On PostgreSQL it is one check per statement over the statement's new
# rows; closing a day locks the ledger against inserts while it adds up the balances, so a
# posting in flight either commits before the balances are read or meets the closed day here.
# SQLite's writers are serialized (BEGIN IMMEDIATE), so the row check suffices there.

DAY_CLOSED_MESSAGE = "day_closed"
DAY_CLOSED_SQLSTATE = "WD001"

DAY_GUARD_DDL = {
    "postgresql": [
        f"""
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
                RAISE EXCEPTION USING ERRCODE = '{DAY_CLOSED_SQLSTATE}',
                    MESSAGE = '{DAY_CLOSED_MESSAGE}: warehouse ' || closed.warehouse_id || ' day '
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
        f"""
        CREATE TRIGGER ledger_entry_closed_day BEFORE INSERT ON ledger_entry
        WHEN EXISTS (SELECT 1 FROM location l JOIN ledger_day d ON d.warehouse_id = l.warehouse_id
                     WHERE l.id = NEW.location_id AND d.day >= NEW.business_day)
        BEGIN SELECT RAISE(ABORT, '{DAY_CLOSED_MESSAGE}: the day is closed (rule L2)'); END
        """,
    ],
}


def ledger_guard_statements(dialect_name: str) -> list[str]:
    """The DDL that makes the ledger table append-only and closed days final on this database."""
    return [s.strip() for s in LEDGER_GUARD_DDL.get(dialect_name, []) + DAY_GUARD_DDL.get(dialect_name, [])]


def day_guard_statements(dialect_name: str) -> list[str]:
    """The DDL of the closed-day guard alone (its migration installs it)."""
    return [s.strip() for s in DAY_GUARD_DDL.get(dialect_name, [])]


@sa.event.listens_for(LedgerEntry.__table__, "after_create")
def _install_ledger_guard(target, connection, **kw) -> None:
    # create_all (tests) gets the same triggers as the migrations.
    for statement in ledger_guard_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(LedgerEntry, "before_update")
@sa.event.listens_for(LedgerEntry, "before_delete")
def _refuse_ledger_change(mapper, connection, target) -> None:
    raise LedgerImmutable()


@sa.event.listens_for(so.Session, "do_orm_execute")
def _refuse_bulk_ledger_change(state: so.ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        if state.bind_mapper.class_ is LedgerEntry:
            raise LedgerImmutable()
