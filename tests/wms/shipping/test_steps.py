"""Rule S2: count, verify, ship, deduct; in order, none skipped, each with who and when."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import hours_ago, stock_in
from tests.wms.shipping.conftest import row_book
from wms.errors import (
    InsufficientStock,
    LocationInactive,
    OrderAlreadyShipped,
    PickWrongItem,
    PickWrongLocation,
    PickWrongLot,
    StepOutOfOrder,
    TrackingNumberTaken,
    VerifyLotRequired,
    VerifyTooMany,
    VerifyWrongItem,
    VerifyWrongLot,
)
from wms.extensions import db
from wms.models import (
    CountException,
    CycleCountTask,
    Handover,
    LedgerEntry,
    Location,
    SalesOrder,
    ShippingStep,
    StockQuant,
)
from wms.services import shipping
from wms.services.stock import verify_ledger
from wms.services.uow import transaction


def _quant(world, location: str) -> StockQuant:
    return db.session.execute(
        sa.select(StockQuant).where(StockQuant.location_id == world.locations[location])
        .execution_options(populate_existing=True)
    ).scalar_one()


def test_s2_four_steps_in_order_record_who_and_when(out, world):
    stock_in(world, "SKU-1", 8, "A-01-01")
    out.order("SO-1", [("SKU-1", 5)])
    out.allocate("SO-1")
    [row] = shipping.pick_list(out.actor("picker"), order_number="SO-1")
    assert (row.location, row.sku, row.quantity) == ("A-01-01", "SKU-1", 5)
    counted = out.count(row, 8)
    assert counted.status == "counted" and counted.count_complete and counted.stage == "counted"
    partial = shipping.verify_scan(out.actor("shipper"), "SO-1", item="SKU-1", quantity=2)
    assert (partial.complete, partial.remaining) == (False, 3)
    done = shipping.verify_scan(out.actor("shipper"), "SO-1", item="SKU-1", quantity=3)
    assert done.complete and done.stage == "verified"
    shipped = out.ship("SO-1", weight="380", weight_unit="g")
    assert (shipped.status, shipped.stage, shipped.weight_grams) == ("shipped", "deducted", 380)
    steps = db.session.execute(
        sa.select(ShippingStep.step, ShippingStep.user_id, ShippingStep.at).order_by(ShippingStep.id)
    ).all()
    assert [s.step for s in steps] == ["count", "verify", "ship", "deduct"]
    assert [s.user_id for s in steps] == [world.users[r] for r in ("picker", "shipper", "shipper", "shipper")]
    assert all(s.at is not None and s.at.tzinfo is not None for s in steps)
    assert [s.at for s in steps] == sorted(s.at for s in steps)


def test_s2_deduct_moves_reserved_stock_to_the_customer_with_the_document(out, world):
    stock_in(world, "SKU-1", 8, "A-01-01")
    out.order("SO-1", [("SKU-1", 5)])
    out.ready_to_ship("SO-1")
    assert (_quant(world, "A-01-01").quantity, _quant(world, "A-01-01").reserved) == (8, 5)
    shipped = out.ship("SO-1")
    quant = _quant(world, "A-01-01")
    assert (quant.quantity, quant.reserved) == (3, 0)
    entries = db.session.execute(
        sa.select(LedgerEntry).where(LedgerEntry.movement_id == shipped.movement_id)
    ).scalars().all()
    assert {(e.kind, e.location_id, e.quantity, e.document_type, e.document_id) for e in entries} == {
        ("ship", world.locations["A-01-01"], -5, "sales_order", "SO-1"),
        ("ship", world.locations["CUS"], 5, "sales_order", "SO-1"),
    }
    handover = db.session.execute(sa.select(Handover)).scalar_one()
    assert handover.movement_id == shipped.movement_id
    assert (handover.weight_grams, handover.weight_source) == (1250, "scale")
    assert verify_ledger().ok


def test_s2_verify_before_count_is_refused(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 5)])
    out.allocate("SO-1")
    with pytest.raises(StepOutOfOrder) as refused:
        shipping.verify_scan(out.actor("shipper"), "SO-1", item="SKU-1", quantity=5)
    assert refused.value.details["expected"] == "count"


def test_s2_ship_before_verify_is_refused(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 5)])
    out.allocate("SO-1")
    with pytest.raises(StepOutOfOrder):
        out.ship("SO-1")  # nothing done yet
    out.count_all("SO-1")
    with pytest.raises(StepOutOfOrder) as refused:
        out.ship("SO-1")  # counted, not verified
    assert refused.value.details["expected"] == "verify"
    assert db.session.execute(sa.select(sa.func.count()).select_from(Handover)).scalar_one() == 0
    assert _quant(world, "A-01-01").quantity == 5


def test_s2_going_back_is_refused(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 5)])
    out.allocate("SO-1")
    out.count_all("SO-1")
    out.verify_all("SO-1")
    with pytest.raises(StepOutOfOrder):
        shipping.verify_scan(out.actor("shipper"), "SO-1", item="SKU-1", quantity=1)
    out.ship("SO-1")
    with pytest.raises(OrderAlreadyShipped):
        out.ship("SO-1")


def test_s2_count_scans_bin_then_item_and_refuses_wrong_ones(out, world):
    stock_in(world, "SKU-LOT", 5, "A-01-01", lot="LOT-A")
    out.order("SO-1", [("SKU-LOT", 2)])
    out.allocate("SO-1")
    [row] = shipping.pick_list(out.actor("picker"), order_number="SO-1")
    picker = out.actor("picker")
    with pytest.raises(PickWrongLocation):
        shipping.confirm_count(picker, row.task_id, location="B-01-01", item="SKU-LOT", lot="LOT-A",
                               counted_quantity=5)
    with pytest.raises(PickWrongItem):
        shipping.confirm_count(picker, row.task_id, location="A-01-01", item="SKU-1", lot="LOT-A",
                               counted_quantity=5)
    with pytest.raises(PickWrongLot):
        shipping.confirm_count(picker, row.task_id, location="A-01-01", item="SKU-LOT", lot="LOT-B",
                               counted_quantity=5)
    assert out.count(row, 5).status == "counted"


def test_s2_count_difference_opens_an_exception_and_reallocates(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01", lot="OLD", received_at=hours_ago(48))
    stock_in(world, "SKU-1", 5, "B-01-01", lot="NEW")
    out.order("SO-1", [("SKU-1", 3)])
    out.allocate("SO-1")
    [row] = shipping.pick_list(out.actor("picker"), order_number="SO-1")
    assert row.lot == "OLD"
    result = out.count(row, 1)  # the books say 5; only 1 is there
    assert (result.status, result.resolution, result.short) == ("exception", "reallocated", 0)
    exception = db.session.execute(sa.select(CountException)).scalar_one()
    assert (exception.book_quantity, exception.counted_quantity) == (5, 1)
    cycle = db.session.execute(sa.select(CycleCountTask)).scalar_one()
    assert (cycle.location_id, cycle.status) == (world.locations["A-01-01"], "open")
    [new_row] = shipping.pick_list(out.actor("picker"), order_number="SO-1")
    assert (new_row.location, new_row.lot, new_row.quantity) == ("B-01-01", "NEW", 3)
    assert _quant(world, "A-01-01").reserved == 0  # nothing ships short from the suspect bin
    out.count(new_row, row_book(new_row))
    assert out.stage("SO-1") == "counted"


def test_s2_a_second_picker_at_a_bin_counts_what_is_left_after_the_first_pickers_tote(out, world):
    # Units picked into a tote stay on the books until the ship step: the bin holds 8 - 3.
    stock_in(world, "SKU-1", 8, "A-01-01")
    out.order("SO-1", [("SKU-1", 3)])
    out.order("SO-2", [("SKU-1", 2)])
    out.allocate("SO-1")
    out.allocate("SO-2")
    [first] = shipping.pick_list(out.actor("picker"), order_number="SO-1")
    assert out.count(first, 8).status == "counted"
    [second] = shipping.pick_list(out.actor("picker"), order_number="SO-2")
    assert out.count(second, 5).status == "counted"  # what is physically there: no difference
    assert db.session.execute(sa.select(CountException)).first() is None
    out.order("SO-3", [("SKU-1", 1)])
    out.allocate("SO-3")
    [third] = shipping.pick_list(out.actor("picker"), order_number="SO-3")
    short = out.count(third, 2)  # 8 - 3 - 2 = 3 are there; 2 counted is one short
    assert short.status == "exception"
    exception = db.session.execute(sa.select(CountException)).scalar_one()
    assert (exception.book_quantity, exception.counted_quantity) == (3, 2)


def test_s2_count_difference_without_other_stock_holds_the_line(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 3)])
    out.allocate("SO-1")
    [row] = shipping.pick_list(out.actor("picker"), order_number="SO-1")
    result = out.count(row, 4)
    assert (result.resolution, result.short, result.count_complete) == ("held", 3, False)
    assert out.stage("SO-1") == "pending"
    with pytest.raises(StepOutOfOrder):
        shipping.verify_scan(out.actor("shipper"), "SO-1", item="SKU-1", quantity=3)
    # once the bin is counted (and adjusted) the stock is allocatable again
    [cycle] = shipping.list_cycle_counts(out.actor("supervisor"))
    shipping.complete_cycle_count(out.actor("supervisor"), cycle.id)
    assert out.allocate("SO-1").fully_allocated


def test_s2_verify_refuses_wrong_item_wrong_lot_and_too_many_with_distinct_codes(out, world):
    stock_in(world, "SKU-LOT", 2, "A-01-01", lot="LOT-A", received_at=hours_ago(10))
    stock_in(world, "SKU-LOT", 2, "A-01-02", lot="LOT-B")
    stock_in(world, "SKU-LOT", 2, "B-01-01", lot="LOT-C")
    out.order("SO-1", [("SKU-LOT", 3)])
    out.allocate("SO-1")
    out.count_all("SO-1")
    shipper = out.actor("shipper")
    codes = set()
    for kwargs, error in [
        (dict(item="SKU-1", quantity=1), VerifyWrongItem),
        (dict(item="SKU-LOT", lot="LOT-C", quantity=1), VerifyWrongLot),
        (dict(item="SKU-LOT", lot="LOT-B", quantity=2), VerifyTooMany),
        (dict(item="SKU-LOT", quantity=1), VerifyLotRequired),
    ]:
        with pytest.raises(error) as refused:
            shipping.verify_scan(shipper, "SO-1", **kwargs)
        codes.add(refused.value.code)
    assert codes == {"verify_wrong_item", "verify_wrong_lot", "verify_too_many", "verify_lot_required"}
    shipping.verify_scan(shipper, "SO-1", item="SKU-LOT", lot="LOT-A", quantity=2)
    assert shipping.verify_scan(shipper, "SO-1", item="SKU-LOT", lot="LOT-B", quantity=1).complete


def test_s2_a_failed_deduct_leaves_no_handover(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 5)])
    out.ready_to_ship("SO-1")
    with transaction():
        db.session.get(Location, world.locations["A-01-01"]).active = False
    with pytest.raises(LocationInactive):
        out.ship("SO-1", tracking_number="SF0000000070001")
    assert db.session.execute(sa.select(sa.func.count()).select_from(Handover)).scalar_one() == 0
    order = db.session.execute(
        sa.select(SalesOrder).execution_options(populate_existing=True)
    ).scalar_one()
    assert (order.status, order.stage) == ("approved", "verified")
    with transaction():
        db.session.get(Location, world.locations["A-01-01"]).active = True
    out.ship("SO-1", tracking_number="SF0000000070001")
    assert verify_ledger().ok


def test_s2_a_tracking_number_is_used_once(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    for number in ("SO-1", "SO-2"):
        out.order(number, [("SKU-1", 2)])
        out.ready_to_ship(number)
    out.ship("SO-1", tracking_number="SF9000000000123")
    with pytest.raises(TrackingNumberTaken):
        out.ship("SO-2", tracking_number="SF9000000000123")


def test_s5_stock_never_goes_negative_even_if_the_bin_was_emptied(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 5)])
    out.ready_to_ship("SO-1")
    # A reserved unit cannot be moved away by anyone else: the move is refused.
    from wms.services.stock import move_by_scan

    with pytest.raises(InsufficientStock):
        move_by_scan(out.actor("picker"), item_code="SKU-1", from_location="A-01-01", to_location="B-01-01",
                     quantity=1)
    out.ship("SO-1")
    assert _quant(world, "A-01-01").quantity == 0
    assert verify_ledger().ok


def test_s2_a_batch_of_verify_scans_is_accepted_whole_or_not_at_all(out, world):
    from wms.models import VerifyScan

    stock_in(world, "SKU-1", 5, "A-01-01")
    stock_in(world, "SKU-2", 5, "A-01-02")
    out.order("SO-1", [("SKU-1", 2), ("SKU-2", 1)])
    out.allocate("SO-1")
    out.count_all("SO-1")
    shipper = out.actor("shipper")
    with pytest.raises(VerifyTooMany) as refused:
        shipping.verify_scans(shipper, "SO-1", [shipping.Scan("SKU-1", 2), shipping.Scan("SKU-2", 2)])
    assert refused.value.details["scan"] == 1
    assert db.session.execute(sa.select(sa.func.count()).select_from(VerifyScan)).scalar_one() == 0
    result = shipping.verify_scans(shipper, "SO-1", [shipping.Scan("SKU-1"), shipping.Scan("SKU-2"),
                                                     shipping.Scan("SKU-1")])
    assert (result.complete, result.stage) == (True, "verified")
