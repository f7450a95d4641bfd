"""Put-away: a received lot moved from receiving to a bin, as scanned (label, then bin).

The bin is suggested by ``wms.domain.putaway.choose_bin`` from a shortlist read here:
the nearest bin already holding the item for the same owner, and the emptiest bins,
nearest first. R7 keeps a consignor's stock in consignment locations and own stock out
of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from wms.domain.locations import LocationType
from wms.domain.permissions import Permission, require
from wms.domain.putaway import BinCandidate, choose_bin
from wms.domain.receiving import storage_location_type
from wms.errors import InvalidInput, LotRequired, NothingToPutAway, UnknownLocation
from wms.extensions import db
from wms.models import Item, Location, Lot, MovementKind, Owner, StockQuant
from wms.models.users import User
from wms.services.stock import MovementResult, Place, StockChange, post_movement, resolve_item_id
from wms.services.uow import run_in_transaction

quants = StockQuant.__table__


@dataclass(frozen=True)
class BinSuggestion:
    """Where to put a lot waiting in receiving, and why that bin; with the item and owner to show."""

    lot: str
    quantity: int
    from_location: str
    bin: str
    reason: str
    reason_code: str
    item_id: int
    sku: str
    item_name: str
    owner_code: str
    owner_name: str
    owner_kind: str


def _waiting_in_receiving(lot_code: str, item_code: str | None):
    stmt = (
        sa.select(quants.c.item_id, quants.c.lot_id, quants.c.owner_id, quants.c.location_id,
                  (quants.c.quantity - quants.c.reserved).label("free"), Location.code.label("location_code"),
                  Location.warehouse_id, Owner.kind.label("owner_kind"), Owner.code.label("owner_code"),
                  Owner.name.label("owner_name"), Item.sku, Item.name.label("item_name"))
        .join(Lot, Lot.id == quants.c.lot_id)
        .join(Item, Item.id == quants.c.item_id)
        .join(Location, Location.id == quants.c.location_id)
        .join(Owner, Owner.id == quants.c.owner_id)
        .where(Lot.code == lot_code.strip(), Location.type == LocationType.RECEIVING.value,
               quants.c.quantity - quants.c.reserved > 0)
        .order_by(quants.c.quantity.desc())
    )
    if item_code:
        stmt = stmt.where(quants.c.item_id == resolve_item_id(item_code))
    rows = db.session.execute(stmt).all()
    if not rows:
        raise NothingToPutAway(f"Nothing of lot {lot_code} waits in receiving.", lot=lot_code)
    if len({r.item_id for r in rows}) > 1:
        raise LotRequired("Several items share this lot code; scan the item too.", lot=lot_code)
    return rows[0]


def suggest_bin(actor: User, lot_code: str, item_code: str | None = None) -> BinSuggestion:
    """A bin for a lot in receiving: one already holding the item, else the emptiest nearest."""
    require(actor.role, Permission.PUTAWAY)
    waiting = _waiting_in_receiving(lot_code, item_code)
    bin_type = storage_location_type(waiting.owner_kind)
    choice = choose_bin(_candidates(waiting, bin_type))
    if choice is None:
        raise UnknownLocation(f"The warehouse has no {bin_type.value} bin.")
    return BinSuggestion(lot=lot_code, quantity=waiting.free, from_location=waiting.location_code,
                         bin=choice.bin, reason=choice.reason,
                         reason_code=choice.reason_code.value, item_id=waiting.item_id, sku=waiting.sku,
                         item_name=waiting.item_name, owner_code=waiting.owner_code,
                         owner_name=waiting.owner_name, owner_kind=waiting.owner_kind)


def _candidates(waiting, bin_type: LocationType) -> list[BinCandidate]:
    """The shortlist: the nearest bin holding the item for this owner, and the emptiest, nearest first."""
    bins = sa.select(Location.id, Location.code, Location.path_order).where(
        Location.warehouse_id == waiting.warehouse_id, Location.type == bin_type.value, Location.active)
    load = (sa.select(quants.c.location_id, sa.func.sum(quants.c.quantity).label("units"))
            .group_by(quants.c.location_id).subquery())
    units = sa.func.coalesce(load.c.units, 0)
    holding = db.session.execute(
        bins.add_columns(units.label("units")).outerjoin(load, load.c.location_id == Location.id)
        .join(quants, quants.c.location_id == Location.id)
        .where(quants.c.item_id == waiting.item_id, quants.c.owner_id == waiting.owner_id,
               quants.c.quantity > 0)
        .order_by(Location.path_order, Location.code).limit(1)
    ).all()
    emptiest = db.session.execute(
        bins.add_columns(units.label("units")).outerjoin(load, load.c.location_id == Location.id)
        .order_by(units, Location.path_order, Location.code).limit(1)
    ).all()
    held = {row.id for row in holding}
    return [BinCandidate(row.code, row.path_order, int(row.units), row.id in held) for row in [*holding, *emptiest]]


def put_away(actor: User, *, lot_code: str, bin_code: str, item_code: str | None = None,
             quantity: int | None = None) -> MovementResult:
    """Move a received lot from receiving to a bin, as scanned (label, then bin)."""
    require(actor.role, Permission.PUTAWAY)

    def use_case() -> MovementResult:
        waiting = _waiting_in_receiving(lot_code, item_code)
        target = db.session.execute(sa.select(Location).where(Location.code == bin_code.strip())).scalar()
        if target is None:
            raise UnknownLocation(f"No location has the code '{bin_code}'.", code=bin_code)
        wanted = storage_location_type(waiting.owner_kind)
        if target.type != wanted.value:
            # R7: consignment stock only in consignment locations, own stock never there.
            raise InvalidInput(f"Put this lot away to a {wanted.value} location.", bin=bin_code)
        amount = waiting.free if quantity is None else quantity
        source = Place.of(db.session.get(Location, waiting.location_id))
        return post_movement(
            actor, MovementKind.PUTAWAY,
            [StockChange(waiting.item_id, waiting.lot_id, waiting.owner_id, source, Place.of(target),
                         amount)],
            document_type="putaway", document_id=lot_code.strip(),
        )

    return run_in_transaction(use_case)
