"""Couriers (快递公司) as master data and the electronic waybills (电子面单) issued for orders.

A courier is named by its code (SF, ZTO, ...); the ship step accepts only an active
courier's code and a tracking number fitting the courier's pattern. Each courier names
the waybill provider that issues its numbers, with the provider's settings.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.extensions import db
from wms.models.types import BigIntPK, UTCDateTime, utcnow


class Courier(db.Model):
    """A courier the warehouse hands parcels to, and how its waybills are issued."""

    __tablename__ = "courier"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name_zh: so.Mapped[str] = so.mapped_column(sa.String(100))
    name_en: so.Mapped[str] = so.mapped_column(sa.String(100))
    # an anchored regular expression every tracking number of this courier matches
    tracking_pattern: so.Mapped[str] = so.mapped_column(sa.String(200))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    waybill_provider: so.Mapped[str] = so.mapped_column(sa.String(32), default="local")
    waybill_settings: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # the local provider's running number for this courier
    local_waybill_counter: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("local_waybill_counter >= 0", name="counter_not_negative"),
    )


class Waybill(db.Model):
    """The electronic waybill of one shipping order: issued once, reprinted as often as needed."""

    __tablename__ = "waybill"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"), unique=True)
    courier_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courier.id"))
    tracking_number: so.Mapped[str] = so.mapped_column(sa.String(64))
    provider: so.Mapped[str] = so.mapped_column(sa.String(32))
    provider_order_id: so.Mapped[str | None] = so.mapped_column(sa.String(100), default=None)
    # the courier's routing / sorting code printed on the label (大头笔), when it gives one
    sorting_code: so.Mapped[str | None] = so.mapped_column(sa.String(100), default=None)
    issued_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    courier: so.Mapped[Courier] = so.relationship()

    __table_args__ = (
        sa.UniqueConstraint("courier_id", "tracking_number"),
    )
