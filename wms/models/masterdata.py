"""Master data: warehouse, locations, items and their barcodes, partners, owners."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.domain.locations import LocationType, holds_stock
from wms.extensions import db
from wms.models.types import UTCDateTime, utcnow


class Warehouse(db.Model):
    """One physical warehouse; locations belong to it."""

    __tablename__ = "warehouse"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # The parcel's weight check: the tare when no packaging is named, and the tolerance
    # (a percentage of the expected weight, never less than the minimum).
    default_tare_grams: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    weight_tolerance_percent: so.Mapped[Decimal] = so.mapped_column(
        sa.Numeric(5, 2), default=Decimal(5), server_default="5")
    weight_tolerance_min_grams: so.Mapped[int] = so.mapped_column(default=50, server_default="50")
    # The sender printed on waybills (masked like the recipient).
    sender_name: so.Mapped[str | None] = so.mapped_column(sa.String(100), default=None)
    sender_phone: so.Mapped[str | None] = so.mapped_column(sa.String(40), default=None)
    sender_address: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)


class Location(db.Model):
    """A place stock can be: a bin, a dock, quarantine, or a virtual end of a move."""

    __tablename__ = "location"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouse.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)  # what the label encodes
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    type: so.Mapped[str] = so.mapped_column(sa.String(20))
    # Walking order of bins; pick lists are sorted by it.
    path_order: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    __table_args__ = (
        sa.CheckConstraint(
            "type IN (" + ", ".join(f"'{t.value}'" for t in LocationType) + ")", name="type"
        ),
    )

    @property
    def holds_stock(self) -> bool:
        """True when the location has a physical balance (never negative, rule S5)."""
        return holds_stock(self.type)


class Item(db.Model):
    """A stock-keeping unit, counted in integers of its base unit."""

    __tablename__ = "item"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sku: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    base_unit: so.Mapped[str] = so.mapped_column(sa.String(16), default="pcs")
    lot_tracked: so.Mapped[bool] = so.mapped_column(default=False)
    expiry_tracked: so.Mapped[bool] = so.mapped_column(default=False)
    # FEFO (first expired, first out) instead of FIFO, only where expiry is tracked.
    fefo: so.Mapped[bool] = so.mapped_column(default=False)
    weight_grams: so.Mapped[int | None] = so.mapped_column(default=None)
    # The weight check's tolerance per unit of this item, instead of the warehouse's percentage.
    weight_tolerance_grams: so.Mapped[int | None] = so.mapped_column(default=None)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    barcodes: so.Mapped[list[ItemBarcode]] = so.relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemBarcode.id"
    )

    __table_args__ = (sa.CheckConstraint("NOT fefo OR expiry_tracked", name="fefo_needs_expiry"),)


class ItemBarcode(db.Model):
    """A code that identifies an item when scanned: a GTIN or an internal barcode."""

    __tablename__ = "item_barcode"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default="internal")  # gtin | internal

    item: so.Mapped[Item] = so.relationship(back_populates="barcodes")


class Supplier(db.Model):
    """A vendor that delivers goods against purchase orders."""

    __tablename__ = "supplier"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    contact: so.Mapped[str | None] = so.mapped_column(sa.String(200), default=None)
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(40), default=None)
    active: so.Mapped[bool] = so.mapped_column(default=True)


class Customer(db.Model):
    """A buyer (shop customer or B2B) that orders are shipped to."""

    __tablename__ = "customer"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(40), default=None)
    address: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    active: so.Mapped[bool] = so.mapped_column(default=True)


class Owner(db.Model):
    """Who owns stock: the warehouse's own company or a consignor (rule R7)."""

    __tablename__ = "owner"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default="own")  # own | consignor

    __table_args__ = (sa.CheckConstraint("kind IN ('own', 'consignor')", name="kind"),)
