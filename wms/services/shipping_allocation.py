"""FIFO allocation (S1): reserve free stock for an order's lines, oldest receipt first.

Reserving is a guarded UPDATE of ``stock_quant.reserved``
(``SET reserved = reserved + n WHERE id = :id AND quantity - reserved >= n``); when it
matches no row another allocator got there first, so the stock is read again and the
rest is taken from that lot or the next. Concurrent allocators can therefore never
reserve a unit twice, on PostgreSQL (row locks, READ COMMITTED re-check) or SQLite (one
writer at a time). A shortage is reported line by line, never hidden; what is
available is reserved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from wms.domain.locations import AVAILABLE_TYPES
from wms.domain.permissions import Permission, require
from wms.domain.shipping import Candidate, OrderStatus, PickTaskStatus, Stage, removal_order
from wms.errors import OrderStateInvalid
from wms.extensions import db
from wms.models import CycleCountTask, Item, Location, Lot, Owner, PickTask, SalesOrder, SalesOrderLine, User
from wms.models.stock import StockQuant
from wms.models.types import utcnow
from wms.services.shipping_common import find_order
from wms.services.shipping_cycle_counts import holds_stock_clause
from wms.services.shipping_waves import wave_after_allocation
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
    report = allocate_lines(order, order.lines)
    wave_after_allocation(order)  # new tasks for a picked wave's order reopen it
    return report


#: Rounds of re-reading stock after losing a race for some of it, before reporting short.
MAX_ROUNDS = 20


def allocate_lines(order: SalesOrder, lines: list[SalesOrderLine]) -> AllocationReport:
    """Reserve the missing quantity of ``lines``; creates one pick task per lot and bin.

    Each round reads the free stock the lines could take, plans the takes in removal
    order (``wms.domain.shipping``), and reserves them with guarded UPDATEs. A take
    that loses a race (the guard matches no row) is dropped and the next round reads
    the stock again; the rounds end when every line is full or the stock is truly gone.
    """
    report = AllocationReport(order.number)
    db.session.flush()  # the need per item is read from the lines in the database
    remaining = {line.id: line.quantity - line.allocated for line in lines}
    by_id = {line.id: line for line in lines}
    skus, fefo = _item_flags(sorted({line.item_id for line in lines}))
    reserved: dict[tuple[int, int], int] = defaultdict(int)  # (line id, quant id) -> units
    quant_of: dict[int, Candidate] = {}
    with db.session.no_autoflush:
        for _ in range(MAX_ROUNDS):
            short = [line for line in lines if remaining[line.id] > 0]
            if not short:
                break
            candidates = _candidates(order, sorted({line.item_id for line in short}), fefo)
            free = {c.quant_id: c.free for cands in candidates.values() for c in cands}
            plan: dict[tuple[int, int], int] = defaultdict(int)
            for line in short:
                need = remaining[line.id]
                for candidate in removal_order(candidates.get(line.item_id, []), fefo.get(line.item_id, False)):
                    if need == 0:
                        break
                    take = min(free[candidate.quant_id], need)
                    if take > 0:
                        free[candidate.quant_id] -= take
                        need -= take
                        plan[(line.id, candidate.quant_id)] += take
                        quant_of[candidate.quant_id] = candidate
            if not plan:
                break  # nothing free is left for the short lines: a real shortage
            per_quant: dict[int, int] = defaultdict(int)
            for (_, quant_id), take in plan.items():
                per_quant[quant_id] += take
            won = _reserve(per_quant)
            for (line_id, quant_id), take in plan.items():
                if quant_id in won:
                    reserved[(line_id, quant_id)] += take
                    remaining[line_id] -= take
            if len(won) == len(per_quant):
                continue  # no race lost; another round only if lines are still short
    now = utcnow()
    tasks = []
    for (line_id, quant_id), quantity in reserved.items():
        candidate, line = quant_of[quant_id], by_id[line_id]
        tasks.append(dict(
            order_id=order.id, line_id=line_id, quant_id=quant_id, item_id=line.item_id,
            lot_id=candidate.lot_id, location_id=candidate.location_id, owner_id=candidate.owner_id,
            quantity=quantity, status=PickTaskStatus.OPEN.value, created_at=now,
        ))
    for line in lines:
        line.allocated = line.quantity - remaining[line.id]
        report.lines.append(LineAllocation(
            line.line_no, line.item_id, skus.get(line.item_id, ""), line.quantity, line.allocated,
            remaining[line.id],
        ))
    if tasks:
        db.session.execute(sa.insert(PickTask), tasks)
    report.tasks_created = len(tasks)
    db.session.flush()
    return report


def _reserve(per_quant: dict[int, int]) -> set[int]:
    """Guarded reservation of each quant's units; returns the quants that had them free.

    ``reserved = reserved + n WHERE quantity - reserved >= n``: the database checks and
    changes the row in one step, so no two allocators can reserve the same unit.
    """
    ordered = sorted(per_quant.items())  # one lock order for every allocator
    if db.session.get_bind().dialect.name == "postgresql":
        won: set[int] = set()
        for start in range(0, len(ordered), 5000):
            won.update(_reserve_batch_postgres(ordered[start:start + 5000]))
        return won
    won = set()
    for quant_id, quantity in ordered:  # SQLite: in-process, one statement per row is cheap
        result = db.session.execute(
            sa.update(quants)
            .where(quants.c.id == quant_id, quants.c.quantity - quants.c.reserved >= quantity)
            .values(reserved=quants.c.reserved + quantity)
        )
        if result.rowcount == 1:
            won.add(quant_id)
    return won


#: One round trip per batch on PostgreSQL: the wanted rows are locked in id order (so two
#: allocators with overlapping lots queue instead of deadlocking), then each row's guard
#: is checked and its reservation raised; only rows that had the units free come back.
_RESERVE_BATCH = sa.text("""
    WITH wanted AS (
        SELECT * FROM unnest(CAST(:quant_ids AS bigint[]), CAST(:quantities AS integer[])) AS w(quant_id, n)
    ), locked AS (
        SELECT q.id FROM stock_quant AS q WHERE q.id IN (SELECT quant_id FROM wanted)
        ORDER BY q.id FOR UPDATE
    )
    UPDATE stock_quant AS q SET reserved = q.reserved + w.n
    FROM wanted AS w
    WHERE q.id = w.quant_id AND q.id IN (SELECT id FROM locked) AND q.quantity - q.reserved >= w.n
    RETURNING q.id
""")


def _reserve_batch_postgres(batch: list[tuple[int, int]]) -> set[int]:
    result = db.session.execute(
        _RESERVE_BATCH, {"quant_ids": [q for q, _ in batch], "quantities": [n for _, n in batch]}
    )
    return set(result.scalars())


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


def _candidates(order: SalesOrder, item_ids: list[int], fefo: dict[int, bool]) -> dict[int, list[Candidate]]:
    """Free stock the order may take: storage bins of its warehouse, its owner's stock.

    Only the head of each item's removal order is read: rows whose running total of free
    units, in the same order as ``removal_key``, has not yet covered the order's need for
    that item. The final order is still the domain's; the SQL only stops reading early.
    """
    by_item: dict[int, list[Candidate]] = {}
    need = (
        sa.select(SalesOrderLine.item_id, sa.func.sum(SalesOrderLine.quantity - SalesOrderLine.allocated)
                  .label("need"))
        .where(SalesOrderLine.order_id == order.id, SalesOrderLine.quantity > SalesOrderLine.allocated)
        .group_by(SalesOrderLine.item_id)
        .subquery()
    )
    free = quants.c.quantity - quants.c.reserved
    fefo_ids = [item_id for item_id in item_ids if fefo.get(item_id)]
    removal = [Lot.received_at, Lot.id, Location.path_order, Location.code, quants.c.id]
    if fefo_ids:
        is_fefo = quants.c.item_id.in_(fefo_ids)
        removal = [
            # FEFO items: earliest expiry first, undated last; FIFO items skip these two keys
            sa.case((sa.and_(is_fefo, Lot.expiry_date.is_(None)), 1), else_=0),
            sa.case((is_fefo, Lot.expiry_date), else_=None),
            *removal,
        ]
    for start in range(0, len(item_ids), _CHUNK):
        chunk = item_ids[start:start + _CHUNK]
        inner = (
            sa.select(quants.c.id, quants.c.item_id, quants.c.lot_id, quants.c.location_id,
                      quants.c.owner_id, free.label("free"), Lot.received_at, Lot.expiry_date,
                      Location.path_order, Location.code, need.c.need,
                      sa.func.sum(free).over(partition_by=quants.c.item_id, order_by=removal).label("running"))
            .join(need, need.c.item_id == quants.c.item_id)
            .join(Lot, Lot.id == quants.c.lot_id)
            .join(Location, Location.id == quants.c.location_id)
            .where(quants.c.item_id.in_(chunk))
            .where(quants.c.quantity > quants.c.reserved)
            .where(Location.type.in_([t.value for t in AVAILABLE_TYPES]))
            .where(Location.active.is_(True), Location.warehouse_id == order.warehouse_id)
        )
        under_count = _bins_under_count(chunk)
        if under_count:
            # a bin with a count difference waits for its cycle count (S2 step 1)
            inner = inner.where(~sa.tuple_(quants.c.item_id, quants.c.location_id).in_(under_count))
        if order.owner_id is not None:
            inner = inner.where(quants.c.owner_id == order.owner_id)  # the named consignor's stock
        else:
            inner = inner.join(Owner, Owner.id == quants.c.owner_id).where(Owner.kind == "own")
        head = inner.subquery()
        stmt = sa.select(head).where(head.c.running - head.c.free < head.c.need)
        for row in db.session.execute(stmt):
            by_item.setdefault(row.item_id, []).append(Candidate(
                quant_id=row.id, lot_id=row.lot_id, location_id=row.location_id, owner_id=row.owner_id,
                received_at=row.received_at, expiry_date=row.expiry_date, path_order=row.path_order,
                location_code=row.code, free=row.free,
            ))
    return by_item


def _bins_under_count(item_ids: list[int]) -> list[tuple[int, int]]:
    """(item, bin) pairs with a cycle count not done: few at any time, usually none."""
    return [tuple(row) for row in db.session.execute(
        sa.select(CycleCountTask.item_id, CycleCountTask.location_id)
        .where(holds_stock_clause(), CycleCountTask.item_id.in_(item_ids))
    )]
