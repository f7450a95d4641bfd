"""Rule S1: FIFO (or FEFO) allocation across lots and bins, never more than is free."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.factories import hours_ago, stock_in
from tests.wms.shipping.conftest import set_fefo
from wms.errors import OrderStateInvalid, PermissionDenied
from wms.extensions import db
from wms.models import Lot, StockQuant
from wms.services import shipping
from wms.services.shipping_allocation import allocate_order
from wms.services.stock import verify_ledger


def _taken(out, number):
    """(lot code, bin code, quantity) of the order's open tasks, in task order."""
    return [(row.lot, row.location, row.quantity)
            for row in sorted(shipping.pick_list(out.actor("picker"), order_number=number),
                              key=lambda r: r.task_id)]


def _reserved() -> int:
    return db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(StockQuant.reserved), 0))).scalar_one()


def test_s1_fifo_across_three_lots_in_two_bins(out, world):
    # The newest lot sits in the first bin of the walk: FIFO must still take the oldest first.
    stock_in(world, "SKU-1", 4, "A-01-01", lot="NEW", received_at=hours_ago(1))
    stock_in(world, "SKU-1", 3, "B-01-01", lot="OLD", received_at=hours_ago(72))
    stock_in(world, "SKU-1", 5, "A-01-02", lot="MID", received_at=hours_ago(24))
    out.order("SO-1", [("SKU-1", 10)])
    report = out.allocate("SO-1")
    assert report.fully_allocated and report.shortage == 0
    assert _taken(out, "SO-1") == [("OLD", "B-01-01", 3), ("MID", "A-01-02", 5), ("NEW", "A-01-01", 2)]
    # and the pick list walks the bins in path order, whatever the FIFO order was
    walk = [row.location for row in shipping.pick_list(out.actor("picker"), order_number="SO-1")]
    assert walk == ["A-01-01", "A-01-02", "B-01-01"]
    assert _reserved() == 10
    assert verify_ledger().ok


def test_s1_one_lot_in_two_bins_is_taken_in_walking_order(out, world):
    stock_in(world, "SKU-1", 2, "B-01-01", lot="L1", received_at=hours_ago(5))
    stock_in(world, "SKU-1", 2, "A-01-01", lot="L1", received_at=hours_ago(5))
    out.order("SO-1", [("SKU-1", 3)])
    out.allocate("SO-1")
    assert _taken(out, "SO-1") == [("L1", "A-01-01", 2), ("L1", "B-01-01", 1)]


def test_s1_fefo_when_enabled_takes_the_earliest_expiry(out, world):
    set_fefo(world, "SKU-LOT")
    stock_in(world, "SKU-LOT", 5, "A-01-01", lot="OLD-LATE", received_at=hours_ago(100),
             expiry=date(2027, 6, 1))
    stock_in(world, "SKU-LOT", 5, "A-01-02", lot="NEW-SOON", received_at=hours_ago(1),
             expiry=date(2026, 12, 1))
    out.order("SO-1", [("SKU-LOT", 6)])
    out.allocate("SO-1")
    assert _taken(out, "SO-1") == [("NEW-SOON", "A-01-02", 5), ("OLD-LATE", "A-01-01", 1)]


def test_s1_without_fefo_expiry_dates_do_not_change_fifo(out, world):
    stock_in(world, "SKU-LOT", 5, "A-01-01", lot="OLD-LATE", received_at=hours_ago(100),
             expiry=date(2027, 6, 1))
    stock_in(world, "SKU-LOT", 5, "A-01-02", lot="NEW-SOON", received_at=hours_ago(1),
             expiry=date(2026, 12, 1))
    out.order("SO-1", [("SKU-LOT", 6)])
    out.allocate("SO-1")
    assert _taken(out, "SO-1") == [("OLD-LATE", "A-01-01", 5), ("NEW-SOON", "A-01-02", 1)]


def test_s1_a_shortage_is_reported_not_hidden(out, world):
    stock_in(world, "SKU-1", 4, "A-01-01")
    out.order("SO-1", [("SKU-1", 10), ("SKU-2", 2)])
    report = out.allocate("SO-1")
    assert not report.fully_allocated
    assert [(line.allocated, line.short) for line in report.lines] == [(4, 6), (0, 2)]
    assert report.shortage == 8
    # the count step cannot finish while lines are short
    out.count_all("SO-1")
    assert out.stage("SO-1") == "pending"


def test_s1_topping_up_after_new_stock_arrives(out, world):
    stock_in(world, "SKU-1", 4, "A-01-01")
    out.order("SO-1", [("SKU-1", 6)])
    assert out.allocate("SO-1").shortage == 2
    stock_in(world, "SKU-1", 5, "B-01-01")
    report = out.allocate("SO-1")
    assert report.fully_allocated and report.tasks_created == 1
    assert _reserved() == 6


def test_s1_never_more_than_available_across_orders(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 3)])
    out.order("SO-2", [("SKU-1", 3)])
    assert out.allocate("SO-1").shortage == 0
    assert out.allocate("SO-2").shortage == 1
    quant = db.session.execute(sa.select(StockQuant)).scalar_one()
    assert (quant.quantity, quant.reserved) == (5, 5)


def test_s1_only_storage_bins_and_own_stock_are_allocatable(out, world):
    stock_in(world, "SKU-1", 5, "RCV-01", received_at=hours_ago(50))
    stock_in(world, "SKU-1", 5, "QA-01", received_at=hours_ago(50))
    stock_in(world, "SKU-1", 5, "CS-01", owner="CSG-01", received_at=hours_ago(50))
    # the consignor's stock, in a storage bin
    stock_in(world, "SKU-1", 5, "A-01-02", owner="CSG-01", received_at=hours_ago(50))
    stock_in(world, "SKU-1", 2, "A-01-01", lot="MINE")
    out.order("SO-1", [("SKU-1", 4)])
    report = out.allocate("SO-1")
    assert (report.lines[0].allocated, report.shortage) == (2, 2)
    assert _taken(out, "SO-1") == [("MINE", "A-01-01", 2)]


def test_s1_an_order_naming_a_consignor_takes_only_its_stock(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01", lot="OWN", received_at=hours_ago(50))
    stock_in(world, "SKU-1", 5, "A-01-02", lot="CSG", owner="CSG-01")
    out.order("SO-1", [("SKU-1", 3)], owner="CSG-01")
    out.allocate("SO-1")
    assert _taken(out, "SO-1") == [("CSG", "A-01-02", 3)]


def test_s1_inactive_bins_are_not_allocated(out, world):
    from wms.models import Location
    from wms.services.uow import transaction

    stock_in(world, "SKU-1", 5, "A-01-01", received_at=hours_ago(50))
    stock_in(world, "SKU-1", 5, "A-01-02", lot="LIVE")
    with transaction():
        db.session.get(Location, world.locations["A-01-01"]).active = False
    out.order("SO-1", [("SKU-1", 3)])
    out.allocate("SO-1")
    assert _taken(out, "SO-1") == [("LIVE", "A-01-02", 3)]


def test_s1_cancelling_gives_the_reservation_back(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 5)])
    out.allocate("SO-1")
    assert _reserved() == 5
    shipping.cancel_order(out.actor("supervisor"), "SO-1", "customer cancelled")
    assert _reserved() == 0
    assert out.tasks("SO-1") == []
    assert verify_ledger().ok


def test_s1_only_approved_documents_are_allocated(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", approve=False)
    with pytest.raises(OrderStateInvalid):
        out.allocate("SO-1")
    with pytest.raises(PermissionDenied):
        allocate_order(out.actor("picker"), "SO-1")


def test_s1_lot_received_at_is_the_fifo_key(out, world):
    stock_in(world, "SKU-1", 1, "A-01-01", lot="X", received_at=hours_ago(3))
    lot = db.session.execute(sa.select(Lot).where(Lot.code == "X")).scalar_one()
    assert lot.received_at.tzinfo is not None
