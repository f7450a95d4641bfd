"""R8: the rules of cycle counts, pure: what a count covers, the night plan (every bin
every N days, ABC by movement), the recount, the threshold and which rows a difference
changes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from wms.domain.counts import (
    Bin,
    PlanSettings,
    Row,
    abc_classes,
    count_outcome,
    expand_scope,
    is_due,
    plan_counts,
    posts_itself,
    spread_difference,
    zone_of,
)
from wms.domain.shipping import CycleCountAction
from wms.errors import CountDifferenceReserved, InvalidInput

BINS = [Bin(1, "A-01-01", 1), Bin(2, "A-01-02", 2), Bin(3, "B-01-01", 3)]
STOCKED = {(1, 10), (1, 11), (3, 10)}  # bin 2 is empty
TODAY = date(2026, 12, 2)


def test_r8_a_zone_is_the_first_part_of_a_bin_code():
    assert (zone_of("A-01-02"), zone_of("B-10-04"), zone_of("STAGE")) == ("A", "B", "STAGE")


def test_r8_a_bin_count_covers_each_item_there_and_an_empty_bin_once():
    assert expand_scope("bin", 1, BINS, STOCKED) == [(1, 10), (1, 11)]
    assert expand_scope("bin", 2, BINS, STOCKED) == [(2, None)]  # strays found there are counted


def test_r8_an_item_count_covers_every_bin_holding_it_in_walking_order():
    assert expand_scope("item", 10, BINS, STOCKED) == [(1, 10), (3, 10)]
    assert expand_scope("item", 99, BINS, STOCKED) == []


def test_r8_a_zone_count_covers_its_bins_empty_ones_included():
    assert expand_scope("zone", "A", BINS, STOCKED) == [(1, 10), (1, 11), (2, None)]
    with pytest.raises(InvalidInput):
        expand_scope("shelf", "A", BINS, STOCKED)


def test_r8_abc_ranks_items_by_movements_and_an_item_that_did_not_move_is_c():
    moved = {1: 50, 2: 30, 3: 10, 4: 5, 5: 1}
    classes = abc_classes(moved, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], {"A": 20, "B": 30})
    assert [classes[i] for i in range(1, 11)] == ["A", "A", "B", "B", "B", "C", "C", "C", "C", "C"]
    # the 6th item ranks within B's share but never moved: C
    assert abc_classes({1: 3}, [1, 2], {"A": 50, "B": 50}) == {1: "A", 2: "C"}


def test_r8_due_when_never_counted_or_the_interval_has_passed():
    assert is_due(None, 30, TODAY)
    assert is_due(TODAY - timedelta(days=30), 30, TODAY)
    assert not is_due(TODAY - timedelta(days=29), 30, TODAY)


def test_r8_every_bin_every_n_days_counts_whole_bins_never_counted_first():
    settings = PlanSettings(rule="bins", bin_interval_days=30, max_tasks=10)
    last = {(1, None): TODAY - timedelta(days=31), (3, None): TODAY - timedelta(days=5)}
    planned = plan_counts(TODAY, BINS, STOCKED, last_counted=last, active=set(), classes={}, settings=settings)
    # bin 2 never counted (empty: one task without item) comes before bin 1; bin 3 is not due
    assert [(p.location_id, p.item_id, p.origin) for p in planned] == [
        (2, None, "bins"), (1, 10, "bins"), (1, 11, "bins")]


def test_r8_the_plan_never_duplicates_a_count_under_way_and_keeps_to_its_maximum():
    settings = PlanSettings(rule="bins", bin_interval_days=30, max_tasks=2)
    planned = plan_counts(TODAY, BINS, STOCKED, last_counted={}, active={(2, None)}, classes={}, settings=settings)
    assert [(p.location_id, p.item_id) for p in planned] == [(1, 10), (1, 11)]  # bin 3 waits for tomorrow


def test_r8_abc_counts_a_items_more_often_than_c_items():
    settings = PlanSettings(rule="abc", abc_interval_days={"A": 7, "B": 30, "C": 90})
    week_ago = TODAY - timedelta(days=7)
    last = {(1, 10): week_ago, (1, 11): week_ago, (3, 10): week_ago}
    planned = plan_counts(TODAY, BINS, STOCKED, last_counted=last, active=set(), classes={10: "A", 11: "C"},
                          settings=settings)
    assert [(p.location_id, p.item_id) for p in planned] == [(1, 10), (3, 10)]  # item 11 (C) waits 90 days
    assert planned[0].reason == "Class A item: counted every 7 days"
    off = PlanSettings(rule="off")
    assert plan_counts(TODAY, BINS, STOCKED, last_counted={}, active=set(), classes={}, settings=off) == []


def test_r8_a_difference_stands_only_when_a_recount_finds_the_same_difference():
    assert count_outcome(10, 10, None) is CycleCountAction.COUNT
    assert count_outcome(10, 8, None) is CycleCountAction.REPORT_DIFFERENCE  # counted again
    assert count_outcome(10, 8, -2) is CycleCountAction.CONFIRM
    assert count_outcome(10, 10, -2) is CycleCountAction.COUNT  # the first count was wrong
    assert count_outcome(10, 9, -2) is CycleCountAction.REPORT_DIFFERENCE  # a third figure: again
    assert count_outcome(7, 5, -2) is CycleCountAction.CONFIRM  # the same difference from a book that moved


def test_r8_a_difference_posts_itself_only_within_every_limit_set():
    assert not posts_itself(1, 100, units=0, percent=None)  # the default: the supervisor approves all
    assert not posts_itself(1, 100, units=None, percent=None)
    assert posts_itself(2, 100, units=2, percent=None) and posts_itself(-2, 100, units=2, percent=None)
    assert not posts_itself(3, 100, units=2, percent=None)
    assert posts_itself(2, 100, units=5, percent=2) and not posts_itself(3, 100, units=5, percent=2)
    assert posts_itself(1, 50, units=None, percent=2) and not posts_itself(2, 50, units=None, percent=2)


def test_r8_found_units_go_to_the_fullest_row_missing_ones_come_from_free_units():
    rows = [Row(("a",), 5, 0), Row(("b",), 8, 6)]
    assert spread_difference(rows, 3) == [(("b",), 3)]
    assert spread_difference(rows, -6) == [(("a",), -5), (("b",), -1)]
    assert spread_difference([], 2) == []  # a stray: booked by the caller
    with pytest.raises(CountDifferenceReserved):
        spread_difference(rows, -8)  # 6 of the 13 are allocated to orders


def test_r8_l2_a_count_stood_at_a_days_end_as_its_last_round_of_the_day_left_it_unless_nothing_moved_it_since():
    from datetime import datetime, timezone

    from wms.domain.counts import status_at_day_end

    end = datetime(2026, 12, 3, 16, tzinfo=timezone.utc)
    assert status_at_day_end(end, "recount", False, "recount", None) == "recount"
    assert status_at_day_end(end, "recount", True, "done", None) == "recount"  # recounted the next morning
    assert status_at_day_end(end, "counted", False, "done", end) == "counted"  # approved after the day
    assert status_at_day_end(end, "counted", False, "rejected", datetime(2026, 12, 3, 9, tzinfo=timezone.utc)) \
        == "rejected"  # decided within the day
