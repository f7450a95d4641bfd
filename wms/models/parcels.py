"""The parcel at the packing station: packaging types (their tare counts in the weight
check), supervisors' weight overrides, and handover manifests (交接单) per courier.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.domain.shipping import ManifestStatus
from wms.extensions import db
from wms.models.types import UTCDateTime, utcnow


class PackagingType(db.Model):
    """A box, bag or envelope the parcel is packed in; its tare is part of the expected weight."""

    __tablename__ = "packaging_type"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))  # in Chinese
    name_en: so.Mapped[str | None] = so.mapped_column(sa.String(100), default=None)
    tare_grams: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)

    __table_args__ = (sa.CheckConstraint("tare_grams >= 0", name="tare_not_negative"),)


class ParcelWeightOverride(db.Model):
    """A supervisor accepts the measured weight of one order's parcel: who, when and why."""

    __tablename__ = "parcel_weight_override"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("sales_order.id"), index=True)
    reason: so.Mapped[str] = so.mapped_column(sa.String(400))
    approved_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    approved_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class ShippingManifest(db.Model):
    """A handover manifest (交接单): the parcels one courier's driver takes at one pickup."""

    __tablename__ = "shipping_manifest"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    courier_code: so.Mapped[str] = so.mapped_column(sa.String(16))
    # open -> closed, only through MANIFEST (wms.domain.shipping)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=ManifestStatus.OPEN.value)
    created_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    driver_name: so.Mapped[str | None] = so.mapped_column(sa.String(100), default=None)
    driver_signature: so.Mapped[str | None] = so.mapped_column(sa.Text, default=None)  # base64 PNG
    shipper_signature: so.Mapped[str | None] = so.mapped_column(sa.Text, default=None)  # base64 PNG
    closed_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s.value}'" for s in ManifestStatus) + ")",
                           name="status"),
    )


class ShippingManifestParcel(db.Model):
    """A shipped parcel on a manifest; a parcel is on one manifest at most."""

    __tablename__ = "shipping_manifest_parcel"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    manifest_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("shipping_manifest.id"), index=True)
    handover_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("handover.id"), unique=True)
    added_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    added_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
