"""The parcel's weight check at the ship step: expected weight = the units' item weights +
the packaging's tare, within the warehouse's tolerance (a percentage, never below a
minimum; an item may carry its own per-unit tolerance). Outside it the ship step is
refused and nothing is written, unless a supervisor has overridden that order's weight;
an item without a weight leaves the parcel unchecked, and the handover says so.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import stock_in
from wms.domain.parcel_weight import (
    ExpectedWeight,
    ParcelLine,
    WeightCheck,
    WeightTolerance,
    check_parcel_weight,
    expected_parcel_weight,
)
from wms.errors import OrderAlreadyShipped, PackagingNotFound, ParcelWeightMismatch, PermissionDenied
from wms.extensions import db
from wms.models import Handover, Item, LedgerEntry, PackagingType, ParcelWeightOverride, SalesOrder, Warehouse
from wms.services import parcel_weight
from wms.services.uow import transaction

FIVE_PERCENT_50 = WeightTolerance(Decimal(5), 50)
BASE = "/api/v1/shipping"


# --- the rule, pure -----------------------------------------------------------------------


def test_expected_weight_is_the_units_item_weights_plus_the_tare():
    lines = [ParcelLine("SKU-1", 2, 400), ParcelLine("SKU-2", 1, 150)]
    expected = expected_parcel_weight(lines, 120, FIVE_PERCENT_50)
    assert expected == ExpectedWeight(1070, 54)  # 5 % of 1070 g is 53.5 g, rounded half up


def test_the_tolerance_is_never_below_the_warehouse_minimum():
    assert expected_parcel_weight([ParcelLine("SKU-1", 1, 100)], 20, FIVE_PERCENT_50).tolerance_grams == 50


def test_an_item_with_its_own_tolerance_adds_grams_per_unit_instead_of_its_percentage():
    lines = [ParcelLine("SKU-1", 3, 1000, tolerance_grams=10), ParcelLine("SKU-2", 1, 2000)]
    # 3 x 10 g for SKU-1, 5 % of 2000 g for SKU-2, 5 % of the 200 g tare
    assert expected_parcel_weight(lines, 200, FIVE_PERCENT_50) == ExpectedWeight(5200, 140)


def test_a_weight_inside_the_tolerance_passes_on_either_side():
    expected = ExpectedWeight(1000, 50)
    assert check_parcel_weight(expected, 950) == check_parcel_weight(expected, 1050) == WeightCheck.PASSED


def test_a_weight_outside_the_tolerance_is_refused_with_expected_measured_and_tolerance():
    with pytest.raises(ParcelWeightMismatch) as refused:
        check_parcel_weight(ExpectedWeight(1000, 50), 1051)
    assert refused.value.status == 409
    assert refused.value.details == {"expected_grams": 1000, "measured_grams": 1051, "tolerance_grams": 50}


def test_an_override_accepts_a_weight_outside_the_tolerance():
    assert check_parcel_weight(ExpectedWeight(1000, 50), 2000, overridden=True) == WeightCheck.OVERRIDDEN
    assert check_parcel_weight(ExpectedWeight(1000, 50), 1000, overridden=True) == WeightCheck.PASSED


def test_an_item_without_a_weight_leaves_the_parcel_unchecked():
    expected = expected_parcel_weight([ParcelLine("SKU-1", 1, 400), ParcelLine("SKU-2", 1, None)], 0,
                                      FIVE_PERCENT_50)
    assert expected == ExpectedWeight(None, None, ("SKU-2",))
    assert check_parcel_weight(expected, 99_999) == WeightCheck.UNCHECKED


# --- at the ship step ---------------------------------------------------------------------


def _weigh_items(world, **grams):
    with transaction():
        for sku, weight in grams.items():
            db.session.get(Item, world.items[sku.replace("_", "-")]).weight_grams = weight
        db.session.add(PackagingType(code="BOX-S", name="小号纸箱", name_en="Small carton", tare_grams=150))
        warehouse = db.session.get(Warehouse, world.warehouse_id)
        warehouse.default_tare_grams, warehouse.weight_tolerance_min_grams = 50, 30


def _ready(out, world, number="SO-1", quantity=2):
    stock_in(world, "SKU-1", 10, "A-01-01")
    out.order(number, [("SKU-1", quantity)])
    out.ready_to_ship(number)
    return number


def test_a_parcel_inside_the_tolerance_ships_and_the_handover_keeps_the_check(out, world):
    _weigh_items(world, SKU_1=400)
    _ready(out, world)
    shipped = out.ship("SO-1", weight="960", weight_unit="g", packaging="BOX-S")  # 800 + 150, ± 47.5
    assert (shipped.weight_check, shipped.expected_weight_grams, shipped.weight_tolerance_grams) == (
        "passed", 950, 48)
    handover = db.session.execute(sa.select(Handover)).scalar_one()
    assert (handover.packaging_code, handover.expected_weight_grams, handover.weight_check) == (
        "BOX-S", 950, "passed")


def test_without_packaging_the_warehouse_default_tare_counts(out, world):
    _weigh_items(world, SKU_1=400)
    _ready(out, world)
    shipped = out.ship("SO-1", weight="850", weight_unit="g")
    assert (shipped.expected_weight_grams, shipped.packaging) == (850, None)


def test_a_parcel_outside_the_tolerance_is_refused_and_nothing_is_written(out, world):
    _weigh_items(world, SKU_1=400)
    _ready(out, world)
    with pytest.raises(ParcelWeightMismatch) as refused:
        out.ship("SO-1", weight="1.2", weight_unit="kg", packaging="BOX-S")
    assert refused.value.details == {"expected_grams": 950, "measured_grams": 1200, "tolerance_grams": 48}
    db.session.rollback()
    order = db.session.execute(sa.select(SalesOrder)).scalar_one()
    assert (order.status, order.stage) == ("approved", "verified")
    assert db.session.execute(sa.select(Handover)).first() is None
    assert db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.kind == "ship")).first() is None


def test_an_unknown_packaging_is_refused(out, world):
    _weigh_items(world, SKU_1=400)
    _ready(out, world)
    with pytest.raises(PackagingNotFound):
        out.ship("SO-1", weight="950", weight_unit="g", packaging="CRATE")


def test_an_item_without_weight_ships_unchecked_and_the_handover_says_so(out, world):
    _ready(out, world)  # SKU-1 has no weight
    shipped = out.ship("SO-1", weight="99", weight_unit="kg")
    assert (shipped.weight_check, shipped.expected_weight_grams) == ("unchecked", None)
    assert db.session.execute(sa.select(Handover.weight_check)).scalar_one() == "unchecked"


def test_an_override_by_a_shipper_is_refused(out, world):
    _ready(out, world)
    with pytest.raises(PermissionDenied):
        parcel_weight.override_weight(out.actor("shipper"), "SO-1", "秤坏了")
    assert db.session.execute(sa.select(ParcelWeightOverride)).first() is None


def test_a_supervisor_override_is_recorded_and_the_next_ship_accepts_the_weight(out, world):
    _weigh_items(world, SKU_1=400)
    _ready(out, world)
    override = parcel_weight.override_weight(out.actor("supervisor"), "SO-1", "赠品未录入重量")
    assert (override.order_number, override.reason, override.approved_by) == ("SO-1", "赠品未录入重量", "supervisor")
    assert override.approved_at.tzinfo is not None
    shipped = out.ship("SO-1", weight="1.2", weight_unit="kg")
    assert (shipped.weight_check, shipped.weight_override_id) == ("overridden", override.id)
    handover = db.session.execute(sa.select(Handover)).scalar_one()
    assert (handover.weight_check, handover.weight_override_id, handover.weight_grams) == (
        "overridden", override.id, 1200)
    assert parcel_weight.override_of(handover).reason == "赠品未录入重量"
    with pytest.raises(OrderAlreadyShipped):
        parcel_weight.override_weight(out.actor("supervisor"), "SO-1", "again")


def test_an_override_is_for_its_own_order_only(out, world):
    _weigh_items(world, SKU_1=400)
    stock_in(world, "SKU-1", 10, "A-01-01")
    for number in ("SO-1", "SO-2"):
        out.order(number, [("SKU-1", 2)])
        out.ready_to_ship(number)
    parcel_weight.override_weight(out.actor("supervisor"), "SO-1", "外箱加固")
    with pytest.raises(ParcelWeightMismatch):
        out.ship("SO-2", weight="1.2", weight_unit="kg")


# --- over HTTP ----------------------------------------------------------------------------


def test_the_mismatch_reaches_the_station_as_409_with_the_figures(api, app, world, out):
    with app.app_context():
        _weigh_items(world, SKU_1=400)
        _ready(out, world)
    handover = {"carrier": "SF", "tracking_number": "SF0000000000777", "weight": "1.2", "weight_unit": "kg",
                "weight_source": "scale", "shipper_signature": "王", "carrier_signature": "李", "packaging": "BOX-S"}
    refused = api.as_("shipper").post(f"{BASE}/orders/SO-1/ship", json=handover)
    body = refused.get_json()
    assert (refused.status_code, body["code"]) == (409, "parcel_weight_mismatch")
    assert body["errors"] == {"expected_grams": 950, "measured_grams": 1200, "tolerance_grams": 48}
    assert api.as_("shipper").post(f"{BASE}/orders/SO-1/weight-override", json={"reason": "x"}).status_code == 403
    accepted = api.as_("supervisor").post(f"{BASE}/orders/SO-1/weight-override", json={"reason": "加了冰袋"})
    assert accepted.status_code == 201 and accepted.get_json()["approved_by"] == "supervisor"
    shipped = api.as_("shipper").post(f"{BASE}/orders/SO-1/ship", json=handover)
    assert shipped.status_code == 200, shipped.get_json()
    assert shipped.get_json()["weight_check"] == "overridden"


def test_the_station_reads_the_packaging_types_and_the_expected_weight(api, app, world, out):
    with app.app_context():
        _weigh_items(world, SKU_1=400)
        _ready(out, world)
    shipper = api.as_("shipper")
    assert shipper.get(f"{BASE}/packaging-types").get_json() == [
        {"code": "BOX-S", "name": "小号纸箱", "name_en": "Small carton", "tare_grams": 150}]
    shown = shipper.get(f"{BASE}/orders/SO-1/expected-weight?packaging=BOX-S").get_json()
    assert (shown["expected_grams"], shown["tolerance_grams"], shown["unweighed"]) == (950, 48, [])
    assert shipper.get(f"{BASE}/orders/SO-1/expected-weight").get_json()["expected_grams"] == 850
    missing = shipper.get(f"{BASE}/orders/SO-1/expected-weight?packaging=CRATE")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "packaging_not_found")
