"""Outbound documents: sales/shipping orders, pick tasks, waves, the four steps (S2),
hold and release notices (S4), exchange notices (S6), count exceptions.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.domain.shipping import (
    CountReason,
    CycleCountStatus,
    ExchangeStatus,
    HandoverMode,
    HoldScope,
    OrderKind,
    OrderStatus,
    PickTaskStatus,
    Stage,
    Step,
    WaveStatus,
    WeightSource,
)
from wms.extensions import db
from wms.models.types import BigIntPK, UTCDateTime, utcnow


def _one_of(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value if hasattr(v, 'value') else v}'" for v in values) + ")"


class SalesOrder(db.Model):
    """A shipping document (发货单): a shop order or an exchange, with its recipient."""

    __tablename__ = "sales_order"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default=OrderKind.SALE.value)
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouse.id"))
    customer_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("customer.id"), default=None, index=True
    )
    # A named consignor ships its own stock (R7); otherwise only own stock is allocated.
    owner_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("owner.id"), default=None)
    exchange_notice_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("exchange_notice.id", use_alter=True), default=None
    )
    recipient_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    recipient_phone: so.Mapped[str | None] = so.mapped_column(sa.String(40), default=None)
    recipient_address: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=OrderStatus.DRAFT.value, index=True)
    stage: so.Mapped[str] = so.mapped_column(sa.String(16), default=Stage.PENDING.value)
    wave_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("wave.id"), default=None, index=True)
    created_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    approved_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    approved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    cancelled_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    cancel_reason: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)

    lines: so.Mapped[list[SalesOrderLine]] = so.relationship(
        back_populates="order", order_by="SalesOrderLine.line_no", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(_one_of("status", OrderStatus), name="status"),
        sa.CheckConstraint(_one_of("stage", Stage), name="stage"),
        sa.CheckConstraint(_one_of("kind", OrderKind), name="kind"),
        # rule S6: an exchange always names its notice
        sa.CheckConstraint(
            "kind <> 'exchange' OR exchange_notice_id IS NOT NULL", name="exchange_has_notice"
        ),
    )


class SalesOrderLine(db.Model):
    """One item and quantity of a shipping document."""

    __tablename__ = "sales_order_line"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"), index=True)
    line_no: so.Mapped[int]
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    quantity: so.Mapped[int]
    allocated: so.Mapped[int] = so.mapped_column(default=0)

    order: so.Mapped[SalesOrder] = so.relationship(back_populates="lines")

    __table_args__ = (
        sa.UniqueConstraint("order_id", "line_no"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("allocated >= 0 AND allocated <= quantity", name="allocated_within_quantity"),
    )


class PickTask(db.Model):
    """A reservation of one lot in one bin for one line (S1): what the picker is sent for.

    The reserved units stay in ``stock_quant.reserved`` until the ship step moves them
    out with ``from_reserved``; cancelling the task gives them back.
    """

    __tablename__ = "pick_task"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"))
    line_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order_line.id"), index=True)
    quant_id: so.Mapped[int] = so.mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                                sa.ForeignKey("stock_quant.id"))
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    lot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lot.id"))
    location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("location.id"))
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("owner.id"))
    quantity: so.Mapped[int]
    # open -> counted, or exception (count difference); cancelled with the order
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=PickTaskStatus.OPEN.value)
    counted_quantity: so.Mapped[int | None] = so.mapped_column(default=None)
    counted_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    counted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(_one_of("status", PickTaskStatus), name="status"),
        # "is any task of this order still open?" after every count
        sa.Index("ix_pick_task_order_status", "order_id", "status"),
    )


class Wave(db.Model):
    """Orders picked together on one walk through the bins."""

    __tablename__ = "wave"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouse.id"))
    picker_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    # released -> picking -> picked, or cancelled: only through WAVE (wms.domain.shipping)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=WaveStatus.RELEASED.value,
                                              server_default=WaveStatus.RELEASED.value)
    created_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(_one_of("status", WaveStatus), name="status"),
        # a picker's open waves (the PDA's first screen)
        sa.Index("ix_wave_picker_status", "picker_id", "status"),
    )


class ShippingStep(db.Model):
    """Who did which of the four steps (S2) of a shipment, and when; one row per step."""

    __tablename__ = "shipping_step"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"))
    step: so.Mapped[str] = so.mapped_column(sa.String(16))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    detail: so.Mapped[str | None] = so.mapped_column(sa.String(200), default=None)

    __table_args__ = (
        sa.UniqueConstraint("order_id", "step"),  # rule S2: each step happens once
        sa.CheckConstraint(_one_of("step", Step), name="step"),
    )


class VerifyScan(db.Model):
    """One scan at the verify step (S2 step 2): item, lot and quantity against the document."""

    __tablename__ = "verify_scan"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"), index=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    lot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lot.id"))
    quantity: so.Mapped[int]
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)


class Handover(db.Model):
    """Step 3 (S2): the parcel handed to a carrier or collector, both sides signing."""

    __tablename__ = "handover"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"), unique=True)
    carrier: so.Mapped[str] = so.mapped_column(sa.String(64))
    tracking_number: so.Mapped[str] = so.mapped_column(sa.String(64))
    weight_grams: so.Mapped[int]
    weight_source: so.Mapped[str] = so.mapped_column(sa.String(8))
    shipper_signature: so.Mapped[str] = so.mapped_column(sa.String(200))
    # Empty for a parcel put on a handover manifest: its driver signs the manifest instead.
    carrier_signature: so.Mapped[str] = so.mapped_column(sa.String(200))
    handover_mode: so.Mapped[str] = so.mapped_column(sa.String(16), default=HandoverMode.IN_PERSON.value,
                                                     server_default=HandoverMode.IN_PERSON.value)
    shipped_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    shipped_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    movement_id: so.Mapped[str | None] = so.mapped_column(sa.String(32), default=None)
    # The weight check (wms.domain.parcel_weight.check_parcel_weight): the packaging, what the
    # parcel should weigh and within what, the outcome, and a supervisor's override.
    packaging_code: so.Mapped[str | None] = so.mapped_column(sa.String(32), default=None)
    expected_weight_grams: so.Mapped[int | None] = so.mapped_column(default=None)
    weight_tolerance_grams: so.Mapped[int | None] = so.mapped_column(default=None)
    weight_check: so.Mapped[str | None] = so.mapped_column(sa.String(16), default=None)
    weight_override_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("parcel_weight_override.id"), default=None)

    __table_args__ = (
        sa.UniqueConstraint("carrier", "tracking_number"),
        sa.CheckConstraint("weight_grams > 0", name="weight_positive"),
        sa.CheckConstraint(_one_of("weight_source", WeightSource), name="weight_source"),
        sa.CheckConstraint(_one_of("handover_mode", HandoverMode), name="handover_mode"),
    )


class CountException(db.Model):
    """Step 1 (S2): the bin did not hold what the books say; shipping short is refused."""

    __tablename__ = "count_exception"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"), index=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                               sa.ForeignKey("pick_task.id"))
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    lot_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lot.id"))
    location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("location.id"))
    book_quantity: so.Mapped[int]
    counted_quantity: so.Mapped[int]
    resolution: so.Mapped[str] = so.mapped_column(sa.String(16))  # reallocated | held
    # What the picker reported: short (missing) or damaged units, and their own words.
    reason: so.Mapped[str] = so.mapped_column(sa.String(16), default=CountReason.SHORT.value,
                                              server_default=CountReason.SHORT.value)
    note: so.Mapped[str | None] = so.mapped_column(sa.String(200), default=None)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("reason IN (" + ", ".join(f"'{r.value}'" for r in CountReason) + ")", name="reason"),
    )


class CycleCountTask(db.Model):
    """A request to count one item in one bin (R8, docs/counts.md); ``item_id`` is None for
    an empty bin until the counter finds a stray there."""

    __tablename__ = "cycle_count_task"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("location.id"))
    item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("item.id"), default=None)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=CycleCountStatus.OPEN.value)
    reason: so.Mapped[str] = so.mapped_column(sa.String(200))
    count_exception_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("count_exception.id"), default=None
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # R8 blind count: what the counter found, the book quantity at that moment, who and when.
    counted_quantity: so.Mapped[int | None] = so.mapped_column(default=None)
    book_quantity: so.Mapped[int | None] = so.mapped_column(default=None)
    counted_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    counted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    # Why it exists (wms.domain.counts.CountOrigin) and who ordered it (None: the night plan).
    origin: so.Mapped[str] = so.mapped_column(sa.String(16), default="difference", server_default="difference")
    created_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    # The counter at the bin: from here the item is frozen there for picking.
    started_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    # At the count: the on-hand (stock_quant) and the bin card (the ledger's sum) of the
    # item in the bin; book_quantity is what the bin should hold (on-hand less units
    # picked for orders not yet shipped).
    on_hand_quantity: so.Mapped[int | None] = so.mapped_column(default=None)
    bin_card_quantity: so.Mapped[int | None] = so.mapped_column(default=None)
    # The count a recount checks: its difference from the book, who and when.
    first_difference: so.Mapped[int | None] = so.mapped_column(default=None)
    first_counted_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    first_counted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    # The confirmed difference, its adjustment, and who approved or rejected it (None: posted
    # by itself within the threshold).
    difference: so.Mapped[int | None] = so.mapped_column(default=None)
    movement_id: so.Mapped[str | None] = so.mapped_column(sa.String(32), default=None)
    decided_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        sa.Index("ix_cycle_count_task_open", "item_id", "location_id", "status"),
        sa.Index("ix_cycle_count_task_location", "location_id", "created_at"),
        sa.Index("ix_cycle_count_task_counted_at", "counted_at"),
    )


class CycleCountRound(db.Model):
    """One count of a cycle count (R8): the figures at that moment and where it left the
    count. A count recounted or decided on a later day keeps each day's rounds, so a day's
    report shows the count as it stood at that day's end."""

    __tablename__ = "cycle_count_round"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cycle_count_task.id"))
    counted_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    counted_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # as stored on the task by that count: on-hand, book (on-hand less in totes), bin card, counted
    on_hand_quantity: so.Mapped[int] = so.mapped_column()
    book_quantity: so.Mapped[int] = so.mapped_column()
    bin_card_quantity: so.Mapped[int] = so.mapped_column()
    counted_quantity: so.Mapped[int] = so.mapped_column()
    # the count's status once this round was taken (done when it posted itself)
    status: so.Mapped[str] = so.mapped_column(sa.String(16))
    movement_id: so.Mapped[str | None] = so.mapped_column(sa.String(32), default=None)

    __table_args__ = (
        sa.Index("ix_cycle_count_round_counted_at", "counted_at"),
        sa.Index("ix_cycle_count_round_task", "task_id", "id"),
    )


class HoldNotice(db.Model):
    """A hold notice (暂缓出货通知, S4): from its recording, nothing in scope ships."""

    __tablename__ = "hold_notice"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    scope: so.Mapped[str] = so.mapped_column(sa.String(16))
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("sales_order.id"), default=None)
    customer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("customer.id"), default=None)
    item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("item.id"), default=None)
    reason: so.Mapped[str] = so.mapped_column(sa.String(400))
    issued_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    active: so.Mapped[bool] = so.mapped_column(default=True, index=True)
    released_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        sa.CheckConstraint(_one_of("scope", HoldScope), name="scope"),
        sa.CheckConstraint(
            "(scope = 'order' AND order_id IS NOT NULL) OR (scope = 'customer' AND customer_id IS NOT NULL)"
            " OR (scope = 'item' AND item_id IS NOT NULL) OR scope = 'all'",
            name="scope_target",
        ),
    )


class ReleaseNotice(db.Model):
    """A release notice: lifts exactly the hold it references, once confirmed (S4)."""

    __tablename__ = "release_notice"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    hold_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("hold_notice.id"), index=True)
    reason: so.Mapped[str] = so.mapped_column(sa.String(400))
    issued_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    confirmed_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)


class ShippingCounter(db.Model):
    """Running numbers of shipping documents (HOLD-000001, REL-..., EXN-..., W-...).

    The ``hold`` row is also the common row of rule S4's race: issuing a hold bumps it
    (an exclusive row lock), shipping reads it ``FOR SHARE``. A hold therefore waits for
    shipments already past their check, and a shipment that starts after the hold waits
    for it to commit and then sees it.
    """

    __tablename__ = "shipping_counter"
    name: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    value: so.Mapped[int] = so.mapped_column(default=0)


class ExchangeNotice(db.Model):
    """A system-issued exchange notice (S6): replacement goods for a shipped order."""

    __tablename__ = "exchange_notice"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    original_order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"))
    reason: so.Mapped[str] = so.mapped_column(sa.String(400))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=ExchangeStatus.ISSUED.value)
    issued_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint(_one_of("status", ExchangeStatus), name="status"),)
