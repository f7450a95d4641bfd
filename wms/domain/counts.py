"""Cycle counts (R8): what to count, when a difference stands, and when it posts itself.

Pure rules, no I/O (``wms.services.counts`` loads the rows and writes the tasks):

- **Scope.** A supervisor orders a count of a bin, an item or a zone; it expands into one
  task per (bin, item) with stock, and for a bin or zone count one task per *empty* bin
  too (item unknown: whatever the counter finds there is a stray, counted as found).
  A zone is the first part of a bin's code, its aisle (``A-01-02`` is in zone ``A``).
- **Plan.** The night job counts by rule: every bin every N days (``bins``), or ABC by
  movement (``abc``): items ranked by their ledger movements over a window, the first
  share A, the next B, the rest (and every item that did not move) C, each class with
  its own interval. A (bin, item) with a count not finished, or one created within its
  interval, is not due, so running the plan twice creates nothing the second time.
- **Recount.** A count that differs from the book is counted again; the difference
  stands only when the recount finds the *same difference* from the book (equal to the
  book: the first count was wrong, nothing to adjust; a third figure: count again).
- **Threshold.** A confirmed difference within every limit set (units, percent of the
  book) posts itself; above one it waits for the supervisor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from wms.domain.shipping import CycleCountAction
from wms.errors import CountDifferenceReserved, InvalidInput


class CountScope(StrEnum):
    """What a supervisor's count covers."""

    BIN = "bin"
    ITEM = "item"
    ZONE = "zone"


class CountOrigin(StrEnum):
    """Why a cycle count exists."""

    DIFFERENCE = "difference"  # a picker's count at the bin differed (S2 step 1)
    SUPERVISOR = "supervisor"  # ordered by a supervisor for a bin, an item or a zone
    BINS = "bins"  # the night plan: every bin every N days
    ABC = "abc"  # the night plan: ABC by movement


class PlanRule(StrEnum):
    """The night plan's rule (setting ``COUNT_PLAN_RULE``)."""

    BINS = "bins"
    ABC = "abc"
    OFF = "off"


ABC_CLASSES = ("A", "B", "C")


def zone_of(location_code: str) -> str:
    """A bin's zone: its code up to the first dash (its aisle)."""
    return location_code.split("-", 1)[0]


@dataclass(frozen=True)
class Bin:
    """A storage bin as planning sees it: id, code and walking order."""

    id: int
    code: str
    path_order: int = 0


Pair = tuple[int, int | None]  # (bin id, item id); None: an empty bin, the item found when counted


def expand_scope(scope: str, target: str | int, bins: Iterable[Bin], stocked: Iterable[tuple[int, int]]) -> list[Pair]:
    """The (bin, item) pairs a count of ``scope`` over ``target`` covers, in walking order.

    ``target`` is a bin id (bin), an item id (item) or a zone (zone); ``stocked`` the
    (bin id, item id) pairs with stock. A bin or zone count also covers its empty bins.
    """
    try:
        scope = CountScope(scope)
    except ValueError:
        raise InvalidInput("A count covers a bin, an item or a zone.", field="scope", value=str(scope)) from None
    bins = sorted(bins, key=lambda b: (b.path_order, b.code))
    items_at: dict[int, list[int]] = {}
    for location_id, item_id in sorted(set(stocked)):
        items_at.setdefault(location_id, []).append(item_id)
    if scope is CountScope.ITEM:
        return [(b.id, target) for b in bins if target in items_at.get(b.id, ())]
    chosen = [b for b in bins if (b.id == target if scope is CountScope.BIN else zone_of(b.code) == target)]
    pairs: list[Pair] = []
    for b in chosen:
        if b.id in items_at:
            pairs.extend((b.id, item_id) for item_id in items_at[b.id])
        else:
            pairs.append((b.id, None))
    return pairs


def abc_classes(movements: Mapping[int, int], item_ids: Iterable[int], shares: Mapping[str, float]) -> dict[str, str]:
    """ABC by movement: items ranked by their movement count (most first, then id); the
    first ``shares['A']`` percent of the items are A, the next ``shares['B']`` percent B,
    the rest C. An item that did not move is C whatever its rank."""
    ranked = sorted(set(item_ids), key=lambda i: (-movements.get(i, 0), i))
    n = len(ranked)
    a_end = math.ceil(n * shares.get("A", 0) / 100)
    b_end = a_end + math.ceil(n * shares.get("B", 0) / 100)
    classes = {}
    for rank, item_id in enumerate(ranked):
        moved = movements.get(item_id, 0) > 0
        classes[item_id] = "A" if moved and rank < a_end else "B" if moved and rank < b_end else "C"
    return classes


def is_due(last_counted: date | None, interval_days: int, today: date) -> bool:
    """Due when never counted, or last counted ``interval_days`` or more days ago."""
    return last_counted is None or (today - last_counted).days >= interval_days


@dataclass(frozen=True)
class PlanSettings:
    """The night plan's settings (``COUNT_PLAN_*``, ``COUNT_BIN_INTERVAL_DAYS``, ``COUNT_ABC_*``)."""

    rule: str = PlanRule.ABC
    bin_interval_days: int = 30
    abc_interval_days: Mapping[str, int] = field(default_factory=lambda: {"A": 7, "B": 30, "C": 90})
    max_tasks: int = 200


@dataclass(frozen=True)
class PlannedCount:
    """One task the plan creates: the bin, the item (None for an empty bin), the rule and why."""

    location_id: int
    item_id: int | None
    origin: str
    reason: str


def plan_counts(today: date, bins: Iterable[Bin], stocked: Iterable[tuple[int, int]], *,
                last_counted: Mapping[Pair, date], active: Iterable[Pair], classes: Mapping[int, str],
                settings: PlanSettings) -> list[PlannedCount]:
    """The counts due ``today`` under the rule: never-counted first, then the longest ago,
    in walking order; at most ``settings.max_tasks``. ``last_counted`` maps a pair (and,
    for the bins rule, ``(bin, None)``: the bin's last count of any item) to the day of
    its last count; ``active`` pairs have a count not finished and are never planned."""
    rule = PlanRule(settings.rule)
    if rule is PlanRule.OFF or settings.max_tasks <= 0:
        return []
    bins = sorted(bins, key=lambda b: (b.path_order, b.code))
    active = set(active)
    busy_bins = {location_id for location_id, _ in active}
    items_at: dict[int, list[int]] = {}
    for location_id, item_id in sorted(set(stocked)):
        items_at.setdefault(location_id, []).append(item_id)
    due: list[tuple[tuple, list[PlannedCount]]] = []
    never = date.min
    if rule is PlanRule.BINS:
        for b in bins:
            last = last_counted.get((b.id, None))
            if b.id in busy_bins or not is_due(last, settings.bin_interval_days, today):
                continue
            reason = f"Every bin every {settings.bin_interval_days} days"
            tasks = [PlannedCount(b.id, i, CountOrigin.BINS.value, reason) for i in items_at.get(b.id, [])] \
                or [PlannedCount(b.id, None, CountOrigin.BINS.value, reason + " (empty bin)")]
            due.append(((last or never, b.path_order, b.code), tasks))
        chosen: list[PlannedCount] = []
        for _, tasks in sorted(due, key=lambda d: d[0]):
            if len(chosen) + len(tasks) > settings.max_tasks and chosen:
                break
            chosen.extend(tasks)
        return chosen
    for b in bins:
        for item_id in items_at.get(b.id, []):
            last = last_counted.get((b.id, item_id))
            cls = classes.get(item_id, "C")
            interval = settings.abc_interval_days[cls]
            if (b.id, item_id) in active or not is_due(last, interval, today):
                continue
            reason = f"Class {cls} item: counted every {interval} days"
            due.append(((last or never, b.path_order, b.code, item_id),
                        [PlannedCount(b.id, item_id, CountOrigin.ABC.value, reason)]))
    return [tasks[0] for _, tasks in sorted(due, key=lambda d: d[0])[:settings.max_tasks]]


def count_outcome(book: int, counted: int, first_difference: int | None) -> CycleCountAction:
    """R8 recount: equal to the book is done; a first difference is counted again; a
    recount that finds the same difference from the book confirms it; another figure
    is counted again (it becomes the count the next recount checks)."""
    difference = counted - book
    if difference == 0:
        return CycleCountAction.COUNT
    if first_difference is not None and difference == first_difference:
        return CycleCountAction.CONFIRM
    return CycleCountAction.REPORT_DIFFERENCE


def posts_itself(difference: int, book: int, *, units: int | None, percent: float | None) -> bool:
    """A confirmed difference posts without the supervisor when it is within every limit
    set: at most ``units`` units and at most ``percent`` percent of the book. With no
    limit set every difference waits for the supervisor."""
    if units is None and percent is None:
        return False
    size = abs(difference)
    if units is not None and size > units:
        return False
    return percent is None or size * 100 <= percent * book


@dataclass(frozen=True)
class Row:
    """One on-hand row of the item in the bin: its key, quantity and reserved part."""

    key: tuple
    quantity: int
    reserved: int = 0


def status_at_day_end(day_end: datetime, round_status: str, counted_again_after: bool, status_now: str,
                      decided_at: datetime | None) -> str:
    """R8 with L2: where a count stood at a day's end, from its last round counted that day.

    Counted again after the day (a recount the next morning) or decided after it (approved,
    rejected or closed by a supervisor later): it stood as that round left it. Else nothing
    has moved it since the day: it stands as it is now."""
    if counted_again_after or (decided_at is not None and decided_at >= day_end):
        return round_status
    return status_now


def spread_difference(rows: list[Row], difference: int) -> list[tuple[tuple, int]]:
    """Which on-hand rows a count difference changes, and by how much.

    Found units go to the row holding the most (an empty bin has no row: the caller
    books a stray on the item's own row). Missing units come from the free (unreserved)
    units, the row with most free first; when reserved units are missing too,
    ``CountDifferenceReserved``: the allocation must be undone first.
    """
    if difference > 0:
        if not rows:
            return []
        best = max(rows, key=lambda r: (r.quantity, r.key))
        return [(best.key, difference)]
    missing = -difference
    changes = []
    for row in sorted(rows, key=lambda r: (-(r.quantity - r.reserved), r.key)):
        take = min(missing, row.quantity - row.reserved)
        if take > 0:
            changes.append((row.key, -take))
            missing -= take
    if missing:
        raise CountDifferenceReserved(missing=missing)
    return changes
