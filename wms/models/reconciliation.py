"""Reconciliation (对账, rule L3): runs, the differences they find and their history, the
couriers' bill column mappings and rate tables.

The contract every kind of reconciliation (courier bills, returns, outbound, payments)
shares is in ``wms.domain.reconciliation``'s docstring: a run per (kind, cycle, party),
one difference per (kind, cycle, party, type, match_key), states only through
``DIFFERENCE``, every change an event. Amounts are yuan in NUMERIC(12, 2).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.domain.reconciliation import DifferenceStatus, ReconcileKind
from wms.extensions import db
from wms.models.types import BigIntPK, UTCDateTime, utcnow

_BigFK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _one_of(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


class ReconciliationRun(db.Model):
    """One reading of a bill, record or statement for a cycle: what was read, by whom."""

    __tablename__ = "reconciliation_run"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    # a month 2026-11, an ISO week 2026-W48 or a day 2026-11-30
    cycle: so.Mapped[str] = so.mapped_column(sa.String(16))
    # the courier's code (courier bills, returns) or the platform's name (payments); '' for none
    party: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    courier_code: so.Mapped[str | None] = so.mapped_column(sa.String(16), default=None)
    platform: so.Mapped[str | None] = so.mapped_column(sa.String(32), default=None)
    file_name: so.Mapped[str | None] = so.mapped_column(sa.String(255), default=None)
    file_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64), default=None)
    rows_read: so.Mapped[int] = so.mapped_column(default=0)
    # counts per difference type found, and how many were new, kept, closed, reopened
    summary: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(_one_of("kind", ReconcileKind), name="kind"),
        sa.Index("ix_reconciliation_run_scope", "kind", "cycle", "party"),
    )


class ReconciliationDifference(db.Model):
    """A difference found by a run, to be explained, claimed or resolved by a person."""

    __tablename__ = "reconciliation_difference"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    cycle: so.Mapped[str] = so.mapped_column(sa.String(16))
    party: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    type: so.Mapped[str] = so.mapped_column(sa.String(32))
    # what the difference is matched by: a tracking number, an order number ...
    match_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    courier_code: so.Mapped[str | None] = so.mapped_column(sa.String(16), default=None)
    order_number: so.Mapped[str | None] = so.mapped_column(sa.String(64), default=None)
    # our weight / their weight / our fee / their fee / amounts / bill rows ... as found
    evidence: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    amount: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(12, 2), default=None)
    # open -> explained -> claimed -> resolved, only through DIFFERENCE
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=DifferenceStatus.OPEN.value)
    # resolved by a re-run that no longer found it (reopened if found again)
    auto_resolved: so.Mapped[bool] = so.mapped_column(default=False)
    note: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    first_run_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reconciliation_run.id"))
    last_run_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reconciliation_run.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    changed_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    changed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        sa.UniqueConstraint("kind", "cycle", "party", "type", "match_key"),
        sa.CheckConstraint(_one_of("kind", ReconcileKind), name="kind"),
        sa.CheckConstraint(_one_of("status", DifferenceStatus), name="status"),
        sa.Index("ix_reconciliation_difference_status", "status", "kind"),
        sa.Index("ix_reconciliation_difference_courier", "courier_code", "cycle"),
        # a day's report reads the differences changed since its end (their status then)
        sa.Index("ix_reconciliation_difference_changed_at", "changed_at"),
    )


class ReconciliationEvent(db.Model):
    """One change of a difference's status: from, to, why, by whom (none: a re-run)."""

    __tablename__ = "reconciliation_event"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    difference_id: so.Mapped[int] = so.mapped_column(_BigFK, sa.ForeignKey("reconciliation_difference.id"),
                                                     index=True)
    from_status: so.Mapped[str | None] = so.mapped_column(sa.String(16), default=None)
    to_status: so.Mapped[str] = so.mapped_column(sa.String(16))
    action: so.Mapped[str] = so.mapped_column(sa.String(16))
    note: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    run_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("reconciliation_run.id"), default=None)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class CourierBillMapping(db.Model):
    """A courier's own bill columns: field -> header name, replacing the preset."""

    __tablename__ = "courier_bill_mapping"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    courier_code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    columns: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    keys_on_order_number: so.Mapped[bool] = so.mapped_column(default=False)
    updated_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CourierRate(db.Model):
    """A courier's price to one destination province ('*': any other), see ``Rate``."""

    __tablename__ = "courier_rate"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    courier_code: so.Mapped[str] = so.mapped_column(sa.String(16))
    province: so.Mapped[str] = so.mapped_column(sa.String(32))
    first_weight_kg: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(8, 3))
    first_price: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(10, 2))
    additional_unit_kg: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(8, 3), default=Decimal(1))
    additional_price: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(10, 2))
    discount_percent: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(5, 2), default=Decimal(0))
    weight_step_kg: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(6, 3), default=Decimal(1))
    updated_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("courier_code", "province"),
        sa.CheckConstraint("first_weight_kg >= 0 AND first_price >= 0 AND additional_price >= 0",
                           name="not_negative"),
        sa.CheckConstraint("additional_unit_kg > 0 AND weight_step_kg >= 0", name="units_positive"),
        sa.CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_percent"),
    )
