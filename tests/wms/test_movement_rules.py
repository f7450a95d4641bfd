"""The movement rules of ``wms.domain.movements`` on their own: no database, no app."""

from __future__ import annotations

import pytest

from wms.domain.movements import FreeStock, Place, ScannedMove, StockChange, check_change, plan_scan_move
from wms.errors import (
    InsufficientStock,
    InvalidMovement,
    LocationInactive,
    LotRequired,
    PermissionDenied,
    UnknownLot,
)

SHELF, OTHER_SHELF = Place(1, "storage", "A-01-01"), Place(2, "storage", "B-01-01")
DOCK, QUARANTINE = Place(3, "receiving", "RCV-01"), Place(4, "quarantine", "QA-01")
CONSIGNMENT, LOST = Place(5, "consignment", "CS-01"), Place(6, "lost_and_found", "LF")
OWN = FreeStock(10, 1, "L-A", "OWN", "own", 5)
CONSIGNED = FreeStock(11, 2, "L-A", "CSG-01", "consignor", 5)


def scan(*stock: FreeStock, role="picker", source=SHELF, destination=OTHER_SHELF, **named) -> ScannedMove:
    return ScannedMove(role, "6901234567892", source, destination, 1, stock, **named)


def test_a_plain_scan_takes_the_one_lot_there_as_a_move():
    plan = plan_scan_move(scan(OWN))
    assert (plan.stock, plan.kind) == (OWN, "move")


def test_a_scan_from_the_dock_is_a_putaway():
    assert plan_scan_move(scan(OWN, source=DOCK)).kind == "putaway"


def test_a_role_without_stock_move_is_refused():
    with pytest.raises(PermissionDenied):
        plan_scan_move(scan(OWN, role="shipper"))


def test_scans_are_between_physical_places_only():
    with pytest.raises(InvalidMovement):
        plan_scan_move(scan(OWN, destination=LOST))


def test_r5_quarantine_is_released_by_a_supervisor_only():
    with pytest.raises(PermissionDenied):
        plan_scan_move(scan(OWN, source=QUARANTINE))
    assert plan_scan_move(scan(OWN, source=QUARANTINE, role="supervisor")).stock == OWN


def test_the_scanned_lot_and_owner_narrow_the_stock():
    other_lot = FreeStock(12, 1, "L-B", "OWN", "own", 5)
    assert plan_scan_move(scan(OWN, other_lot, lot_code="L-B")).stock == other_lot
    assert plan_scan_move(scan(OWN, CONSIGNED, owner_code="OWN")).stock == OWN


def test_a_scan_naming_a_consignor_never_moves_own_stock():
    with pytest.raises(InsufficientStock):
        plan_scan_move(scan(OWN, owner_code="CSG-01"))


def test_nothing_free_is_insufficient_stock_and_an_unknown_lot_is_named():
    with pytest.raises(InsufficientStock):
        plan_scan_move(scan())
    with pytest.raises(UnknownLot):
        plan_scan_move(scan(OWN, lot_code="NO-SUCH", lot_known=False))


def test_several_lots_need_the_lot_scanned():
    with pytest.raises(LotRequired):
        plan_scan_move(scan(OWN, CONSIGNED))


def test_r7_consignor_and_own_stock_are_never_mixed():
    with pytest.raises(InvalidMovement, match="R7"):
        plan_scan_move(scan(OWN, destination=CONSIGNMENT))
    with pytest.raises(InvalidMovement, match="R7"):
        plan_scan_move(scan(CONSIGNED, source=DOCK, destination=SHELF))
    assert plan_scan_move(scan(CONSIGNED, source=DOCK, destination=CONSIGNMENT)).kind == "putaway"


@pytest.mark.parametrize(("change", "refusal"), [
    (StockChange(1, 10, 1, SHELF, OTHER_SHELF, 0), InvalidMovement),
    (StockChange(1, 10, 1, SHELF, OTHER_SHELF, True), InvalidMovement),
    (StockChange(1, 10, 1, SHELF, SHELF, 1), InvalidMovement),
    (StockChange(1, 10, 1, SHELF, Place(2, "storage", "B-01-01", active=False), 1), LocationInactive),
    (StockChange(1, 10, 1, Place(7, "supplier"), SHELF, 1, from_reserved=True), InvalidMovement),
], ids=["zero", "bool", "same-place", "inactive", "reserved-at-supplier"])
def test_every_line_of_a_movement_is_checked(change, refusal):
    with pytest.raises(refusal):
        check_change(change)


def test_l2_s5_a_backdated_withdrawal_is_covered_on_its_day_and_every_day_since():
    from datetime import date

    from wms.domain.movements import backdated_withdrawal_keeps_every_day_whole as covered
    from wms.errors import InsufficientStock

    d1, d2, d3, d4 = (date(2026, 12, n) for n in (1, 2, 3, 4))
    covered(d2, 3, [(d1, 5), (d3, 2)])  # 5 on d2, 7 on d3: 3 may go out on d2
    covered(d3, 5, [(d1, 5)])  # nothing since d1: its 5 are there on d3
    for day, withdrawn, nets, short_on in [
        (d2, 2, [(d1, 0), (d3, 5)], d2),  # received only on d3
        (d2, 3, [(d1, 5), (d3, -4)], d3),  # 5 on d2, but 1 on d3 after a pick
        (d1, 1, [(d4, 9)], d1),  # nothing before d4
        (d2, 1, [], d2),
    ]:
        with pytest.raises(InsufficientStock) as refused:
            covered(day, withdrawn, nets)
        assert refused.value.details["short_on"] == short_on.isoformat()
