"""Cycle counts opened by count differences at the bin (S2 step 1): counted blind, listed, closed.

A bin with a cycle count not done is not allocated from. The counter scans the bin and
the item and enters what is physically there (R8, blind: the counter is never shown the
book quantity); the book quantity at that moment is stored beside it. Equal: the count
is done and the stock allocatable again. Different: it waits, counted, for the
supervisor's adjustment and completion. Every step goes through ``CYCLE_COUNT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from wms.domain.permissions import Permission, permissions_of, require, require_any
from wms.domain.shipping import (
    CYCLE_COUNT,
    CountReason,
    CycleCountAction,
    CycleCountStatus,
    cycle_count_action,
)
from wms.errors import (
    InvalidInput,
    NotFound,
    PickWrongItem,
    PickWrongLocation,
    UnknownBarcode,
)
from wms.extensions import db
from wms.models import (
    CountException,
    CycleCountTask,
    Item,
    Location,
    SalesOrder,
    User,
)
from wms.models.stock import StockQuant
from wms.models.types import utcnow
from wms.services.stock import resolve_item_id
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


@dataclass(frozen=True)
class CycleCountView:
    """A cycle count as a counter sees it (R8, blind): the bin and item, why, where it stands."""

    id: int
    location: str
    sku: str
    item_name: str
    status: str
    reason: str
    created_at: datetime
    difference_found: bool | None  # None until counted
    counted_at: datetime | None


@dataclass(frozen=True)
class SupervisedCycleCountView(CycleCountView):
    """A cycle count as the supervisor sees it: also the book and counted quantities and the counter."""

    book_quantity: int | None = None
    counted_quantity: int | None = None
    counted_by: str | None = None


def list_cycle_counts(actor: User, status: str = CycleCountStatus.OPEN) -> list[CycleCountView]:
    """Cycle-count tasks opened by count differences (S2 step 1); the book only for a supervisor."""
    require_any(actor.role, Permission.STOCK_ADJUST, Permission.PICK)
    ids = db.session.execute(
        sa.select(CycleCountTask.id).where(CycleCountTask.status == CycleCountStatus(status).value)
        .order_by(CycleCountTask.id)
    ).scalars().all()
    return _views(actor, ids)


def _views(actor: User, ids: list[int]) -> list[CycleCountView]:
    """The cycle counts in the caller's view: blind unless the caller may adjust stock."""
    if not ids:
        return []
    counter = sa.orm.aliased(User)
    rows = db.session.execute(
        sa.select(CycleCountTask, Location.code, Item.sku, Item.name, CountException.reason,
                  CountException.note, SalesOrder.number, counter.username)
        .join(Location, Location.id == CycleCountTask.location_id)
        .join(Item, Item.id == CycleCountTask.item_id)
        .outerjoin(CountException, CountException.id == CycleCountTask.count_exception_id)
        .outerjoin(SalesOrder, SalesOrder.id == CountException.order_id)
        .outerjoin(counter, counter.id == CycleCountTask.counted_by)
        .where(CycleCountTask.id.in_(ids)).order_by(CycleCountTask.id)
    ).all()
    supervised = Permission.STOCK_ADJUST in permissions_of(actor.role)
    views = []
    for task, code, sku, name, reported, note, order_number, counted_by in rows:
        difference = None if task.counted_quantity is None else task.counted_quantity != task.book_quantity
        blind = dict(id=task.id, location=code, sku=sku, item_name=name, status=task.status,
                     reason=task.reason, created_at=task.created_at, difference_found=difference,
                     counted_at=task.counted_at)
        if supervised:
            views.append(SupervisedCycleCountView(**blind, book_quantity=task.book_quantity,
                                                  counted_quantity=task.counted_quantity, counted_by=counted_by))
        else:
            if reported is not None:  # the opening count's figures would tell the book
                blind["reason"] = difference_reason(reported, order_number, note)
            views.append(CycleCountView(**blind))
    return views


@dataclass(frozen=True)
class BlindCountResult:
    """What a counter is told after a blind count (R8): where it stands, never the book quantity."""

    id: int
    status: str
    difference_found: bool


def count_cycle_count(actor: User, task_id: int, *, location: str, item: str,
                      counted_quantity: int) -> BlindCountResult:
    """R8: count a bin blind: scan the bin and the item, enter what is physically there.

    The book quantity of the item in the bin (every lot and owner) is read at that moment
    and stored with the count, the counter and the time. Equal: the count is done and the
    bin's stock allocatable again; different: it waits, counted, for the supervisor. A
    second count of a counted or done task is ``illegal_transition``.
    """
    require_any(actor.role, Permission.PICK, Permission.STOCK_ADJUST)
    if not isinstance(counted_quantity, int) or isinstance(counted_quantity, bool) or counted_quantity < 0:
        raise InvalidInput("The counted quantity is a whole number, 0 or more.", field="counted_quantity")

    def use_case() -> BlindCountResult:
        task = db.session.execute(
            sa.select(CycleCountTask).where(CycleCountTask.id == task_id).with_for_update()
        ).scalar_one_or_none()
        if task is None:
            raise NotFound(f"No cycle count {task_id}.", task_id=task_id)
        book = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(StockQuant.quantity), 0))
            .where(StockQuant.location_id == task.location_id, StockQuant.item_id == task.item_id)
        ).scalar_one()
        new_status = CYCLE_COUNT.next(task.status, cycle_count_action(int(book), counted_quantity))
        bin_code = db.session.execute(sa.select(Location.code).where(Location.id == task.location_id)).scalar_one()
        if location.strip() != bin_code:
            raise PickWrongLocation(expected=bin_code, scanned=location)
        try:
            scanned_item = resolve_item_id(item)
        except UnknownBarcode:
            raise PickWrongItem(scanned=item) from None
        if scanned_item != task.item_id:
            raise PickWrongItem(scanned=item)
        task.status = new_status.value
        task.book_quantity, task.counted_quantity = int(book), counted_quantity
        task.counted_by, task.counted_at = actor.id, utcnow()
        db.session.flush()
        return BlindCountResult(task.id, task.status, counted_quantity != int(book))

    return run_in_transaction(use_case)


def complete_cycle_count(actor: User, task_id: int) -> CycleCountView:
    """Close a cycle count once the bin is counted and adjusted; its stock is allocatable again."""
    require(actor.role, Permission.STOCK_ADJUST)

    def use_case() -> CycleCountView:
        task = db.session.get(CycleCountTask, task_id)
        if task is None:
            raise NotFound(f"No cycle count {task_id}.", task_id=task_id)
        task.status = CYCLE_COUNT.next(task.status, CycleCountAction.COMPLETE).value
        db.session.flush()
        return _views(actor, [task.id])[0]

    return run_in_transaction(use_case)
