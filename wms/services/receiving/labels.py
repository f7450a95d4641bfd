"""Lot labels (put-away): printed at a chosen station from the lot's own data.

The label's fields are read here, never sent by the handheld: the item's GTIN (as 14
digits), SKU and name, the lot code, its expiry and its receipt date. The job is queued
in the use case's transaction (``wms.services.stations.print_label``) and sent to the
printer after the commit (``wms.services.print_queue.deliver``), never inside it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from devices.errors import LabelError
from wms.domain.permissions import Permission, require_any
from wms.domain.printing import LabelKind
from wms.errors import LotRequired, UnknownLot
from wms.extensions import db
from wms.models import Item, ItemBarcode, Lot
from wms.models.users import User
from wms.services.print_queue import PrintJobView
from wms.services.stations import print_label
from wms.services.stock import resolve_item_id
from wms.services.warehouse_day import warehouse_zone


def find_lot(lot_code: str, item_code: str | None = None) -> Lot:
    """The lot a label names; the item too when several items have lots with that code."""
    stmt = sa.select(Lot).where(Lot.code == lot_code.strip())
    if item_code:
        stmt = stmt.where(Lot.item_id == resolve_item_id(item_code))
    lots = db.session.execute(stmt.order_by(Lot.id)).scalars().all()
    if not lots:
        raise UnknownLot(f"No lot {lot_code}.", lot=lot_code)
    if len(lots) > 1:
        raise LotRequired("Several items share this lot code; scan the item too.", lot=lot_code)
    return lots[0]


def lot_label_data(lot: Lot) -> dict[str, str]:
    """The lot label's printed fields, from the lot and its item (LabelError without GTIN or expiry)."""
    item = db.session.get(Item, lot.item_id)
    gtin = db.session.execute(
        sa.select(ItemBarcode.code).where(ItemBarcode.item_id == item.id, ItemBarcode.kind == "gtin")
        .order_by(ItemBarcode.id).limit(1)
    ).scalar_one_or_none()
    if gtin is None:
        raise LabelError(f"Item {item.sku} has no GTIN to print on a lot label.")
    if lot.expiry_date is None:
        raise LabelError(f"Lot {lot.code} has no expiry date to print on a lot label.")
    return {
        "gtin": gtin.rjust(14, "0"), "lot": lot.code, "expiry": lot.expiry_date.isoformat(),
        "description": f"{item.sku} {item.name}", "received": _local_day(lot.received_at),
    }


def _local_day(moment: datetime) -> str:
    return moment.astimezone(warehouse_zone()).date().isoformat()


def print_lot_label(actor: User, lot_code: str, station: str, copies: int = 1,
                    item_code: str | None = None) -> PrintJobView:
    """Queue a lot's label for a station's printer; it is sent after the commit."""
    require_any(actor.role, Permission.PUTAWAY, Permission.RECEIPT_RECEIVE, Permission.DEVICE_USE)
    lot = find_lot(lot_code, item_code)
    return print_label(actor, station, LabelKind.LOT, lot_label_data(lot), copies=copies,
                       document=("lot", lot.code))
