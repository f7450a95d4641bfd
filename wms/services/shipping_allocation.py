"""FIFO allocation (S1): reserve free stock for an order's lines, oldest receipt first.

Reserving is a guarded UPDATE of ``stock_quant.reserved``
(``SET reserved = reserved + n WHERE id = :id AND quantity - reserved >= n``); when it
matches no row another allocator got there first, so the quant's free stock is read
again and the rest is taken from it or from the next lot. Concurrent allocators can
therefore never reserve a unit twice, on PostgreSQL (row locks, READ COMMITTED
re-check) or SQLite (one writer at a time). A shortage is reported line by line, never
hidden; what is available is reserved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from wms.domain.locations import AVAILABLE_TYPES
from wms.domain.permissions import Permission, require
from wms.domain.shipping import Candidate, OrderStatus, Stage, removal_order
from wms.errors import OrderStateInvalid
from wms.extensions import db
from wms.models import CycleCountTask, Item, Location, Lot, Owner, PickTask, SalesOrder, SalesOrderLine, User
from wms.models.stock import StockQuant
from wms.models.types import utcnow
from wms.services.shipping_common import find_order
from wms.services.uow import run_in_transaction

quants = StockQuant.__table__
_CHUNK = 500


@dataclass
class LineAllocation:
    """What one line got: requested, allocated in total, and the shortage (S1)."""

    line_no: int
    item_id: int
    sku: str
    requested: int
    allocated: int
    short: int


@dataclass
class AllocationReport:
    """The result of allocating an order; ``shortage`` > 0 means lines are short."""

    order_number: str
    lines: list[LineAllocation] = field(default_factory=list)
    tasks_created: int = 0

    @property
    def shortage(self) -> int:
        """Units that could not be reserved, over all lines."""
        return sum(line.short for line in self.lines)

    @property
    def fully_allocated(self) -> bool:
        """True when every line is reserved in full."""
        return self.shortage == 0


def allocate_order(actor: User, number: str) -> AllocationReport:
    """Reserve stock for every open quantity of the order, FIFO (or FEFO per item)."""
    require(actor.role, Permission.ALLOCATE)
    return run_in_transaction(lambda: _allocate_order(number))


def _allocate_order(number: str) -> AllocationReport:
    order = find_order(number, lock=True)  # one allocator per order at a time
    if order.status != OrderStatus.APPROVED:
        raise OrderStateInvalid(
            f"Only an approved document is allocated; this one is {order.status}.",
            status=order.status,
        )
    if order.stage != Stage.PENDING:
        raise OrderStateInvalid("Counting has finished; the allocation is fixed.", stage=order.stage)
    return allocate_lines(order, order.lines)


def allocate_lines(order: SalesOrder, lines: list[SalesOrderLine]) -> AllocationReport:
    """Reserve the missing quantity of ``lines``; creates one pick task per lot and bin."""
    report = AllocationReport(order.number)
    needed = [line for line in lines if line.quantity > line.allocated]
    item_ids = sorted({line.item_id for line in needed})
    skus, fefo = _item_flags(item_ids)
    candidates = _candidates(order, item_ids)
    free = {c.quant_id: c.free for cands in candidates.values() for c in cands}
    tasks: list[dict] = []
    now = utcnow()
    for line in needed:
        remaining = line.quantity - line.allocated
        for candidate in removal_order(candidates.get(line.item_id, []), fefo.get(line.item_id, False)):
            if remaining == 0:
                break
            taken = _reserve(candidate.quant_id, remaining, free)
            if taken:
                remaining -= taken
                tasks.append(dict(
                    order_id=order.id, line_id=line.id, quant_id=candidate.quant_id,
                    item_id=line.item_id, lot_id=candidate.lot_id, location_id=candidate.location_id,
                    owner_id=candidate.owner_id, quantity=taken, status="open", created_at=now,
                ))
        line.allocated = line.quantity - remaining
    for line in lines:
        report.lines.append(LineAllocation(
            line.line_no, line.item_id, skus.get(line.item_id, ""), line.quantity, line.allocated,
            line.quantity - line.allocated,
        ))
    if tasks:
        db.session.execute(sa.insert(PickTask), tasks)
    report.tasks_created = len(tasks)
    db.session.flush()
    return report


def _reserve(quant_id: int, wanted: int, free: dict[int, int]) -> int:
    """Reserve up to ``wanted`` units of one quant with a guarded UPDATE; returns how many."""
    available = free.get(quant_id, 0)
    while available > 0:
        take = min(available, wanted)
        result = db.session.execute(
            sa.update(quants)
            .where(quants.c.id == quant_id, quants.c.quantity - quants.c.reserved >= take)
            .values(reserved=quants.c.reserved + take)
        )
        if result.rowcount == 1:
            free[quant_id] = available - take
            return take
        # Someone reserved or moved part of it since we read it: read again, take less.
        available = db.session.execute(
            sa.select(quants.c.quantity - quants.c.reserved).where(quants.c.id == quant_id)
        ).scalar_one_or_none() or 0
    free[quant_id] = 0
    return 0


def _item_flags(item_ids: list[int]) -> tuple[dict[int, str], dict[int, bool]]:
    skus: dict[int, str] = {}
    fefo: dict[int, bool] = {}
    for start in range(0, len(item_ids), _CHUNK):
        rows = db.session.execute(
            sa.select(Item.id, Item.sku, Item.fefo, Item.expiry_tracked)
            .where(Item.id.in_(item_ids[start:start + _CHUNK]))
        ).all()
        for row in rows:
            skus[row.id] = row.sku
            fefo[row.id] = bool(row.fefo and row.expiry_tracked)
    return skus, fefo


def _candidates(order: SalesOrder, item_ids: list[int]) -> dict[int, list[Candidate]]:
    """Free stock the order may take: storage bins of its warehouse, its owner's stock."""
    by_item: dict[int, list[Candidate]] = {}
    under_count = (
        sa.select(CycleCountTask.id)
        .where(CycleCountTask.item_id == quants.c.item_id, CycleCountTask.location_id == quants.c.location_id,
               CycleCountTask.status == "open")
        .exists()
    )
    for start in range(0, len(item_ids), _CHUNK):
        stmt = (
            sa.select(quants.c.id, quants.c.item_id, quants.c.lot_id, quants.c.location_id,
                      quants.c.owner_id, (quants.c.quantity - quants.c.reserved).label("free"),
                      Lot.received_at, Lot.expiry_date, Location.path_order, Location.code)
            .join(Lot, Lot.id == quants.c.lot_id)
            .join(Location, Location.id == quants.c.location_id)
            .where(quants.c.item_id.in_(item_ids[start:start + _CHUNK]))
            .where(quants.c.quantity > quants.c.reserved)
            .where(Location.type.in_([t.value for t in AVAILABLE_TYPES]))
            .where(Location.active.is_(True), Location.warehouse_id == order.warehouse_id)
            .where(~under_count)  # a bin with a count difference waits for its cycle count
        )
        if order.owner_id is not None:
            stmt = stmt.where(quants.c.owner_id == order.owner_id)  # the named consignor's stock
        else:
            stmt = stmt.join(Owner, Owner.id == quants.c.owner_id).where(Owner.kind == "own")
        for row in db.session.execute(stmt):
            by_item.setdefault(row.item_id, []).append(Candidate(
                quant_id=row.id, lot_id=row.lot_id, location_id=row.location_id, owner_id=row.owner_id,
                received_at=row.received_at, expiry_date=row.expiry_date, path_order=row.path_order,
                location_code=row.code, free=row.free,
            ))
    return by_item
