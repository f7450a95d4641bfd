"""Handover manifests (交接单): the shipped parcels one courier's driver takes at a pickup.

A manifest is opened for a courier (by code, master data), takes SHIPPED parcels of that
courier by tracking number while open, and is closed once, the driver and the shipper
signing for the whole batch (base64 PNG, as at receiving). Its states move only through
``MANIFEST`` (``wms.domain.shipping``). A parcel is on one manifest at most (a unique key
keeps it so). What the manifest shows, exports (CSV, XLSX) and prints carries the
recipient masked by the domain's one rule.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from wms.domain.couriers import normalise_code
from wms.domain.masking import mask_address, mask_name, mask_phone
from wms.domain.permissions import Permission, require
from wms.domain.printing import LabelKind
from wms.domain.receiving import check_signature
from wms.domain.shipping import MANIFEST, ManifestAction, ManifestStatus, grams_as_kg
from wms.errors import (
    InvalidInput,
    InvalidReference,
    ManifestNotFound,
    ManifestWrongCourier,
    ParcelAlreadyOnManifest,
    ParcelNotShipped,
)
from wms.extensions import db
from wms.models import Courier, Handover, SalesOrder, ShippingManifest, ShippingManifestParcel, User, Waybill
from wms.models.types import utcnow
from wms.services.print_queue import PrintJobView
from wms.services.shipping_common import next_number
from wms.services.spreadsheets import csv_cell, xlsx_append
from wms.services.stations import print_label
from wms.services.uow import run_in_transaction

#: The document type print jobs of a manifest name.
MANIFEST_DOCUMENT = "shipping_manifest"
EXPORT_COLUMNS = (
    ("tracking_number", "运单号 Tracking number"), ("order_number", "订单号 Order"),
    ("recipient_name", "收件人 Recipient"), ("recipient_phone", "电话 Phone"),
    ("recipient_address", "地址 Address"), ("weight_kg", "重量 kg"), ("shipped_at", "发货时间 Shipped at"),
)


@dataclass(frozen=True)
class ManifestParcelView:
    """A parcel on the manifest, its recipient masked."""

    tracking_number: str
    order_number: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    weight_grams: int
    shipped_at: datetime
    added_at: datetime


@dataclass
class ManifestView:
    """A manifest with its parcels (recipients masked), who opened and who closed it."""

    number: str
    courier: str
    status: str
    created_by: str
    created_at: datetime
    driver_name: str | None
    closed_by: str | None
    closed_at: datetime | None
    parcels: list[ManifestParcelView] = field(default_factory=list)

    @property
    def parcel_count(self) -> int:
        return len(self.parcels)

    @property
    def total_weight_grams(self) -> int:
        return sum(p.weight_grams for p in self.parcels)


def _find(number: str, *, lock: bool = False) -> ShippingManifest:
    stmt = sa.select(ShippingManifest).where(ShippingManifest.number == number)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    manifest = db.session.execute(stmt).scalar_one_or_none()
    if manifest is None:
        raise ManifestNotFound(f"No handover manifest '{number}'.", number=number)
    return manifest


def _username(user_id: int | None) -> str | None:
    return db.session.execute(sa.select(User.username).where(User.id == user_id)).scalar_one() if user_id else None


def _view(manifest: ShippingManifest) -> ManifestView:
    rows = db.session.execute(
        sa.select(Handover, SalesOrder, ShippingManifestParcel.added_at)
        .join(Handover, Handover.id == ShippingManifestParcel.handover_id)
        .join(SalesOrder, SalesOrder.id == Handover.order_id)
        .where(ShippingManifestParcel.manifest_id == manifest.id).order_by(ShippingManifestParcel.id)
    ).all()
    return ManifestView(
        manifest.number, manifest.courier_code, manifest.status, _username(manifest.created_by),
        manifest.created_at, manifest.driver_name, _username(manifest.closed_by), manifest.closed_at,
        [ManifestParcelView(h.tracking_number, o.number, mask_name(o.recipient_name), mask_phone(o.recipient_phone),
                            mask_address(o.recipient_address), h.weight_grams, h.shipped_at, added_at)
         for h, o, added_at in rows],
    )


def open_manifest(actor: User, courier: str) -> ManifestView:
    """Open a handover manifest (MF-000001) for an active courier's next pickup."""
    require(actor.role, Permission.SHIP)
    code = normalise_code(courier or "")  # "sf" is SF, as at the waybill and ship steps

    def use_case() -> ManifestView:
        known = db.session.execute(
            sa.select(Courier.code).where(Courier.code == code, Courier.active)
        ).scalar_one_or_none()
        if known is None:
            raise InvalidReference(f"No active courier '{code}'.", field="courier", value=code)
        manifest = ShippingManifest(number=next_number("manifest"), courier_code=known,
                                    status=ManifestStatus.OPEN.value, created_by=actor.id, created_at=utcnow())
        db.session.add(manifest)
        db.session.flush()
        return _view(manifest)

    return run_in_transaction(use_case)


def add_parcel(actor: User, number: str, tracking_number: str) -> ManifestView:
    """Put a shipped parcel of the manifest's courier on it, by its tracking number.

    Refused: the manifest is closed (``illegal_transition``), no shipped parcel has the
    number (``parcel_not_shipped``: unknown, or its order not shipped yet), the parcel
    went with another courier (``manifest_wrong_courier``), it is already on this or
    another manifest (``parcel_already_on_manifest``).
    """
    require(actor.role, Permission.SHIP)
    tracking = (tracking_number or "").strip()
    if not tracking:
        raise InvalidInput("Scan the parcel's tracking number.", field="tracking_number")

    def use_case() -> ManifestView:
        manifest = _find(number, lock=True)
        MANIFEST.check(manifest.status, ManifestAction.ADD_PARCEL)
        # The parcel's row lock: two shippers scanning it onto two manifests take turns, and
        # the second sees it on the first's (the unique key is the last guard).
        handovers = db.session.execute(
            sa.select(Handover).where(Handover.tracking_number == tracking).order_by(Handover.id)
            .with_for_update().execution_options(populate_existing=True)
        ).scalars().all()
        if not handovers:
            waybill = db.session.execute(
                sa.select(SalesOrder.number).join(Waybill, Waybill.order_id == SalesOrder.id)
                .where(Waybill.tracking_number == tracking).limit(1)
            ).scalar_one_or_none()
            raise ParcelNotShipped(f"No shipped parcel has the tracking number '{tracking}'.",
                                   tracking_number=tracking, order=waybill)
        handover = next((h for h in handovers if h.carrier == manifest.courier_code), None)
        if handover is None:
            raise ManifestWrongCourier(
                f"Parcel '{tracking}' went with {handovers[0].carrier}, not {manifest.courier_code}.",
                tracking_number=tracking, courier=handovers[0].carrier, manifest_courier=manifest.courier_code)
        on = db.session.execute(
            sa.select(ShippingManifest.number).join(
                ShippingManifestParcel, ShippingManifestParcel.manifest_id == ShippingManifest.id)
            .where(ShippingManifestParcel.handover_id == handover.id)
        ).scalar_one_or_none()
        if on is not None:
            raise ParcelAlreadyOnManifest(f"Parcel '{tracking}' is already on {on}.", tracking_number=tracking,
                                          manifest=on)
        db.session.add(ShippingManifestParcel(manifest_id=manifest.id, handover_id=handover.id,
                                              added_by=actor.id, added_at=utcnow()))
        manifest.status = MANIFEST.next(manifest.status, ManifestAction.ADD_PARCEL).value
        db.session.flush()
        return _view(manifest)

    return run_in_transaction(use_case)


def close_manifest(actor: User, number: str, *, driver_name: str, driver_signature: str,
                   shipper_signature: str) -> ManifestView:
    """The driver takes the batch: both sign once for every parcel on it; the manifest closes."""
    require(actor.role, Permission.SHIP)
    driver_name = (driver_name or "").strip()
    if not driver_name:
        raise InvalidInput("The driver's name is needed.", field="driver_name")
    limit = current_app.config.get("RECEIVING_SIGNATURE_MAX_BYTES", 64 * 1024)
    driver_signature = check_signature(driver_signature, "driver_signature", limit)
    shipper_signature = check_signature(shipper_signature, "shipper_signature", limit)

    def use_case() -> ManifestView:
        manifest = _find(number, lock=True)
        manifest.status = MANIFEST.next(manifest.status, ManifestAction.CLOSE).value
        if not db.session.execute(sa.select(ShippingManifestParcel.id)
                                  .where(ShippingManifestParcel.manifest_id == manifest.id).limit(1)).first():
            raise InvalidInput("A manifest without parcels is not signed.", field="parcels")
        manifest.driver_name, manifest.driver_signature = driver_name, driver_signature
        manifest.shipper_signature, manifest.closed_by, manifest.closed_at = shipper_signature, actor.id, utcnow()
        db.session.flush()
        return _view(manifest)

    return run_in_transaction(use_case)


def manifest_view(actor: User, number: str) -> ManifestView:
    """One manifest and its parcels, recipients masked."""
    require(actor.role, Permission.SHIP)
    return _view(_find(number))


def _kg(grams: int) -> Decimal:
    """Kilograms with three decimals, a number (a spreadsheet adds them up; CSV reads '1.250')."""
    return Decimal(grams_as_kg(grams))


def _rows(view: ManifestView) -> list[list]:
    return [[p.tracking_number, p.order_number, p.recipient_name, p.recipient_phone, p.recipient_address,
             _kg(p.weight_grams), p.shipped_at.isoformat()] for p in view.parcels]


def export_manifest(actor: User, number: str, fmt: str = "csv") -> tuple[bytes, str, str]:
    """The manifest as a file: (bytes, media type, file name); CSV is UTF-8 with BOM (Excel reads
    it as Unicode), XLSX one sheet. Personal data is masked."""
    view = manifest_view(actor, number)
    headers = [title for _, title in EXPORT_COLUMNS]
    summary = [f"交接单 {view.number}", view.courier, view.status, view.parcel_count,
               _kg(view.total_weight_grams), view.driver_name or "", ""]
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerows([[csv_cell(v) for v in row] for row in (summary, headers, *_rows(view))])
        return text.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", f"{view.number}.csv"
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = view.number
        for row in (summary, headers, *_rows(view)):
            xlsx_append(sheet, row)
        out = io.BytesIO()
        book.save(out)
        return (out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"{view.number}.xlsx")
    raise InvalidInput("Export as csv or xlsx.", field="format", value=fmt)


def print_manifest(actor: User, number: str, station: str) -> PrintJobView:
    """Queue the manifest's list (recipients masked) for a station's printer."""
    view = manifest_view(actor, number)
    data = {
        "number": view.number, "courier": view.courier, "driver_name": view.driver_name or "",
        "total_weight": f"{grams_as_kg(view.total_weight_grams)} kg",
        "parcels": [{"tracking": p.tracking_number, "order": p.order_number, "recipient": p.recipient_name,
                     "weight": f"{grams_as_kg(p.weight_grams)} kg"} for p in view.parcels],
    }
    return print_label(actor, station, LabelKind.MANIFEST, data, document=(MANIFEST_DOCUMENT, view.number))
