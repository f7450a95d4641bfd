"""Rule L2: closing a warehouse day, postings refused in a closed day, reopening recorded.

Also the stock section of the end-of-day report (``wms.services.reports.stock``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import stock_in
from wms.errors import DayClosed, DayNotClosable, DayNotReopenable, InvalidInput, InvalidMovement, PermissionDenied
from wms.extensions import db
from wms.models import DayBalance, LedgerDayEvent, LedgerEntry
from wms.services import days
from wms.services.reports.stock import hourly_movements, stock_rows
from wms.services.stock import StockChange, adjust_stock, post_movement, reverse_movement
from wms.services.warehouse_day import warehouse_today


def _entries(movement_id: str) -> list[LedgerEntry]:
    return db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.movement_id == movement_id)
                              .order_by(LedgerEntry.id)).scalars().all()


def _count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()


def _row(rows, sku):
    return next(r for r in rows if r.item_sku == sku)


def test_l2_a_posting_goes_into_the_warehouse_day_today(ctx, world):
    lot = stock_in(world, "SKU-1", 5)
    entries = db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.lot_id == lot)).scalars().all()
    assert {e.business_day for e in entries} == {warehouse_today()}
    assert days.open_day(world.warehouse_id) == warehouse_today()


def test_l2_closing_today_moves_postings_into_the_next_day_and_stores_balances(ctx, world):
    today = warehouse_today()
    stock_in(world, "SKU-1", 5)
    stock_in(world, "SKU-1", 3, location="RCV-01")
    status = days.close_day(world.user("clerk"), today)
    assert status.closed and status.closed_by == "clerk"
    stored = db.session.execute(sa.select(DayBalance.item_id, DayBalance.quantity)).all()
    assert stored == [(world.items["SKU-1"], 8)]
    assert days.open_day(world.warehouse_id) == today + timedelta(days=1)
    lot = stock_in(world, "SKU-2", 4)
    entries = db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.lot_id == lot)).scalars().all()
    assert {e.business_day for e in entries} == {today + timedelta(days=1)}


def test_l2_a_day_closes_once_in_order_and_not_before_it_comes(ctx, world):
    today = warehouse_today()
    clerk = world.user("clerk")
    with pytest.raises(DayNotClosable):
        days.close_day(clerk, today + timedelta(days=1))
    days.close_day(clerk, today - timedelta(days=2))  # the first closing ever: any day that has come
    with pytest.raises(DayNotClosable):
        days.close_day(clerk, today)  # the day before must be closed first: no gap
    with pytest.raises(DayNotClosable):
        days.close_day(clerk, today - timedelta(days=2))  # already closed
    days.close_day(clerk, today - timedelta(days=1))
    days.close_day(clerk, today)
    with pytest.raises(PermissionDenied):
        days.close_day(world.user("picker"), today)


def test_l2_a_posting_into_a_closed_day_is_refused_and_writes_nothing(ctx, world):
    today = warehouse_today()
    lot = stock_in(world, "SKU-1", 5)
    days.close_day(world.user("clerk"), today)
    before = _count()
    change = StockChange(world.items["SKU-1"], lot, world.owners["OWN"], world.place("A-01-01"),
                         world.place("A-01-02"), 2)
    with pytest.raises(DayClosed):
        post_movement(world.user("admin"), "move", [change], business_day=today)
    db.session.rollback()
    with pytest.raises(DayClosed):  # an earlier day is closed with it
        post_movement(world.user("admin"), "move", [change], business_day=today - timedelta(days=3))
    db.session.rollback()
    assert _count() == before
    quants = {r.location_id: r.quantity for r in db.session.execute(sa.text(
        "SELECT location_id, quantity FROM stock_quant")).all()}
    assert quants == {world.locations["A-01-01"]: 5}


def test_l2_an_adjustment_dated_into_a_closed_day_is_refused(ctx, world):
    today = warehouse_today()
    lot = stock_in(world, "SKU-1", 5)
    days.close_day(world.user("clerk"), today - timedelta(days=1))
    supervisor = world.user("supervisor")
    kwargs = dict(item_id=world.items["SKU-1"], lot_id=lot, location_id=world.locations["A-01-01"],
                  owner_id=world.owners["OWN"], quantity_change=-1, reason="broken")
    before = _count()
    with pytest.raises(DayClosed):
        adjust_stock(supervisor, business_day=today - timedelta(days=1), **kwargs)
    with pytest.raises(InvalidMovement):
        adjust_stock(supervisor, business_day=today + timedelta(days=1), **kwargs)
    assert _count() == before
    dated = adjust_stock(supervisor, business_day=today, **kwargs)
    assert {e.business_day for e in _entries(dated.movement_id)} == {today}


def test_l2_once_today_is_closed_an_adjustment_may_name_the_open_day_it_would_go_into_anyway(ctx, world):
    today = warehouse_today()
    lot = stock_in(world, "SKU-1", 5)
    days.close_day(world.user("clerk"), today)
    kwargs = dict(item_id=world.items["SKU-1"], lot_id=lot, location_id=world.locations["A-01-01"],
                  owner_id=world.owners["OWN"], quantity_change=-1, reason="broken")
    dated = adjust_stock(world.user("supervisor"), business_day=today + timedelta(days=1), **kwargs)
    assert {e.business_day for e in _entries(dated.movement_id)} == {today + timedelta(days=1)}
    with pytest.raises(InvalidMovement):  # the day after the open day is still to come
        adjust_stock(world.user("supervisor"), business_day=today + timedelta(days=2), **kwargs)


def test_l2_a_reversal_of_a_closed_days_entry_lands_in_the_next_day(ctx, world):
    today = warehouse_today()
    stock_in(world, "SKU-1", 5)
    moved = post_movement(world.user("admin"), "receipt", [StockChange(
        world.items["SKU-1"], db.session.execute(sa.text("SELECT id FROM lot")).scalar_one(),
        world.owners["OWN"], world.place("SUP"), world.place("A-01-02"), 4)])
    days.close_day(world.user("clerk"), today)
    report = stock_rows(world.warehouse_id, today)
    reversal = reverse_movement(world.user("supervisor"), moved.movement_id, "wrong bin")
    assert {e.business_day for e in _entries(reversal.movement_id)} == {today + timedelta(days=1)}
    assert stock_rows(world.warehouse_id, today) == report  # the closed day's report is unchanged
    next_day = _row(stock_rows(world.warehouse_id, today + timedelta(days=1)), "SKU-1")
    assert (next_day.opening, next_day.received_in, next_day.shipped_out, next_day.closing) == (9, 0, 4, 5)


def test_l2_reopening_needs_a_supervisor_and_a_reason_and_stays_recorded(ctx, world):
    today = warehouse_today()
    stock_in(world, "SKU-1", 5)
    days.close_day(world.user("clerk"), today - timedelta(days=1))
    days.close_day(world.user("clerk"), today)
    with pytest.raises(PermissionDenied):
        days.reopen_day(world.user("clerk"), today, "typo")
    with pytest.raises(InvalidInput):
        days.reopen_day(world.user("supervisor"), today, "  ")
    with pytest.raises(DayNotReopenable):  # a later closing depends on it
        days.reopen_day(world.user("supervisor"), today - timedelta(days=1), "typo")
    status = days.reopen_day(world.user("supervisor"), today, "count found a wrong bin")
    assert not status.closed
    assert db.session.execute(sa.select(sa.func.count()).select_from(DayBalance)
                              .where(DayBalance.day == today)).scalar_one() == 0
    assert days.open_day(world.warehouse_id) == today
    stock_in(world, "SKU-1", 1)  # today takes postings again
    status = days.close_day(world.user("clerk"), today)
    assert [(e.action, e.user, e.reason) for e in status.events] == [
        ("close", "clerk", None), ("reopen", "supervisor", "count found a wrong bin"), ("close", "clerk", None)]
    assert db.session.execute(sa.select(sa.func.count()).select_from(LedgerDayEvent)).scalar_one() == 4
    assert _row(stock_rows(world.warehouse_id, today), "SKU-1").closing == 6


def test_l2_stock_rows_count_in_and_out_per_movement_at_stock_holding_places(ctx, world):
    today = warehouse_today()
    lot = stock_in(world, "SKU-1", 10, location="RCV-01")  # in 10
    admin = world.user("admin")
    own = world.owners["OWN"]
    post_movement(admin, "putaway", [StockChange(world.items["SKU-1"], lot, own, world.place("RCV-01"),
                                                 world.place("A-01-01"), 10)])  # internal: nets to zero
    post_movement(admin, "ship", [StockChange(world.items["SKU-1"], lot, own, world.place("A-01-01"),
                                              world.place("CUS"), 3)])  # out 3
    stock_in(world, "SKU-2", 2, location="CS-01", owner="CSG-01")
    rows = stock_rows(world.warehouse_id, today)
    assert [(r.item_sku, r.owner_code, r.opening, r.received_in, r.shipped_out, r.closing) for r in rows] == [
        ("SKU-1", "OWN", 0, 10, 3, 7), ("SKU-2", "CSG-01", 0, 2, 0, 2)]
    assert _row(rows, "SKU-1").item_name == "保温杯 500ml"
    hours = hourly_movements(world.warehouse_id, today)
    assert len(hours) == 24 and [h for h, _, _ in hours] == list(range(24))
    assert sum(i for _, i, _ in hours) == 12 and sum(o for _, _, o in hours) == 3
    # the next day (not closed) opens with this closing
    tomorrow = stock_rows(world.warehouse_id, today + timedelta(days=1))
    assert [(r.item_sku, r.opening, r.closing) for r in tomorrow] == [("SKU-1", 7, 7), ("SKU-2", 2, 2)]


def test_l2_s5_a_withdrawal_dated_into_an_earlier_day_must_have_been_covered_then_and_since(ctx, world):
    """Stock received today cannot be taken out dated yesterday: yesterday's closing would be
    negative (and stored so once closed). Taken out of what was there, it is accepted."""
    from wms.errors import InsufficientStock

    today = warehouse_today()
    lot = stock_in(world, "SKU-1", 5)
    kwargs = dict(item_id=world.items["SKU-1"], lot_id=lot, location_id=world.locations["A-01-01"],
                  owner_id=world.owners["OWN"], reason="found broken")
    before = _count()
    with pytest.raises(InsufficientStock) as refused:
        adjust_stock(world.user("supervisor"), business_day=today - timedelta(days=1), quantity_change=-2, **kwargs)
    assert refused.value.details["short_on"] == (today - timedelta(days=1)).isoformat()
    assert _count() == before
    adjust_stock(world.user("supervisor"), business_day=today - timedelta(days=1), quantity_change=3, **kwargs)
    taken = adjust_stock(world.user("supervisor"), business_day=today - timedelta(days=1), quantity_change=-3,
                         **kwargs)
    assert {e.business_day for e in _entries(taken.movement_id)} == {today - timedelta(days=1)}
    assert all(r.closing >= 0 for r in stock_rows(world.warehouse_id, today - timedelta(days=1)))

