"""Queries of the stock: on-hand rows and ledger entries, filtered and paged."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.models import Item, LedgerEntry, Location, Lot, Owner
from wms.models.users import User
from wms.services.queries import paginate
from wms.services.stock.codes import resolve_item_id
from wms.services.stock.ledger import quants


@dataclass(frozen=True)
class StockRow:
    """One on-hand row as the stock list shows it: item, lot, place, owner and quantities."""

    item_id: int
    sku: str
    item_name: str
    lot_id: int
    lot_code: str
    received_at: datetime
    expiry_date: date | None
    location_id: int
    location_code: str
    owner_id: int
    owner_code: str
    quantity: int
    reserved: int
    available: int


_STOCK_COLUMNS = {
    "item_id": quants.c.item_id, "sku": Item.sku, "item_name": Item.name, "lot_id": quants.c.lot_id,
    "lot_code": Lot.code, "received_at": Lot.received_at, "expiry_date": Lot.expiry_date,
    "location_id": quants.c.location_id, "location_code": Location.code, "owner_id": quants.c.owner_id,
    "owner_code": Owner.code, "quantity": quants.c.quantity, "reserved": quants.c.reserved,
    "available": quants.c.quantity - quants.c.reserved,
}


def list_stock(actor: User, filters: dict, page: int, page_size: int) -> tuple[list[StockRow], int]:
    """On-hand rows with item, lot and location, filtered; empty rows left out by default."""
    require(actor.role, Permission.STOCK_READ)
    stmt = (
        sa.select(*(_STOCK_COLUMNS[f.name].label(f.name) for f in dataclasses.fields(StockRow)))
        .join(Item, Item.id == quants.c.item_id)
        .join(Lot, Lot.id == quants.c.lot_id)
        .join(Location, Location.id == quants.c.location_id)
        .join(Owner, Owner.id == quants.c.owner_id)
        .order_by(Item.sku, Lot.received_at, Location.path_order, Location.code)
    )
    if not filters.get("include_empty"):
        stmt = stmt.where(quants.c.quantity > 0)
    if filters.get("item"):
        stmt = stmt.where(quants.c.item_id == resolve_item_id(filters["item"]))
    if filters.get("location"):
        stmt = stmt.where(Location.code == filters["location"])
    if filters.get("lot"):
        stmt = stmt.where(Lot.code == filters["lot"])
    if filters.get("owner"):
        stmt = stmt.where(Owner.code == filters["owner"])
    for column in ("item_id", "lot_id", "location_id", "owner_id"):
        if filters.get(column) is not None:
            stmt = stmt.where(quants.c[column] == filters[column])
    rows, total = paginate(stmt, page, page_size, scalars=False)
    return [StockRow(*row) for row in rows], total


def list_ledger(actor: User, filters: dict, page: int, page_size: int):
    """Ledger entries, newest first, filtered by item, lot, location, document, user, time, business day."""
    require(actor.role, Permission.LEDGER_READ)
    stmt = sa.select(LedgerEntry).order_by(LedgerEntry.id.desc())
    exact = ("item_id", "lot_id", "location_id", "owner_id", "movement_id", "kind",
             "document_type", "document_id", "user_id", "business_day")
    for column in exact:
        if filters.get(column) is not None:
            stmt = stmt.where(getattr(LedgerEntry, column) == filters[column])
    if filters.get("since") is not None:
        stmt = stmt.where(LedgerEntry.created_at >= filters["since"])
    if filters.get("until") is not None:
        stmt = stmt.where(LedgerEntry.created_at < filters["until"])
    return paginate(stmt, page, page_size)

