"""The warehouse's closed days (rule L2): who closed or reopened a day, and its stored balances.

A day of a warehouse is closed when it is on or before the warehouse's last row in
``ledger_day`` (days close in order, without gaps); ``ledger_day_event`` keeps every close
and reopen, so a reopening stays on record after the day is closed again. Closing a day
stores its closing quantity per item and owner (``day_balance``): a report reads the last
closing and the entries after it, never the whole ledger.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.extensions import db
from wms.models.types import UTCDateTime, utcnow


class DayAction:
    """What happened to a day (``ledger_day_event.action``)."""

    CLOSE = "close"
    REOPEN = "reopen"
    ALL = (CLOSE, REOPEN)


class LedgerDay(db.Model):
    """A closed day of one warehouse; the row is removed when a supervisor reopens it."""

    __tablename__ = "ledger_day"
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouse.id"), primary_key=True)
    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    closed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    closed_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))


class LedgerDayEvent(db.Model):
    """One close or reopen of a day, kept for good (a reopening needs a reason)."""

    __tablename__ = "ledger_day_event"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouse.id"))
    day: so.Mapped[date]
    action: so.Mapped[str] = so.mapped_column(sa.String(10))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)

    __table_args__ = (
        sa.CheckConstraint("action IN ('close', 'reopen')", name="action"),
        sa.CheckConstraint("action <> 'reopen' OR reason IS NOT NULL", name="reopen_has_reason"),
        sa.Index("ix_ledger_day_event_day", "warehouse_id", "day"),
    )


class DayBalance(db.Model):
    """The closing quantity of an item and owner in a warehouse at the end of a closed day.

    Only quantities other than zero are stored; the locations counted are those of the
    warehouse that hold stock (``wms.domain.locations.holds_stock``).
    """

    __tablename__ = "day_balance"
    warehouse_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"), primary_key=True)
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("owner.id"), primary_key=True)
    quantity: so.Mapped[int] = so.mapped_column(sa.BigInteger)

    __table_args__ = (
        sa.ForeignKeyConstraint(["warehouse_id", "day"], ["ledger_day.warehouse_id", "ledger_day.day"],
                                name="fk_day_balance_ledger_day"),
    )
