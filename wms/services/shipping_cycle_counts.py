"""Cycle counts (R8): listed, started, counted blind, recounted, approved or rejected, closed.

A count is opened by a picker's count difference at the bin (S2 step 1), ordered by a
supervisor or planned at night (``wms.services.counts``). The counter starts the bin
(from then on the item is frozen there: no pick is confirmed and nothing allocated, so no
unit moves under the count), scans the bin and the item and enters what is physically
there (blind: never shown the book). The book it is compared with is the on-hand less the
units already picked for orders not yet shipped (they are in a tote, not in the bin).
Equal: done. Different: it is counted again, by someone else where possible; the
difference stands when the recount finds the same difference (``wms.domain.counts``). A
confirmed difference within the threshold posts itself as a ``count_difference``
adjustment; above it, it waits (``counted``) for the supervisor, who approves (posts) or
rejects it. Every step goes through ``CYCLE_COUNT``; docs/counts.md has the whole story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from wms.domain.counts import CountOrigin, Row, count_outcome, posts_itself, spread_difference
from wms.domain.locations import LocationType
from wms.domain.movements import Place, StockChange
from wms.domain.permissions import ROLE_PERMISSIONS, Permission, permissions_of, require, require_any
from wms.domain.shipping import (
    CYCLE_COUNT,
    CYCLE_COUNT_FREEZES_PICKING,
    CYCLE_COUNT_HOLDS_STOCK,
    CYCLE_COUNT_HOLDS_STOCK_AFTER_DIFFERENCE,
    CountReason,
    CycleCountAction,
    CycleCountStatus,
    OrderStatus,
    PickTaskStatus,
)
from wms.errors import (
    BinUnderCount,
    InvalidInput,
    InvalidMovement,
    NotFound,
    PickWrongItem,
    PickWrongLocation,
    RecountNeedsOtherCounter,
    UnknownBarcode,
)
from wms.extensions import db
from wms.models import (
    CountException,
    CycleCountRound,
    CycleCountTask,
    Item,
    LedgerEntry,
    Location,
    Lot,
    Owner,
    PickTask,
    SalesOrder,
    User,
)
from wms.models.stock import MovementKind, StockQuant
from wms.models.types import utcnow
from wms.services.stock import post_movement, resolve_item_id, virtual_location
from wms.services.uow import run_in_transaction

#: How a cycle count's reason names what the picker reported at the bin.
REPORTED = {CountReason.SHORT: "Count difference", CountReason.DAMAGED: "Damaged units"}


def difference_reason(reported: str, order_number: str, note: str | None, *, book: int | None = None,
                      counted: int | None = None) -> str:
    """Why a cycle count was opened, in the words of the count; without figures for a blind counter."""
    text = f"{REPORTED[CountReason(reported)]} on {order_number}"
    if book is not None:
        text += f": book {book}, counted {counted}"
    return (text + (f"; {note}" if note else ""))[:200]


# --- the freeze: what a count holds while it is under way -------------------------------------


def holds_stock_clause():
    """The cycle counts whose bin and item are not allocated from (``CYCLE_COUNT_HOLDS_STOCK``;
    from ``open`` on for one opened by a picker's count difference)."""
    return sa.or_(
        CycleCountTask.status.in_([s.value for s in CYCLE_COUNT_HOLDS_STOCK]),
        sa.and_(CycleCountTask.count_exception_id.is_not(None),
                CycleCountTask.status.in_([s.value for s in CYCLE_COUNT_HOLDS_STOCK_AFTER_DIFFERENCE])),
    )


def refuse_pick_under_count(location_id: int, item_id: int) -> None:
    """A pick at a bin whose item is being counted waits (R8, ``bin_under_count``).

    The on-hand rows of the item in the bin are locked first: a count started at the
    same moment (which locks them too) comes strictly before or after this pick.
    """
    _lock_rows(location_id, item_id)
    counting = db.session.execute(
        sa.select(CycleCountTask.id).where(
            CycleCountTask.location_id == location_id, CycleCountTask.item_id == item_id,
            CycleCountTask.status.in_([s.value for s in CYCLE_COUNT_FREEZES_PICKING])).limit(1)
    ).scalar_one_or_none()
    if counting is not None:
        code = db.session.execute(sa.select(Location.code).where(Location.id == location_id)).scalar_one()
        raise BinUnderCount(f"Bin {code} is being counted (cycle count {counting}); pick it after the count.",
                            location=code, cycle_count_id=counting)


def _lock_rows(location_id: int, item_id: int | None) -> list[StockQuant]:
    if item_id is None:
        return []
    return list(db.session.execute(
        sa.select(StockQuant).where(StockQuant.location_id == location_id, StockQuant.item_id == item_id)
        .order_by(StockQuant.id).with_for_update().execution_options(populate_existing=True)
    ).scalars())


# --- views -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleCountView:
    """A cycle count as a counter sees it (R8, blind): the bin and item, why, where it stands."""

    id: int
    location: str
    sku: str | None  # None: an empty bin, whatever is found there is counted
    item_name: str | None
    status: str
    reason: str
    created_at: datetime
    difference_found: bool | None  # None until counted
    counted_at: datetime | None
    origin: str = CountOrigin.DIFFERENCE.value


@dataclass(frozen=True)
class SupervisedCycleCountView(CycleCountView):
    """A cycle count as the supervisor sees it: also the book and counted quantities and the counter."""

    book_quantity: int | None = None
    counted_quantity: int | None = None
    counted_by: str | None = None
    difference: int | None = None  # the confirmed difference (counted, done or rejected)
    first_counted_by: str | None = None
    decided_by: str | None = None
    movement_id: str | None = None


def list_cycle_counts(actor: User, status: str = CycleCountStatus.OPEN, *, location: str | None = None
                      ) -> list[CycleCountView]:
    """Cycle-count tasks in a state (open by default; ``started`` and ``recount`` are being
    counted), optionally of one bin; the book only for a supervisor."""
    require_any(actor.role, Permission.STOCK_ADJUST, Permission.PICK)
    query = sa.select(CycleCountTask.id).where(CycleCountTask.status == CycleCountStatus(status).value)
    if location:
        query = query.join(Location, Location.id == CycleCountTask.location_id).where(Location.code == location)
    return views(actor, db.session.execute(query.order_by(CycleCountTask.id)).scalars().all())


def views(actor: User, ids: list[int]) -> list[CycleCountView]:
    """The cycle counts in the caller's view: blind unless the caller may adjust stock."""
    if not ids:
        return []
    counter, first, decider = (sa.orm.aliased(User) for _ in range(3))
    rows = db.session.execute(
        sa.select(CycleCountTask, Location.code, Item.sku, Item.name, CountException.reason,
                  CountException.note, SalesOrder.number, counter.username, first.username, decider.username)
        .join(Location, Location.id == CycleCountTask.location_id)
        .outerjoin(Item, Item.id == CycleCountTask.item_id)
        .outerjoin(CountException, CountException.id == CycleCountTask.count_exception_id)
        .outerjoin(SalesOrder, SalesOrder.id == CountException.order_id)
        .outerjoin(counter, counter.id == CycleCountTask.counted_by)
        .outerjoin(first, first.id == CycleCountTask.first_counted_by)
        .outerjoin(decider, decider.id == CycleCountTask.decided_by)
        .where(CycleCountTask.id.in_(ids)).order_by(CycleCountTask.id)
    ).all()
    supervised = Permission.STOCK_ADJUST in permissions_of(actor.role)
    found = []
    for task, code, sku, name, reported, note, order_number, counted_by, first_by, decided_by in rows:
        difference = None if task.counted_quantity is None else task.counted_quantity != task.book_quantity
        blind = dict(id=task.id, location=code, sku=sku, item_name=name, status=task.status,
                     reason=task.reason, created_at=task.created_at, difference_found=difference,
                     counted_at=task.counted_at, origin=task.origin)
        if supervised:
            found.append(SupervisedCycleCountView(
                **blind, book_quantity=task.book_quantity, counted_quantity=task.counted_quantity,
                counted_by=counted_by, difference=task.difference, first_counted_by=first_by,
                decided_by=decided_by, movement_id=task.movement_id))
        else:
            if reported is not None:  # the opening count's figures would tell the book
                blind["reason"] = difference_reason(reported, order_number, note)
            found.append(CycleCountView(**blind))
    return found


# --- start and count ---------------------------------------------------------------------------


def _locked_task(task_id: int) -> CycleCountTask:
    task = db.session.execute(
        sa.select(CycleCountTask).where(CycleCountTask.id == task_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if task is None:
        raise NotFound(f"No cycle count {task_id}.", task_id=task_id)
    return task


def _check_bin(task: CycleCountTask, location: str | None) -> None:
    bin_code = db.session.execute(sa.select(Location.code).where(Location.id == task.location_id)).scalar_one()
    if location is not None and location.strip() != bin_code:
        raise PickWrongLocation(expected=bin_code, scanned=location)


def start_cycle_count(actor: User, task_id: int, *, location: str | None = None) -> CycleCountView:
    """R8: the counter is at the bin (scanned it): from now until it is counted no pick of
    the item is confirmed there and nothing is allocated from it. Starting a count being
    counted again (another counter takes it over, the recount) changes nothing."""
    require_any(actor.role, Permission.PICK, Permission.STOCK_ADJUST)

    def use_case() -> CycleCountView:
        task = _locked_task(task_id)
        new_status = CYCLE_COUNT.next(task.status, CycleCountAction.START)
        _check_bin(task, location)
        _lock_rows(task.location_id, task.item_id)  # after any pick confirmed there, before the next
        if task.status != new_status.value or task.started_by is None:
            task.started_by, task.started_at = actor.id, utcnow()
        task.status = new_status.value
        db.session.flush()
        return views(actor, [task.id])[0]

    return run_in_transaction(use_case)


@dataclass(frozen=True)
class BlindCountResult:
    """What a counter is told after a blind count (R8): where it stands, never the book quantity."""

    id: int
    status: str
    difference_found: bool


@dataclass(frozen=True)
class BinFigures:
    """A bin's item at the count: on-hand, units picked but not shipped, the bin card."""

    on_hand: int
    in_totes: int
    bin_card: int

    @property
    def book(self) -> int:
        """What the bin should physically hold."""
        return self.on_hand - self.in_totes


def picked_not_shipped(location_id: int, item_id: int, *, quant_id: int | None = None) -> int:
    """Units taken from the bin into totes for orders not yet shipped: still on the books (the
    quant keeps them until the ship step deducts), no longer in the bin. Every count at a bin,
    the picker's (S2 step 1) and the counter's (R8), counts against the book less these;
    ``quant_id`` narrows it to one lot's quant."""
    where = [PickTask.location_id == location_id, PickTask.item_id == item_id,
             PickTask.status == PickTaskStatus.COUNTED.value,
             SalesOrder.status.not_in([OrderStatus.SHIPPED.value, OrderStatus.CANCELLED.value])]
    if quant_id is not None:
        where.append(PickTask.quant_id == quant_id)
    return int(db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(PickTask.quantity), 0))
        .join(SalesOrder, SalesOrder.id == PickTask.order_id).where(*where)
    ).scalar_one())


def bin_figures(location_id: int, item_id: int | None) -> BinFigures:
    """The item's figures in the bin now: on-hand (stock_quant), picked for orders not yet
    shipped (in a tote, still on the books), and the bin card (the ledger's sum there)."""
    if item_id is None:
        return BinFigures(0, 0, 0)
    on_hand = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(StockQuant.quantity), 0))
        .where(StockQuant.location_id == location_id, StockQuant.item_id == item_id)
    ).scalar_one()
    in_totes = picked_not_shipped(location_id, item_id)
    bin_card = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.quantity), 0))
        .where(LedgerEntry.location_id == location_id, LedgerEntry.item_id == item_id)
    ).scalar_one()
    return BinFigures(int(on_hand), int(in_totes), int(bin_card))


def _first_difference(task: CycleCountTask) -> int | None:
    """The difference a recount checks: the task's first count, or the picker's count
    that opened it (a count at the bin too)."""
    if task.first_difference is not None:
        return task.first_difference
    if task.count_exception_id is not None:
        exception = db.session.get(CountException, task.count_exception_id)
        return exception.counted_quantity - exception.book_quantity
    return None


def _other_counter_exists(user_id: int) -> bool:
    roles = _counting_roles()
    return db.session.execute(
        sa.select(User.id).where(User.id != user_id, User.active.is_(True), User.role.in_(roles)).limit(1)
    ).first() is not None


def _counting_roles() -> list[str]:
    return [role.value for role, granted in ROLE_PERMISSIONS.items()
            if Permission.PICK in granted or Permission.STOCK_ADJUST in granted]


def count_cycle_count(actor: User, task_id: int, *, location: str, item: str | None,
                      counted_quantity: int) -> BlindCountResult:
    """R8: count a bin blind: scan the bin and the item, enter what is physically there.

    The book (on-hand less units picked but not shipped) and the bin card are read at that
    moment and stored with the count, the counter and the time. Equal: done. Different: a
    recount (``recount``), made by another counter where one may; a recount with the same
    difference confirms it: within the threshold it posts itself (done), above it waits
    (``counted``) for the supervisor. An empty bin's count takes no item for 0, or the
    stray found and its quantity. A count of a task not being counted is ``illegal_transition``.
    """
    require_any(actor.role, Permission.PICK, Permission.STOCK_ADJUST)
    if not isinstance(counted_quantity, int) or isinstance(counted_quantity, bool) or counted_quantity < 0:
        raise InvalidInput("The counted quantity is a whole number, 0 or more.", field="counted_quantity")

    def use_case() -> BlindCountResult:
        task = _locked_task(task_id)
        _check_bin(task, location)
        scanned_item = None
        if item is not None and item.strip():
            try:
                scanned_item = resolve_item_id(item)
            except UnknownBarcode:
                raise PickWrongItem(scanned=item) from None
        if task.item_id is None:  # an empty bin: nothing there, or a stray found
            if scanned_item is None and counted_quantity:
                raise InvalidInput("Scan the item found in the bin.", field="item")
            task.item_id = scanned_item
        elif scanned_item != task.item_id:
            raise PickWrongItem(scanned=item or "")
        _lock_rows(task.location_id, task.item_id)
        figures = bin_figures(task.location_id, task.item_id)
        first = _first_difference(task)
        action = count_outcome(figures.book, counted_quantity, first)
        new_status = CYCLE_COUNT.next(task.status, action)
        recount = task.first_counted_by is not None
        if (recount and task.first_counted_by == actor.id and current_app.config["COUNT_RECOUNT_OTHER_PERSON"]
                and _other_counter_exists(actor.id)):
            raise RecountNeedsOtherCounter(task_id=task.id)
        now = utcnow()
        task.status = new_status.value
        task.book_quantity, task.counted_quantity = figures.book, counted_quantity
        task.on_hand_quantity, task.bin_card_quantity = figures.on_hand, figures.bin_card
        task.counted_by, task.counted_at = actor.id, now
        if task.started_by is None:
            task.started_by, task.started_at = actor.id, now
        if action is CycleCountAction.REPORT_DIFFERENCE:
            task.first_difference = counted_quantity - figures.book
            task.first_counted_by, task.first_counted_at = actor.id, now
        elif action is CycleCountAction.CONFIRM:
            task.difference = counted_quantity - figures.book
            config = current_app.config
            if posts_itself(task.difference, figures.book, units=config["COUNT_DIFFERENCE_APPROVAL_UNITS"],
                            percent=config["COUNT_DIFFERENCE_APPROVAL_PERCENT"]) \
                    and _postable(task):
                _post_difference(actor, task, decided_by=None)
        db.session.add(CycleCountRound(  # the count as it stands after this round, for the day's report
            task_id=task.id, counted_by=actor.id, counted_at=now, on_hand_quantity=figures.on_hand,
            book_quantity=figures.book, bin_card_quantity=figures.bin_card, counted_quantity=counted_quantity,
            status=task.status, movement_id=task.movement_id))
        db.session.flush()
        return BlindCountResult(task.id, task.status, counted_quantity != figures.book)

    return run_in_transaction(use_case)


# --- the difference: posted, approved, rejected --------------------------------------------------


def _rows(task: CycleCountTask) -> list[Row]:
    return [Row((q.item_id, q.lot_id, q.location_id, q.owner_id), q.quantity, q.reserved)
            for q in _lock_rows(task.location_id, task.item_id) if q.quantity > 0 or q.reserved > 0]


def _postable(task: CycleCountTask) -> bool:
    """Whether the difference can post without undoing an allocation (else it waits)."""
    if task.difference < 0:
        free = sum(r.quantity - r.reserved for r in _rows(task))
        return free >= -task.difference
    return True


def _stray_key(task: CycleCountTask) -> tuple:
    """Where units found in a bin that holds none of the item are booked: the lot and owner
    of the item's newest on-hand row in the warehouse (most likely put away to the wrong
    bin), else its newest lot and the company's own stock."""
    warehouse_id = db.session.execute(
        sa.select(Location.warehouse_id).where(Location.id == task.location_id)).scalar_one()
    row = db.session.execute(
        sa.select(StockQuant.lot_id, StockQuant.owner_id)
        .join(Location, Location.id == StockQuant.location_id).join(Lot, Lot.id == StockQuant.lot_id)
        .where(StockQuant.item_id == task.item_id, StockQuant.quantity > 0, Location.warehouse_id == warehouse_id)
        .order_by(Lot.received_at.desc(), StockQuant.id.desc()).limit(1)
    ).first()
    if row is None:
        lot_id = db.session.execute(
            sa.select(Lot.id).where(Lot.item_id == task.item_id).order_by(Lot.received_at.desc(), Lot.id.desc())
            .limit(1)).scalar_one_or_none()
        owner_id = db.session.execute(
            sa.select(Owner.id).where(Owner.kind == "own").order_by(Owner.id).limit(1)).scalar_one_or_none()
        if lot_id is None or owner_id is None:
            raise InvalidMovement("The item found has no lot to book it on; receive it instead.")
        row = (lot_id, owner_id)
    return (task.item_id, row[0], task.location_id, row[1])


def _post_difference(actor: User, task: CycleCountTask, *, decided_by: int | None) -> None:
    """Post the confirmed difference as a count_difference adjustment against lost-and-found
    and close the count (approve): the units found go to the row holding most, the missing
    come from the free units (``wms.domain.counts.spread_difference``)."""
    changes = spread_difference(_rows(task), task.difference) or [(_stray_key(task), task.difference)]
    location = db.session.get(Location, task.location_id)
    place = Place.of(location)
    lost_found = virtual_location(location.warehouse_id, LocationType.LOST_AND_FOUND)
    moves = []
    for (item_id, lot_id, _, owner_id), change in changes:
        source, destination = (lost_found, place) if change > 0 else (place, lost_found)
        moves.append(StockChange(item_id, lot_id, owner_id, source, destination, abs(change)))
    reason = (f"Cycle count {task.id} at {location.code}: book {task.book_quantity}, "
              f"counted {task.counted_quantity}")
    movement = post_movement(actor, MovementKind.COUNT_DIFFERENCE, moves, document_type="cycle_count",
                             document_id=str(task.id), reason=reason)
    task.status = CYCLE_COUNT.next(task.status, CycleCountAction.APPROVE).value
    task.movement_id = movement.movement_id
    task.decided_by, task.decided_at = decided_by, utcnow()


def approve_cycle_count(actor: User, task_id: int) -> CycleCountView:
    """R8: the supervisor approves a confirmed difference above the threshold: it posts as a
    count_difference adjustment and the count is done."""
    require(actor.role, Permission.STOCK_ADJUST)

    def use_case() -> CycleCountView:
        task = _locked_task(task_id)
        CYCLE_COUNT.check(task.status, CycleCountAction.APPROVE)
        if task.difference is None:  # counted before recounts: the counted figure against the book
            task.difference = task.counted_quantity - task.book_quantity
        _post_difference(actor, task, decided_by=actor.id)
        db.session.flush()
        return views(actor, [task.id])[0]

    return run_in_transaction(use_case)


def reject_cycle_count(actor: User, task_id: int) -> CycleCountView:
    """R8: the supervisor rejects a difference: nothing posts, the book stands, the count is
    closed (``rejected``); a new count can be ordered."""
    require(actor.role, Permission.STOCK_ADJUST)

    def use_case() -> CycleCountView:
        task = _locked_task(task_id)
        task.status = CYCLE_COUNT.next(task.status, CycleCountAction.REJECT).value
        task.decided_by, task.decided_at = actor.id, utcnow()
        db.session.flush()
        return views(actor, [task.id])[0]

    return run_in_transaction(use_case)


def complete_cycle_count(actor: User, task_id: int) -> CycleCountView:
    """Close a cycle count once the bin is counted and adjusted; its stock is allocatable again."""
    require(actor.role, Permission.STOCK_ADJUST)

    def use_case() -> CycleCountView:
        task = db.session.get(CycleCountTask, task_id)
        if task is None:
            raise NotFound(f"No cycle count {task_id}.", task_id=task_id)
        task.status = CYCLE_COUNT.next(task.status, CycleCountAction.COMPLETE).value
        task.decided_by, task.decided_at = actor.id, utcnow()
        db.session.flush()
        return views(actor, [task.id])[0]

    return run_in_transaction(use_case)
