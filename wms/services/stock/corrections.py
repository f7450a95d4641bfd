"""Corrections: a movement reversed, found or lost stock booked against lost-and-found (L1).

The ledger is never edited: a mistake is undone by appending the opposite entries, and
a difference the floor finds is an adjustment with a reason.
"""

from __future__ import annotations

import uuid
from datetime import date
from functools import partial

import sqlalchemy as sa

from wms.domain.locations import LocationType, holds_stock
from wms.domain.movements import (
    Place,
    StockChange,
    backdated_withdrawal_keeps_every_day_whole,
    require_owner_may_be_held,
)
from wms.domain.permissions import Permission, require
from wms.errors import AlreadyReversed, InvalidMovement, NotFound, UnknownLocation, UnknownLot
from wms.extensions import db
from wms.models import Location, Lot, MovementKind, Owner, StockQuant
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.stock.ledger import MovementResult, _append_and_apply, ledger, post_movement, virtual_location
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import warehouse_today


def reverse_movement(actor: User, movement_id: str, reason: str) -> MovementResult:
    """Cancel a movement by appending the opposite entries (L1: never edit, reverse).

    The reversing entries go into the warehouse's open day, also when the movement's day is
    closed (L2: corrections go into the next open day; the closed day's report is unchanged).
    """
    require(actor.role, Permission.LEDGER_REVERSE)
    if not reason or not reason.strip():
        raise InvalidMovement("A reversal needs a reason.")
    return run_in_transaction(partial(_reverse, actor, movement_id, reason.strip()))


def _reverse(actor: User, movement_id: str, reason: str) -> MovementResult:
    # Locked, so two supervisors reversing at once queue and the second is told it's done.
    originals = db.session.execute(
        sa.select(ledger).where(ledger.c.movement_id == movement_id).order_by(ledger.c.id).with_for_update()
    ).all()
    if not originals:
        raise NotFound(f"No movement {movement_id}.", movement_id=movement_id)
    if originals[0].kind == MovementKind.REVERSAL:
        raise InvalidMovement("A reversal cannot itself be reversed; post a new movement.")
    already = db.session.execute(
        sa.select(sa.func.count()).select_from(ledger)
        .where(ledger.c.reverses_entry_id.in_([o.id for o in originals]))
    ).scalar_one()
    if already:
        raise AlreadyReversed(movement_id=movement_id)
    location_types = dict(
        db.session.execute(
            sa.select(Location.id, Location.type).where(
                Location.id.in_({o.location_id for o in originals})
            )
        ).all()
    )
    now = utcnow()
    new_id = uuid.uuid4().hex
    entries = [
        dict(
            movement_id=new_id, kind=MovementKind.REVERSAL, item_id=o.item_id,
            lot_id=o.lot_id, location_id=o.location_id, owner_id=o.owner_id,
            quantity=-o.quantity, document_type=o.document_type,
            document_id=o.document_id, user_id=actor.id, created_at=now,
            reason=reason, reverses_entry_id=o.id, business_day=None,
        )
        for o in originals
    ]
    physical = {i for i, t in location_types.items() if holds_stock(t)}
    ids = _append_and_apply(entries, physical, {})
    return MovementResult(new_id, ids, now)


def adjust_stock(
    actor: User,
    *,
    item_id: int,
    lot_id: int,
    location_id: int,
    owner_id: int,
    quantity_change: int,
    reason: str,
    kind: str = MovementKind.ADJUSTMENT,
    business_day: date | None = None,
) -> MovementResult:
    """Book a found or lost quantity against lost-and-found; needs a reason (L1).

    ``business_day`` dates the correction into that warehouse day (L2): not a day still to
    come, and a closed day refuses it (``DayClosed``); by default it is the open day.
    """
    require(actor.role, Permission.STOCK_ADJUST)
    if kind not in (MovementKind.ADJUSTMENT, MovementKind.COUNT_DIFFERENCE):
        raise InvalidMovement("Adjustments are 'adjustment' or 'count_difference'.")
    if not reason or not reason.strip():
        raise InvalidMovement("An adjustment needs a reason.")
    if quantity_change == 0:
        raise InvalidMovement("An adjustment of zero changes nothing.")
    from wms.services.days import open_day  # days imports the stock services

    if business_day is not None and business_day > warehouse_today():
        # Only the open day may lie ahead of today (today already closed): it is the default.
        place = db.session.get(Location, location_id)
        if place is None or business_day > open_day(place.warehouse_id):
            raise InvalidMovement("A correction cannot be dated into a day still to come.",
                                  business_day=business_day.isoformat())
    return run_in_transaction(partial(
        _adjust, actor, item_id=item_id, lot_id=lot_id, location_id=location_id, owner_id=owner_id,
        quantity_change=quantity_change, reason=reason.strip(), kind=kind, business_day=business_day))


def _backdated_withdrawal_covered(item_id: int, lot_id: int, location_id: int, owner_id: int, day: date,
                                  withdrawn: int) -> None:
    """The stock key's ledger nets per day (index ``ix_ledger_entry_stock_key``), its quant row
    locked first so that two such withdrawals are judged one after the other."""
    db.session.execute(sa.select(StockQuant.id).where(
        StockQuant.item_id == item_id, StockQuant.lot_id == lot_id, StockQuant.location_id == location_id,
        StockQuant.owner_id == owner_id).with_for_update())
    nets = db.session.execute(
        sa.select(ledger.c.business_day, sa.func.sum(ledger.c.quantity))
        .where(ledger.c.item_id == item_id, ledger.c.lot_id == lot_id, ledger.c.location_id == location_id,
               ledger.c.owner_id == owner_id)
        .group_by(ledger.c.business_day)).all()
    backdated_withdrawal_keeps_every_day_whole(day, withdrawn, [(on, int(net)) for on, net in nets])


def _adjust(actor: User, *, item_id: int, lot_id: int, location_id: int, owner_id: int, quantity_change: int,
            reason: str, kind: str, business_day: date | None = None) -> MovementResult:
    location = db.session.get(Location, location_id)
    if location is None:
        raise UnknownLocation(location_id=location_id)
    if not location.holds_stock:
        raise InvalidMovement("Adjust a physical location, not a virtual one.")
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.item_id != item_id:
        raise UnknownLot(lot_id=lot_id)
    owner = db.session.get(Owner, owner_id)
    if owner is None:
        raise NotFound(f"No owner {owner_id}.", owner_id=owner_id)
    place = Place.of(location)
    require_owner_may_be_held(owner.kind, place, owner=owner.code)
    from wms.services.days import last_closed_day, open_day  # days imports the stock services

    if quantity_change < 0 and business_day is not None and business_day < open_day(location.warehouse_id):
        closed_until = last_closed_day(location.warehouse_id)
        if closed_until is None or business_day > closed_until:  # a closed day is refused as closed
            _backdated_withdrawal_covered(item_id, lot_id, location_id, owner_id, business_day, -quantity_change)
    lost_found = virtual_location(location.warehouse_id, LocationType.LOST_AND_FOUND)
    source, destination = (lost_found, place) if quantity_change > 0 else (place, lost_found)
    return post_movement(
        actor, kind,
        [StockChange(item_id, lot_id, owner_id, source, destination, abs(quantity_change))],
        document_type="adjustment", reason=reason, business_day=business_day,
    )
