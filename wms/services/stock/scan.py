"""A handheld's scanned move: read what the scan names, let the domain decide, write once.

``move_by_scan`` is the call a warehouse makes most (put-away, replenishment). It runs
the same code on SQLite and PostgreSQL, in three steps inside one transaction:

1. **read**: one query (``SCAN_LOOKUP``) finds the item by barcode, both places and
   all free stock of the item at the source; a SKU or an unknown code is resolved
   step by step instead;
2. **decide**: ``wms.domain.movements.plan_scan_move`` applies the scan's rules
   (``SCAN_RULES``) and names the stock to take and the movement's kind;
3. **write**: ``post_movement``, one guarded statement on PostgreSQL (S5, L1).

The call's Idempotency-Key is claimed and its response recorded by the unit of work
around these steps (``wms.services.uow.run_in_transaction``).
"""

from __future__ import annotations

from functools import partial

import sqlalchemy as sa
import sqlalchemy.orm

from wms.domain.movements import FreeStock, Place, ScannedMove, StockChange, plan_scan_move
from wms.extensions import db
from wms.models import ItemBarcode, Location, Lot, Owner
from wms.models.users import User
from wms.services.stock.codes import resolve_item_id, resolve_places
from wms.services.stock.ledger import MovementResult, post_movement, quants
from wms.services.uow import run_in_transaction

_source = sa.orm.aliased(Location, name="source")
_destination = sa.orm.aliased(Location, name="destination")
_FREE = (quants.c.lot_id, quants.c.owner_id, Lot.code.label("lot_code"), Owner.code.label("owner_code"),
         Owner.kind.label("owner_kind"), (quants.c.quantity - quants.c.reserved).label("free"))


_known_lot = sa.orm.aliased(Lot, name="known_lot")


def _lot_known(item_id) -> sa.Exists:
    return sa.exists().where(_known_lot.item_id == item_id, _known_lot.code == sa.bindparam("scanned_lot"))


#: Built once: one round trip for what a scan names, the item, both places and the free
#: stock of the item there (one row per lot and owner; one row with no stock if none).
SCAN_LOOKUP = (
    sa.select(
        ItemBarcode.item_id,
        _source.id.label("source_id"), _source.type.label("source_type"), _source.active.label("source_active"),
        _destination.id.label("destination_id"), _destination.type.label("destination_type"),
        _destination.active.label("destination_active"),
        _lot_known(ItemBarcode.item_id).label("lot_known"),
        *_FREE,
    )
    .select_from(ItemBarcode)
    .join(_source, _source.code == sa.bindparam("source_code"))
    .join(_destination, _destination.code == sa.bindparam("destination_code"))
    .outerjoin(quants, sa.and_(quants.c.item_id == ItemBarcode.item_id, quants.c.location_id == _source.id,
                               quants.c.quantity - quants.c.reserved > 0))
    .outerjoin(Lot, Lot.id == quants.c.lot_id)
    .outerjoin(Owner, Owner.id == quants.c.owner_id)
    .where(ItemBarcode.code == sa.bindparam("code"))
)
_FREE_STOCK = (
    sa.select(*_FREE)
    .join(Lot, Lot.id == quants.c.lot_id)
    .join(Owner, Owner.id == quants.c.owner_id)
    .where(quants.c.item_id == sa.bindparam("item_id"), quants.c.location_id == sa.bindparam("location_id"))
    .where(quants.c.quantity - quants.c.reserved > 0)
)
_LOT_KNOWN = sa.select(_lot_known(sa.bindparam("item_id")))


def move_by_scan(
    actor: User,
    *,
    item_code: str,
    from_location: str,
    to_location: str,
    quantity: int,
    lot_code: str | None = None,
    owner_code: str | None = None,
) -> MovementResult:
    """Move stock between two places as scanned on a handheld (put-away, replenishment)."""
    return run_in_transaction(partial(
        _move_by_scan, actor, item_code.strip(), from_location, to_location, quantity, lot_code, owner_code))


def _move_by_scan(actor: User, item_code: str, from_location: str, to_location: str, quantity: int,
                  lot_code: str | None, owner_code: str | None) -> MovementResult:
    item_id, source, destination, stock, lot_known = _read_scan(item_code, from_location, to_location, lot_code)
    plan = plan_scan_move(ScannedMove(
        actor.role, item_code, source, destination, quantity, stock,
        lot_code=lot_code, owner_code=owner_code, lot_known=lot_known,
    ))
    return post_movement(
        actor, plan.kind,
        [StockChange(item_id, plan.stock.lot_id, plan.stock.owner_id, source, destination, quantity)],
        document_type="scan", document_id=None,
    )


def _read_scan(item_code: str, from_location: str, to_location: str, lot_code: str | None):
    """The item, both places, the free stock of the item at the source, whether the scanned lot exists."""
    connection = db.session.connection()  # Core statements on the hot path: no ORM layer
    rows = connection.execute(SCAN_LOOKUP, {
        "code": item_code, "source_code": from_location, "destination_code": to_location, "scanned_lot": lot_code,
    }).all()
    if rows:
        first = rows[0]
        source = Place(first.source_id, first.source_type, from_location, first.source_active)
        destination = Place(first.destination_id, first.destination_type, to_location, first.destination_active)
        stock = tuple(_free(r) for r in rows if r.lot_id is not None)
        return first.item_id, source, destination, stock, bool(first.lot_known)
    # A SKU instead of a barcode, or something unknown: resolved step by step (typed 404s).
    item_id = resolve_item_id(item_code)
    source, destination = resolve_places(from_location, to_location)
    stock = tuple(_free(r) for r in connection.execute(_FREE_STOCK, {"item_id": item_id, "location_id": source.id}))
    lot_known = bool(connection.execute(_LOT_KNOWN, {"item_id": item_id, "scanned_lot": lot_code}).scalar())
    return item_id, source, destination, stock, lot_known


def _free(row) -> FreeStock:
    return FreeStock(row.lot_id, row.owner_id, row.lot_code, row.owner_code, row.owner_kind, row.free)
