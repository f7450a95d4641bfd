"""The rules of stock movements, decided in Python from what the services read (no I/O).

Two rule lists, each rule written once and applied in one place:

- ``CHANGE_RULES``: what every line of every movement must be (a positive whole
  quantity, two different places in use, reservations only in physical places);
  ``wms.services.stock.prepare_movement`` applies them before anything is written;
- ``SCAN_RULES``: what a handheld's scanned move must be; ``plan_scan_move`` applies
  them in order to what the scan found (the free stock of the item at the source)
  and returns which stock it takes and the movement's kind.

S5 (never take more than is free) is not among them: the writer's guarded decrement
is its one place, deciding on what is there when the write runs, not on what was read.
A withdrawal dated into an earlier day (L2) must also have been covered on that day and
every day since (``backdated_withdrawal_keeps_every_day_whole``), so no day's closing goes
below zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from wms.domain.locations import LocationType, holds_stock, may_hold
from wms.domain.permissions import Permission, require
from wms.errors import InsufficientStock, InvalidMovement, LocationInactive, LotRequired, UnknownLot


@dataclass(frozen=True)
class Place:
    """The part of a location a movement needs: its id, type and whether it is in use."""

    id: int
    type: str
    code: str = ""
    active: bool = True

    @classmethod
    def of(cls, location) -> Place:
        """The place of a Location row."""
        return cls(location.id, location.type, location.code, location.active)


@dataclass(frozen=True)
class StockChange:
    """One line of a movement: ``quantity`` units of one lot go from one place to another."""

    item_id: int
    lot_id: int
    owner_id: int
    source: Place
    destination: Place
    quantity: int
    # Picking consumes a reservation made at allocation; other moves may not touch it.
    from_reserved: bool = False


# --- every line of every movement ----------------------------------------------------


def quantity_is_a_positive_whole_number(change: StockChange) -> None:
    """A line moves at least one unit of the base unit (L1: no empty or fractional entries)."""
    if not isinstance(change.quantity, int) or isinstance(change.quantity, bool) or change.quantity <= 0:
        raise InvalidMovement("Quantity must be a positive whole number.", quantity=change.quantity)


def places_differ(change: StockChange) -> None:
    """Stock moves from one place to another, never to where it is."""
    if change.source.id == change.destination.id:
        raise InvalidMovement("Source and destination are the same location.")


def places_are_in_use(change: StockChange) -> None:
    """A location taken out of use neither gives nor takes stock."""
    for place in (change.source, change.destination):
        if not place.active:
            raise LocationInactive(location=place.code or place.id)


def reservations_are_physical(change: StockChange) -> None:
    """Only stock on a shelf can have been reserved for an order."""
    if change.from_reserved and not holds_stock(change.source.type):
        raise InvalidMovement("Only stock in a physical location can be reserved.")


CHANGE_RULES: tuple[Callable[[StockChange], None], ...] = (
    quantity_is_a_positive_whole_number,
    places_differ,
    places_are_in_use,
    reservations_are_physical,
)


def check_change(change: StockChange) -> None:
    """Apply ``CHANGE_RULES`` to one line of a movement; raise the first refusal."""
    for rule in CHANGE_RULES:
        rule(change)


# --- a handheld's scanned move ---------------------------------------------------------


@dataclass(frozen=True)
class FreeStock:
    """Free stock of the scanned item at the source: one lot of one owner."""

    lot_id: int
    owner_id: int
    lot_code: str
    owner_code: str
    owner_kind: str
    free: int


@dataclass(frozen=True)
class ScannedMove:
    """What a scan names and what was found for it; the input of ``plan_scan_move``."""

    role: str
    item_code: str
    source: Place
    destination: Place
    quantity: int
    stock: tuple[FreeStock, ...]  # all free stock of the item at the source
    lot_code: str | None = None
    owner_code: str | None = None
    lot_known: bool = True  # whether the item has a lot with the scanned lot code


@dataclass(frozen=True)
class ScanPlan:
    """The stock a scanned move takes and the kind of movement it posts."""

    stock: FreeStock
    kind: str


ScanRule = Callable[[ScannedMove, tuple[FreeStock, ...]], tuple[FreeStock, ...]]


def caller_may_move_stock(scan: ScannedMove, stock: tuple[FreeStock, ...]) -> tuple[FreeStock, ...]:
    """Only roles allowed to move stock post a scanned move."""
    require(scan.role, Permission.STOCK_MOVE)
    return stock


def between_physical_places(scan: ScannedMove, stock: tuple[FreeStock, ...]) -> tuple[FreeStock, ...]:
    """A scan moves stock from shelf to shelf; receipts, shipments and adjustments have their own documents."""
    if not (holds_stock(scan.source.type) and holds_stock(scan.destination.type)):
        raise InvalidMovement("Scanned moves are between physical locations only.")
    return stock


def quarantine_released_by_a_supervisor(scan: ScannedMove, stock: tuple[FreeStock, ...]) -> tuple[FreeStock, ...]:
    """R4-R6: quarantined goods were rejected or are in doubt; releasing them is a supervisor's decision."""
    if scan.source.type == LocationType.QUARANTINE:
        require(scan.role, Permission.STOCK_ADJUST)
    return stock


def of_the_scanned_lot(scan: ScannedMove, stock: tuple[FreeStock, ...]) -> tuple[FreeStock, ...]:
    """A scanned lot code limits the move to that lot."""
    return stock if not scan.lot_code else tuple(s for s in stock if s.lot_code == scan.lot_code)


def of_the_scanned_owner(scan: ScannedMove, stock: tuple[FreeStock, ...]) -> tuple[FreeStock, ...]:
    """A scanned owner limits the move to that owner's stock: naming a consignor never moves own stock."""
    return stock if not scan.owner_code else tuple(s for s in stock if s.owner_code == scan.owner_code)


def something_is_free(scan: ScannedMove, stock: tuple[FreeStock, ...]) -> tuple[FreeStock, ...]:
    """Nothing matching is free at the source: an unknown lot code says so, else too little stock."""
    if not stock:
        if scan.lot_code and not scan.lot_known:
            raise UnknownLot(f"Item has no lot '{scan.lot_code}'.", lot=scan.lot_code)
        raise InsufficientStock(
            "Nothing of this item is free at the location.",
            item_code=scan.item_code, location=scan.source.code, requested=scan.quantity, available=0,
        )
    return stock


def one_lot_at_a_time(scan: ScannedMove, stock: tuple[FreeStock, ...]) -> tuple[FreeStock, ...]:
    """Several lots (or owners) of the item are there: the handheld must scan which (S1 keeps lots apart)."""
    if len(stock) > 1:
        raise LotRequired(lots=sorted(s.lot_code for s in stock))
    return stock


def owner_may_be_held_at_the_destination(scan: ScannedMove, stock: tuple[FreeStock, ...]) -> tuple[FreeStock, ...]:
    """R7: consignment stock is never mixed with own stock."""
    require_owner_may_be_held(stock[0].owner_kind, scan.destination, owner=stock[0].owner_code)
    return stock


def require_owner_may_be_held(owner_kind: str, place: Place, **details) -> None:
    """Rule R7: consignor stock stays in consignment locations, own stock out of them."""
    if not may_hold(owner_kind, place.type):
        raise InvalidMovement(
            "Consignor stock stays in consignment locations, own stock out of them (R7).",
            destination=place.code or place.id, **details,
        )


#: The scan's rules, in the order they are applied (the first refusal is the answer).
SCAN_RULES: tuple[ScanRule, ...] = (
    caller_may_move_stock,
    between_physical_places,
    quarantine_released_by_a_supervisor,
    of_the_scanned_lot,
    of_the_scanned_owner,
    something_is_free,
    one_lot_at_a_time,
    owner_may_be_held_at_the_destination,
)


def plan_scan_move(scan: ScannedMove) -> ScanPlan:
    """Which stock a scanned move takes, and the movement's kind; or why it is refused."""
    stock = scan.stock
    for rule in SCAN_RULES:
        stock = rule(scan, stock)
    kind = "putaway" if scan.source.type == LocationType.RECEIVING else "move"
    return ScanPlan(stock[0], kind)


def backdated_withdrawal_keeps_every_day_whole(day: date, withdrawn: int,
                                               daily_nets: Iterable[tuple[date, int]]) -> None:
    """L2 with S5: stock taken out dated into an earlier ``day`` must have been there then and
    on every day since. The stock key's balance at the end of ``day`` (its ledger's nets of
    the days up to it) and at the end of each later day must cover ``withdrawn``; else
    InsufficientStock naming the first day that would go negative."""
    nets = sorted(daily_nets)
    balance = sum(net for on, net in nets if on <= day)
    short_on = day if balance < withdrawn else None
    for on, net in nets:
        if short_on is not None:
            break
        if on > day:
            balance += net
            if balance < withdrawn:
                short_on = on
    if short_on is not None:
        raise InsufficientStock(f"Not enough stock on {short_on.isoformat()} to take {withdrawn} out "
                                f"dated {day.isoformat()}.", day=day.isoformat(),
                                short_on=short_on.isoformat(), requested=withdrawn)
