"""Shipping labels: the label's data (recipient masked once, by the domain's rules) and
printing it through a station's print queue.

An order with an electronic waybill prints the waybill layout (电子面单, 100x150 mm or the
courier's ``label_size`` setting ``100x180``): the courier's name, the sorting code, and
the warehouse's sender masked by the same rules as the recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from wms.domain.masking import mask_address, mask_name, mask_phone
from wms.domain.permissions import Permission, require_any
from wms.domain.printing import LabelKind
from wms.domain.shipping import DocumentType, grams_as_kg
from wms.errors import (
    OrderStateInvalid,
)
from wms.extensions import db
from wms.models import (
    Courier,
    Handover,
    SalesOrder,
    User,
    Warehouse,
    Waybill,
)
from wms.services.print_queue import PrintJobView
from wms.services.shipping_common import (
    find_order,
    handover_of,
)
from wms.services.stations import print_label


@dataclass(frozen=True)
class ParcelWeight:
    """A parcel's weight in whole grams and as kilograms with three decimals."""

    grams: int
    kg: str
    unit: str = "kg"


@dataclass(frozen=True)
class ShippingLabelData:
    """What the shipping label shows: carrier, tracking number, weight, masked recipient."""

    order_number: str
    carrier: str
    tracking_number: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    weight: ParcelWeight
    weight_source: str
    shipped_at: datetime


#: The waybill roll when the courier's settings name none.
DEFAULT_WAYBILL_SIZE = "100x150"


def label_data(order: SalesOrder, handover: Handover) -> dict[str, str]:
    """The shipping label's printed fields, the recipient masked by the domain's one rule;
    with the order's waybill, the waybill's fields too (the sender masked the same way)."""
    data = {
        "tracking": handover.tracking_number, "carrier": handover.carrier, "order": order.number,
        "recipient_name": mask_name(order.recipient_name), "recipient_phone": mask_phone(order.recipient_phone),
        "recipient_address": mask_address(order.recipient_address),
    }
    return data | waybill_data(order, handover.tracking_number)


def waybill_data(order: SalesOrder, tracking_number: str) -> dict[str, str]:
    """The waybill layout's fields when the order's waybill carries this tracking number, else none."""
    row = db.session.execute(
        sa.select(Waybill.sorting_code, Courier.name_zh, Courier.waybill_settings)
        .join(Courier, Courier.id == Waybill.courier_id)
        .where(Waybill.order_id == order.id, Waybill.tracking_number == tracking_number)
    ).first()
    if row is None:
        return {}
    sorting_code, courier_name, settings = row
    warehouse = db.session.get(Warehouse, order.warehouse_id)
    return {
        "waybill_size": (settings or {}).get("label_size") or DEFAULT_WAYBILL_SIZE,
        "courier_name": courier_name, "sorting_code": sorting_code or "",
        "sender_name": mask_name(warehouse.sender_name or warehouse.name),
        "sender_phone": mask_phone(warehouse.sender_phone), "sender_address": mask_address(warehouse.sender_address),
    }


def _shipped(number: str) -> tuple[SalesOrder, Handover]:
    order = find_order(number)
    handover = handover_of(order)
    if handover is None:
        raise OrderStateInvalid("The label is made at the ship step; this order has not shipped.",
                                number=number, stage=order.stage)
    return order, handover


def print_shipping_label(actor: User, number: str, station: str, copies: int = 1) -> PrintJobView:
    """Queue the parcel's label (masked recipient, tracking barcode) for a station's printer."""
    require_any(actor.role, Permission.SHIP, Permission.VERIFY)
    return print_label(actor, station, LabelKind.SHIPPING, label_data(*_shipped(number)), copies=copies,
                       document=(DocumentType.SALES_ORDER.value, number))


def shipping_label(actor: User, number: str) -> ShippingLabelData:
    """What the label printer needs, personal data masked: carrier, tracking, weight."""
    require_any(actor.role, Permission.SHIP, Permission.VERIFY)
    order, handover = _shipped(number)
    return ShippingLabelData(
        order_number=order.number, carrier=handover.carrier, tracking_number=handover.tracking_number,
        recipient_name=mask_name(order.recipient_name), recipient_phone=mask_phone(order.recipient_phone),
        recipient_address=mask_address(order.recipient_address),
        weight=ParcelWeight(handover.weight_grams, grams_as_kg(handover.weight_grams)),
        weight_source=handover.weight_source, shipped_at=handover.shipped_at,
    )
