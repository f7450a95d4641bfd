"""R8 cycle counts through the services: ordered by bin, item or zone; planned at night
and idempotent; a pick in the middle of a count is not counted twice; a difference is
recounted; within the threshold it posts itself, above it waits for the supervisor's
approval (nothing in the ledger before) or rejection."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from tests.factories import GTIN_2, stock_in
from wms.errors import BinUnderCount, InvalidInput, RecountNeedsOtherCounter, UnknownLocation
from wms.extensions import db
from wms.models import CycleCountTask, LedgerEntry, StockQuant
from wms.services import shipping
from wms.services.counts import count_differences, create_counts, plan_counts
from wms.services.shipping_allocation import allocate_order
from wms.services.warehouse_day import warehouse_today


def _on_hand(world, code="A-01-01", sku="SKU-1") -> int:
    return db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(StockQuant.quantity), 0)).where(
        StockQuant.location_id == world.locations[code], StockQuant.item_id == world.items[sku])).scalar_one()


def _count_entries(task_id=None) -> list[LedgerEntry]:
    query = sa.select(LedgerEntry).where(LedgerEntry.kind == "count_difference")
    if task_id is not None:
        query = query.where(LedgerEntry.document_id == str(task_id))
    return db.session.execute(query.order_by(LedgerEntry.id)).scalars().all()


def _order_count(out, world, code="A-01-01", sku="SKU-1"):
    [view] = create_counts(out.actor("supervisor"), scope="bin", target=code, reason="spot check")
    assert view.sku == sku
    return view.id


def _count(out, task_id, counted, role="picker", code="A-01-01", item="SKU-1"):
    return shipping.count_cycle_count(out.actor(role), task_id, location=code, item=item, counted_quantity=counted)


# --- ordered by a supervisor ------------------------------------------------------------------


def test_r8_a_bin_count_makes_one_task_per_item_there_and_an_empty_bin_one_without_item(out, world):
    stock_in(world, "SKU-1", 4, "A-01-01")
    stock_in(world, "SKU-2", 2, "A-01-01")
    boss = out.actor("supervisor")
    tasks = create_counts(boss, scope="bin", target="A-01-01", reason="spot check")
    assert [(t.location, t.sku, t.status, t.origin) for t in tasks] == [
        ("A-01-01", "SKU-1", "open", "supervisor"), ("A-01-01", "SKU-2", "open", "supervisor")]
    [empty] = create_counts(boss, scope="bin", target="A-01-02", reason="strays?")
    assert (empty.location, empty.sku) == ("A-01-02", None)
    # ordered again while the first are open: the same tasks, none added
    again = create_counts(boss, scope="bin", target="A-01-01", reason="spot check")
    assert [t.id for t in again] == [t.id for t in tasks]
    assert db.session.execute(sa.select(sa.func.count()).select_from(CycleCountTask)).scalar_one() == 3


def test_r8_an_item_count_covers_every_bin_with_it_and_a_zone_count_every_bin_of_the_zone(out, world):
    stock_in(world, "SKU-1", 4, "A-01-01")
    stock_in(world, "SKU-1", 3, "B-01-01")
    stock_in(world, "SKU-2", 1, "B-01-01")
    boss = out.actor("supervisor")
    by_item = create_counts(boss, scope="item", target="SKU-1", reason="audit")
    assert [(t.location, t.sku) for t in by_item] == [("A-01-01", "SKU-1"), ("B-01-01", "SKU-1")]
    by_zone = create_counts(boss, scope="zone", target="A", reason="audit")
    assert [(t.location, t.sku) for t in by_zone] == [("A-01-01", "SKU-1"), ("A-01-02", None)]


def test_r8_a_count_of_nothing_or_an_unknown_bin_is_refused_and_creates_nothing(out, world):
    boss = out.actor("supervisor")
    with pytest.raises(UnknownLocation):
        create_counts(boss, scope="bin", target="Z-99-99", reason="x")
    with pytest.raises(InvalidInput):
        create_counts(boss, scope="item", target="SKU-1", reason="x")  # in no bin
    with pytest.raises(InvalidInput):
        create_counts(boss, scope="bin", target="A-01-01", reason=" ")
    assert db.session.execute(sa.select(sa.func.count()).select_from(CycleCountTask)).scalar_one() == 0


# --- planned at night ----------------------------------------------------------------------


def test_r8_the_night_plan_counts_every_bin_and_running_it_twice_creates_nothing_more(out, world):
    current_app.config.update(COUNT_PLAN_RULE="bins", COUNT_BIN_INTERVAL_DAYS=30)
    stock_in(world, "SKU-1", 4, "A-01-01")
    day = warehouse_today()
    [first] = plan_counts(day)
    assert (first.rule, first.created) == ("bins", 3)  # A-01-01 (SKU-1), A-01-02 and B-01-01 (empty)
    assert [second.created for second in plan_counts(day)] == [0]
    # counted and done, the bins are not due again before their interval
    for task in db.session.execute(sa.select(CycleCountTask)).scalars().all():
        shipping.count_cycle_count(out.actor("picker"), task.id, location=_code(world, task.location_id),
                                   item="SKU-1" if task.item_id else None,
                                   counted_quantity=4 if task.item_id else 0)
    assert [r.created for r in plan_counts(day + timedelta(days=29))] == [0]
    assert [r.created for r in plan_counts(day + timedelta(days=30))] == [3]


def _code(world, location_id) -> str:
    return next(code for code, i in world.locations.items() if i == location_id)


def test_r8_abc_by_movement_counts_the_busy_item_more_often(out, world):
    current_app.config.update(COUNT_PLAN_RULE="abc", COUNT_ABC_SHARES={"A": 50, "B": 0},
                              COUNT_ABC_INTERVAL_DAYS={"A": 7, "B": 30, "C": 90})
    for _ in range(3):
        stock_in(world, "SKU-1", 2, "A-01-01")  # SKU-1 moved three times
    stock_in(world, "SKU-2", 2, "B-01-01")  # SKU-2 once
    day = warehouse_today() + timedelta(days=1)
    assert [r.created for r in plan_counts(day)] == [2]  # never counted: both
    for task in db.session.execute(sa.select(CycleCountTask)).scalars().all():
        shipping.complete_cycle_count(out.actor("supervisor"), task.id)
    assert [r.created for r in plan_counts(day + timedelta(days=7))] == [1]
    [task] = db.session.execute(sa.select(CycleCountTask).where(CycleCountTask.status == "open")).scalars().all()
    assert (task.item_id, task.origin) == (world.items["SKU-1"], "abc")
    assert task.reason == "Class A item: counted every 7 days"


# --- no double counting with picks meanwhile -----------------------------------------------------


def test_r8_a_pick_in_the_middle_of_a_count_waits_and_is_not_counted_twice(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    out.order("SO-1", [("SKU-1", 3)])
    out.allocate("SO-1")
    task_id = _order_count(out, world)
    shipping.start_cycle_count(out.actor("picker"), task_id, location="A-01-01")
    [row] = shipping.pick_list(out.actor("picker"), order_number="SO-1")
    with pytest.raises(BinUnderCount) as refused:
        out.count(row, 10)  # the picker arrives while the bin is being counted
    assert refused.value.details["location"] == "A-01-01"
    # the counter finds the 10 that are there: equal to the book, nothing to adjust
    assert _count(out, task_id, 10).status == "done"
    out.count(row, 10)  # now the pick goes ahead
    assert out.tasks("SO-1", status="counted")
    assert _count_entries() == [] and _on_hand(world) == 10  # deducted at the ship step


def test_r8_units_picked_before_the_count_and_not_yet_shipped_are_not_missing(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    out.order("SO-1", [("SKU-1", 3)])
    out.ready_to_ship("SO-1")  # picked: 3 units in a tote, still on the books
    task_id = _order_count(out, world)
    shipping.start_cycle_count(out.actor("picker"), task_id)
    out.ship("SO-1")  # shipped between start and count: the books drop by the 3 already gone
    result = _count(out, task_id, 7)
    assert (result.status, result.difference_found) == ("done", False)
    assert _count_entries() == []


def test_r8_a_started_count_holds_the_bin_from_allocation_an_open_planned_one_does_not(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    task_id = _order_count(out, world)
    out.order("SO-1", [("SKU-1", 1)])
    assert allocate_order(out.actor("supervisor"), "SO-1").fully_allocated  # open: not frozen
    shipping.start_cycle_count(out.actor("picker"), task_id)
    out.order("SO-2", [("SKU-1", 1)])
    assert not allocate_order(out.actor("supervisor"), "SO-2").fully_allocated


# --- recount ---------------------------------------------------------------------------------


def test_r8_a_difference_is_recounted_by_someone_else_and_stands_only_when_confirmed(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    task_id = _order_count(out, world)
    first = _count(out, task_id, 8)
    assert (first.status, first.difference_found) == ("recount", True)
    with pytest.raises(RecountNeedsOtherCounter):
        _count(out, task_id, 8)  # the first counter does not confirm their own count
    confirmed = _count(out, task_id, 8, role="shipper")
    assert (confirmed.status, confirmed.difference_found) == ("counted", True)
    [view] = shipping.list_cycle_counts(out.actor("supervisor"), "counted")
    assert (view.difference, view.first_counted_by, view.counted_by) == (-2, "picker", "shipper")
    assert _count_entries() == [] and _on_hand(world) == 10  # waits for the supervisor (default threshold 0)


def test_r8_a_recount_equal_to_the_book_closes_the_count_and_a_third_figure_asks_again(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    task_id = _order_count(out, world)
    _count(out, task_id, 8)
    assert _count(out, task_id, 9, role="shipper").status == "recount"  # neither 8 nor 10
    assert _count(out, task_id, 10, role="picker").status == "done"  # the book was right
    assert _count_entries() == [] and _on_hand(world) == 10


# --- the threshold -------------------------------------------------------------------------------


def test_r8_a_confirmed_difference_within_the_threshold_posts_itself(out, world):
    current_app.config["COUNT_DIFFERENCE_APPROVAL_UNITS"] = 2
    stock_in(world, "SKU-1", 10, "A-01-01")
    task_id = _order_count(out, world)
    _count(out, task_id, 8)
    assert _count(out, task_id, 8, role="shipper").status == "done"
    entries = _count_entries(task_id)
    assert sorted(e.quantity for e in entries) == [-2, 2]
    assert [e.location_id for e in entries if e.quantity < 0] == [world.locations["A-01-01"]]
    assert _on_hand(world) == 8
    task = db.session.get(CycleCountTask, task_id)
    assert (task.difference, task.decided_by, task.movement_id) == (-2, None, entries[0].movement_id)


def test_r8_above_the_threshold_nothing_posts_until_the_supervisor_approves(out, world):
    current_app.config.update(COUNT_DIFFERENCE_APPROVAL_UNITS=2, COUNT_DIFFERENCE_APPROVAL_PERCENT=50)
    stock_in(world, "SKU-1", 10, "A-01-01")
    task_id = _order_count(out, world)
    _count(out, task_id, 7)
    assert _count(out, task_id, 7, role="shipper").status == "counted"
    assert _count_entries() == [] and _on_hand(world) == 10
    approved = shipping.approve_cycle_count(out.actor("supervisor"), task_id)
    assert (approved.status, approved.decided_by, approved.difference) == ("done", "supervisor", -3)
    assert sorted(e.quantity for e in _count_entries(task_id)) == [-3, 3]
    assert _on_hand(world) == 7


def test_r8_a_rejected_difference_posts_nothing_and_closes_the_count(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    task_id = _order_count(out, world)
    _count(out, task_id, 12)
    _count(out, task_id, 12, role="shipper")
    rejected = shipping.reject_cycle_count(out.actor("supervisor"), task_id)
    assert (rejected.status, rejected.decided_by) == ("rejected", "supervisor")
    assert _count_entries() == [] and _on_hand(world) == 10


def test_r8_a_stray_found_in_an_empty_bin_is_counted_and_booked_there_when_approved(out, world):
    stock_in(world, "SKU-2", 5, "B-01-01")
    [task] = create_counts(out.actor("supervisor"), scope="bin", target="A-01-02", reason="strays?")
    assert _count(out, task.id, 2, code="A-01-02", item="SKU-2").status == "recount"
    assert _count(out, task.id, 2, role="shipper", code="A-01-02", item=GTIN_2).status == "counted"
    shipping.approve_cycle_count(out.actor("supervisor"), task.id)
    assert _on_hand(world, "A-01-02", "SKU-2") == 2
    [empty] = create_counts(out.actor("supervisor"), scope="bin", target="B-01-01", reason="x")
    assert empty.sku == "SKU-2"


def test_r8_an_empty_bin_found_empty_is_done(out, world):
    [task] = create_counts(out.actor("supervisor"), scope="bin", target="A-01-02", reason="strays?")
    result = shipping.count_cycle_count(out.actor("picker"), task.id, location="A-01-02", item=None,
                                        counted_quantity=0)
    assert (result.status, result.difference_found) == ("done", False)
    with pytest.raises(InvalidInput):
        [other] = create_counts(out.actor("supervisor"), scope="bin", target="A-01-02", reason="again")
        shipping.count_cycle_count(out.actor("picker"), other.id, location="A-01-02", item=None,
                                   counted_quantity=3)


# --- the difference report -------------------------------------------------------------------------


def test_r8_the_difference_report_gives_book_bin_card_and_physical_per_count(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    stock_in(world, "SKU-2", 4, "B-01-01")
    first = _order_count(out, world)
    second = _order_count(out, world, "B-01-01", "SKU-2")
    _count(out, first, 8)
    _count(out, first, 8, role="shipper")
    _count(out, second, 4, code="B-01-01", item="SKU-2")
    rows = count_differences(world.warehouse_id, warehouse_today())
    assert [(r.task_id, r.location, r.item_sku, r.book, r.bin_card, r.counted, r.difference, r.status)
            for r in rows] == [(first, "A-01-01", "SKU-1", 10, 10, 8, -2, "counted"),
                               (second, "B-01-01", "SKU-2", 4, 4, 4, 0, "done")]
    assert count_differences(world.warehouse_id, warehouse_today() - timedelta(days=1)) == []



def _move_rounds_back(task_id: int, days: int = 1) -> None:
    """As if the count's rounds so far were taken ``days`` earlier (the task's times too)."""
    from wms.models import CycleCountRound
    from wms.services.uow import transaction

    with transaction():
        rows = db.session.execute(sa.select(CycleCountRound).where(CycleCountRound.task_id == task_id)).scalars()
        for row in [*rows, db.session.get(CycleCountTask, task_id)]:
            row.counted_at -= timedelta(days=days)


def test_r8_l2_a_count_recounted_or_approved_the_next_day_reads_on_its_day_as_it_stood_then(out, world):
    """Yesterday's report keeps yesterday's count: a recount this morning or an approval today
    does not move it (or its figures) off the day it was counted."""
    stock_in(world, "SKU-1", 10, "A-01-01")
    stock_in(world, "SKU-2", 4, "B-01-01")
    recounted = _order_count(out, world)
    approved = _order_count(out, world, "B-01-01", "SKU-2")
    _count(out, recounted, 7)  # yesterday: a difference, to recount
    _count(out, approved, 2, code="B-01-01", item="SKU-2")
    _count(out, approved, 2, role="shipper", code="B-01-01", item="SKU-2")  # confirmed: waits for approval
    for task_id in (recounted, approved):
        _move_rounds_back(task_id)
    yesterday, today = warehouse_today() - timedelta(days=1), warehouse_today()
    _count(out, recounted, 10, role="shipper")  # this morning's recount finds the book
    shipping.approve_cycle_count(out.actor("supervisor"), approved)
    stood = {r.task_id: (r.counted, r.difference, r.status, r.movement_id)
             for r in count_differences(world.warehouse_id, yesterday)}
    assert stood == {recounted: (7, -3, "recount", None), approved: (2, -2, "counted", None)}
    now = {r.task_id: (r.counted, r.difference, r.status) for r in count_differences(world.warehouse_id, today)}
    assert now == {recounted: (10, 0, "done")}  # the approval posted today, counted nothing today
    assert db.session.get(CycleCountTask, approved).status == "done"
