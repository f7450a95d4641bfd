"""Cycle counts ordered and planned, and the difference report (R8).

A supervisor orders a count of a bin, an item or a zone (``create_counts``); the night
job plans counts by rule (``plan_counts``, run by ``wms counts plan``): the rules are
``wms.domain.counts``, this module loads what they need and writes the tasks. Counting,
recounting, approving and rejecting are ``wms.services.shipping_cycle_counts``.
``count_differences`` is the report of a day: per count the book (on-hand), the bin card
(the ledger's sum there), the physical count and the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app

from wms.domain.counts import Bin, CountOrigin, CountScope, PlanSettings, abc_classes, expand_scope, status_at_day_end
from wms.domain.counts import plan_counts as plan
from wms.domain.locations import AVAILABLE_TYPES
from wms.domain.permissions import Permission, require, require_any
from wms.domain.shipping import CYCLE_COUNT_ACTIVE, CycleCountStatus
from wms.errors import InvalidInput, UnknownLocation
from wms.extensions import db
from wms.models import CycleCountRound, CycleCountTask, Item, LedgerEntry, Location, StockQuant, User, Warehouse
from wms.models.stock import MovementKind
from wms.services.shipping_cycle_counts import CycleCountView, views
from wms.services.shipping_documents import resolve_warehouse
from wms.services.stock import resolve_item_id
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import day_bounds, warehouse_today, warehouse_zone

#: Movements that count towards an item's ABC class: stock that moved for work done.
ABC_MOVEMENTS = (MovementKind.RECEIPT, MovementKind.PUTAWAY, MovementKind.MOVE, MovementKind.PICK,
                 MovementKind.SHIP, MovementKind.RETURN)


def _bins(warehouse_id: int) -> list[Bin]:
    return [Bin(r.id, r.code, r.path_order) for r in db.session.execute(
        sa.select(Location.id, Location.code, Location.path_order)
        .where(Location.warehouse_id == warehouse_id, Location.active.is_(True),
               Location.type.in_([t.value for t in AVAILABLE_TYPES]))
    )]


def _stocked(warehouse_id: int) -> set[tuple[int, int]]:
    return {tuple(r) for r in db.session.execute(
        sa.select(StockQuant.location_id, StockQuant.item_id).distinct()
        .join(Location, Location.id == StockQuant.location_id)
        .where(Location.warehouse_id == warehouse_id, StockQuant.quantity > 0)
    )}


def _active_pairs(warehouse_id: int) -> set[tuple[int, int | None]]:
    return {tuple(r) for r in db.session.execute(
        sa.select(CycleCountTask.location_id, CycleCountTask.item_id)
        .join(Location, Location.id == CycleCountTask.location_id)
        .where(Location.warehouse_id == warehouse_id,
               CycleCountTask.status.in_([s.value for s in CYCLE_COUNT_ACTIVE]))
    )}


def _add_tasks(pairs, *, origin: str, reason: str | list[str], created_by: int | None) -> list[int]:
    reasons = reason if isinstance(reason, list) else [reason] * len(pairs)
    tasks = [CycleCountTask(location_id=location_id, item_id=item_id, status=CycleCountStatus.OPEN.value,
                            origin=origin, reason=text[:200], created_by=created_by)
             for (location_id, item_id), text in zip(pairs, reasons, strict=True)]
    db.session.add_all(tasks)
    db.session.flush()
    return [t.id for t in tasks]


# --- ordered by a supervisor -------------------------------------------------------------------


def create_counts(actor: User, *, scope: str, target: str, reason: str,
                  warehouse: str | None = None) -> list[CycleCountView]:
    """R8: a supervisor orders a count of a bin (its code), an item (barcode or SKU) or a
    zone (a bin code's first part, as ``A``): one open task per (bin, item) with stock,
    and one per empty bin for a bin or zone count. Pairs already being counted are left
    as they are (their task is in the answer); nothing to count is ``invalid_input``."""
    require(actor.role, Permission.STOCK_ADJUST)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("A count needs a reason.", field="reason")
    try:
        scope = CountScope(scope)
    except ValueError:
        raise InvalidInput("A count covers a bin, an item or a zone.", field="scope", value=str(scope)) from None
    target = (target or "").strip()
    if not target:
        raise InvalidInput(f"Name the {scope.value} to count.", field=scope.value)

    def use_case() -> list[CycleCountView]:
        where = resolve_warehouse(warehouse)
        bins = _bins(where.id)
        if scope is CountScope.BIN:
            location_id = next((b.id for b in bins if b.code == target), None)
            if location_id is None:
                raise UnknownLocation(f"No storage bin '{target}'.", location=target)
            key: str | int = location_id
        elif scope is CountScope.ITEM:
            key = resolve_item_id(target)
        else:
            key = target
        pairs = expand_scope(scope, key, bins, _stocked(where.id))
        if not pairs:
            raise InvalidInput(f"Nothing to count in {scope.value} '{target}'.", field=scope.value, value=target)
        active = {(r.location_id, r.item_id): r.id for r in db.session.execute(
            sa.select(CycleCountTask.id, CycleCountTask.location_id, CycleCountTask.item_id)
            .where(CycleCountTask.location_id.in_({p[0] for p in pairs}),
                   CycleCountTask.status.in_([s.value for s in CYCLE_COUNT_ACTIVE])))}
        new = [p for p in pairs if p not in active]
        text = f"Ordered by {actor.username}: {reason}"
        ids = _add_tasks(new, origin=CountOrigin.SUPERVISOR.value, reason=text, created_by=actor.id)
        return views(actor, sorted(ids + [active[p] for p in pairs if p in active]))

    return run_in_transaction(use_case)


# --- planned by rule (the night job) ---------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    """What a night's plan created in one warehouse."""

    warehouse: str
    day: date
    rule: str
    created: int
    task_ids: list[int]


def plan_settings() -> PlanSettings:
    config = current_app.config
    return PlanSettings(rule=config["COUNT_PLAN_RULE"], bin_interval_days=int(config["COUNT_BIN_INTERVAL_DAYS"]),
                        abc_interval_days=dict(config["COUNT_ABC_INTERVAL_DAYS"]),
                        max_tasks=int(config["COUNT_PLAN_MAX_TASKS"]))


def item_classes(warehouse_id: int, day: date) -> dict[int, str]:
    """ABC by movement: each stocked item's class from its ledger movements in the
    warehouse over the COUNT_ABC_WINDOW_DAYS days before ``day``."""
    start, _ = day_bounds(day - timedelta(days=int(current_app.config["COUNT_ABC_WINDOW_DAYS"])))
    end, _ = day_bounds(day)
    moved = dict(db.session.execute(
        sa.select(LedgerEntry.item_id, sa.func.count(sa.distinct(LedgerEntry.movement_id)))
        .join(Location, Location.id == LedgerEntry.location_id)
        .where(Location.warehouse_id == warehouse_id, LedgerEntry.created_at >= start, LedgerEntry.created_at < end,
               LedgerEntry.kind.in_(ABC_MOVEMENTS))
        .group_by(LedgerEntry.item_id)
    ).all())
    stocked = {item_id for _, item_id in _stocked(warehouse_id)}
    return abc_classes(moved, stocked | set(moved), current_app.config["COUNT_ABC_SHARES"])


def _last_counted(warehouse_id: int) -> dict[tuple[int, int | None], date]:
    """The day of each (bin, item)'s latest count task, and of each bin's as (bin, None)."""
    zone = warehouse_zone()
    last: dict[tuple[int, int | None], date] = {}
    rows = db.session.execute(
        sa.select(CycleCountTask.location_id, CycleCountTask.item_id, sa.func.max(CycleCountTask.created_at))
        .join(Location, Location.id == CycleCountTask.location_id)
        .where(Location.warehouse_id == warehouse_id)
        .group_by(CycleCountTask.location_id, CycleCountTask.item_id)
    ).all()
    for location_id, item_id, at in rows:
        day = _local_day(at, zone)
        last[(location_id, item_id)] = max(day, last.get((location_id, item_id), day))
        last[(location_id, None)] = max(day, last.get((location_id, None), day))
    return last


def _local_day(at: datetime, zone) -> date:
    if at.tzinfo is None:  # SQLite's aggregate hands back a naive UTC instant
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(zone).date()


def plan_counts(day: date | None = None, *, warehouse: str | None = None) -> list[PlanResult]:
    """The night job (``wms counts plan``): create the counts due ``day`` (the warehouse's
    today by default) in every warehouse, or the one named. Idempotent: a (bin, item)
    with a count not finished, or one created within its interval, is not due, so a
    second run the same day creates nothing."""
    day = day or warehouse_today()
    settings = plan_settings()

    def use_case() -> list[PlanResult]:
        if warehouse:
            where = [resolve_warehouse(warehouse)]
        else:
            where = db.session.execute(sa.select(Warehouse).order_by(Warehouse.id)).scalars().all()
        results = []
        for w in where:
            # one night job at a time per warehouse: the second waits and then finds nothing due
            db.session.execute(sa.select(Warehouse.id).where(Warehouse.id == w.id).with_for_update())
            classes = item_classes(w.id, day) if settings.rule == "abc" else {}
            planned = plan(day, _bins(w.id), _stocked(w.id), last_counted=_last_counted(w.id),
                           active=_active_pairs(w.id), classes=classes, settings=settings)
            ids = _add_tasks([(p.location_id, p.item_id) for p in planned], origin=planned[0].origin,
                             reason=[p.reason for p in planned], created_by=None) if planned else []
            results.append(PlanResult(w.code, day, settings.rule, len(ids), ids))
        return results

    return run_in_transaction(use_case)


# --- the difference report -----------------------------------------------------------------------


@dataclass(frozen=True)
class CountDifferenceRow:
    """One count of a day (R8): the book (on-hand, stock_quant), the units of it picked but
    not shipped (in a tote, not in the bin), the bin card (the ledger's sum for the bin and
    item), the physical count, its difference (counted - (book - in_totes)) and status."""

    task_id: int
    location: str
    item_sku: str | None
    item_name: str | None
    book: int
    in_totes: int
    bin_card: int
    counted: int
    difference: int
    status: str
    counted_at: datetime
    counted_by: str | None
    movement_id: str | None  # the count_difference adjustment posted, if any


def count_differences(warehouse_id: int, day: date) -> list[CountDifferenceRow]:
    """The cycle counts counted on ``day`` (the warehouse's day) in its bins, in the order
    counted, as they stood at the day's end (L2): each count's last round of the day with its
    book, bin card, physical and difference figures, and where it stood then (done, recount,
    counted: waiting for approval, rejected; ``wms.domain.counts.status_at_day_end``). A count
    recounted or approved the next day reads the same on this day's report. For the
    end-of-day report and the supervisor's difference list."""
    start, end = day_bounds(day)
    R, T = CycleCountRound, CycleCountTask
    counter = sa.orm.aliased(User)
    rounds = db.session.execute(
        sa.select(R, T, Location.code, Item.sku, Item.name, counter.username)
        .join(T, T.id == R.task_id)
        .join(Location, Location.id == T.location_id)
        .outerjoin(Item, Item.id == T.item_id)
        .outerjoin(counter, counter.id == R.counted_by)
        .where(Location.warehouse_id == warehouse_id, R.counted_at >= start, R.counted_at < end)
        .order_by(R.id)
    ).all()
    last = {}
    for row in rounds:  # the last round of the day of each count
        last[row[1].id] = row
    later = set(db.session.execute(
        sa.select(R.task_id).where(R.task_id.in_(list(last)), R.counted_at >= end).distinct()).scalars()
    ) if last else set()
    found = []
    for count, task, code, sku, name, counted_by in sorted(last.values(), key=lambda r: (r[0].counted_at, r[0].id)):
        status = status_at_day_end(end, count.status, task.id in later, task.status, task.decided_at)
        movement = task.movement_id if status == task.status and task.id not in later else count.movement_id
        found.append(CountDifferenceRow(
            task.id, code, sku, name, count.on_hand_quantity, count.on_hand_quantity - count.book_quantity,
            count.bin_card_quantity, count.counted_quantity, count.counted_quantity - count.book_quantity, status,
            count.counted_at, counted_by, movement))
    return found


def list_count_differences(actor: User, day: date | None = None, warehouse: str | None = None
                           ) -> list[CountDifferenceRow]:
    """``count_differences`` for a supervisor or a reader of reports; today by default."""
    require_any(actor.role, Permission.STOCK_ADJUST, Permission.REPORT_READ)
    return count_differences(resolve_warehouse(warehouse).id, day or warehouse_today())
