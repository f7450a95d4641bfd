"""Outbound reconciliation (rule L3, S2): shipments against the ledger's deductions, and against
the shop's orders.

The pure matching first, then the service on shipments made through the real steps.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from tests.factories import stock_in
from tests.wms.reconciliation.conftest import bill_csv
from tests.wms.shipping.conftest import Outbound
from wms.domain.reconciliation_matching import (
    Deduction,
    OutboundShipment,
    ShopOrder,
    match_deductions,
    match_shop_orders,
    shop_order_of,
)
from wms.errors import InvalidInput, ReconciliationFileRejected
from wms.extensions import db
from wms.models import LedgerEntry, MovementKind
from wms.models.reconciliation import ReconciliationDifference, ReconciliationRun
from wms.services.reconciliation import change_status
from wms.services.reconciliation.outbound import reconcile_outbound
from wms.services.stock import StockChange, post_movement
from wms.services.stock.corrections import reverse_movement
from wms.services.uow import transaction
from wms.services.warehouse_day import warehouse_today

DAY = date(2026, 11, 3)


def _shipment(number, units, kind="sale", tracking=None):
    return OutboundShipment(number, kind, "SF", tracking or f"SF{number}", DAY, units)


def test_l3_every_shipped_parcel_has_exactly_its_deduction():
    shipments = [_shipment("SO-1", {"SKU-1": 2}), _shipment("SO-2", {"SKU-1": 1}), _shipment("SO-3", {"SKU-2": 1}),
                 _shipment("SO-4", {"SKU-1": 1})]
    deductions = [
        Deduction("SO-1", ("M1",), {"SKU-1": 2}, DAY),  # agrees
        Deduction("SO-2", ("M2",), {"SKU-1": 3}, DAY),  # deducted more than shipped
        Deduction("SO-3", ("M3", "M4"), {"SKU-2": 1}, DAY),  # two movements in force
        Deduction("SO-9", ("M9",), {"SKU-1": 1}, DAY),  # no handover at all
        Deduction("SO-8", ("M8",), {"SKU-1": 0}, DAY),  # deducted and fully reversed: nothing left
    ]
    found = {(f.type, f.match_key) for f in match_deductions(shipments, deductions)}
    assert found == {("deduction_mismatch", "SO-2"), ("deduction_mismatch", "SO-3"),
                     ("deduction_mismatch", "SO-4"), ("deducted_without_handover", "SO-9")}


def test_l3_shop_orders_against_shipments():
    shop = [ShopOrder("SO-1", {"SKU-1": 1}), ShopOrder("SO-2", {"SKU-1": 1}), ShopOrder("SO-3", {"SKU-1": 1}),
            ShopOrder("SO-5", {"SKU-1": 1}), ShopOrder("SO-6", {"SKU-1": 1})]
    shipments = [_shipment("SO-1", {"SKU-1": 1}), _shipment("SO-3", {"SKU-1": 1}),
                 _shipment("SO-4", {"SKU-1": 1}), _shipment("EX-1", {"SKU-1": 1}, kind="exchange"),
                 _shipment("SO-6", {"SKU-1": 1}), _shipment("SO-6-2", {"SKU-1": 1})]
    found = {(f.type, f.match_key) for f in match_shop_orders(shop, shipments, {"SO-3": 1, "SO-5": 1})}
    # SO-3 shipped before the cycle and again in it; SO-6 again as document SO-6-2.
    assert found == {("ordered_not_shipped", "SO-2"), ("shipped_twice", "SO-3"), ("shipped_twice", "SO-6"),
                     ("shipped_not_ordered", "SO-4")}


def test_l3_a_document_numbered_after_a_shop_order_is_a_further_parcel_of_it():
    assert shop_order_of("SO-1-2", {"SO-1"}) == "SO-1"
    assert shop_order_of("SO-1-2", {"SO-1", "SO-1-2"}) == "SO-1-2"
    assert shop_order_of("SO-12", {"SO-1"}) == "SO-12"


# --- the service: shipments made through the real steps ----------------------------------------


@pytest.fixture
def shipped(ctx, world):
    """SO-1 clean; SO-2's deduction reversed; SO-3 approved, never shipped; SO-4 shipped, not
    in the shop's export; SO-5 shipped, and again as SO-5-2; SO-9 deducted without a handover."""
    out = Outbound(world)
    stock_in(world, "SKU-1", 10, "A-01-01")
    results = {}
    for number in ("SO-1", "SO-2", "SO-4", "SO-5", "SO-5-2"):
        out.order(number, [("SKU-1", 1)])
        out.ready_to_ship(number)
        results[number] = out.ship(number)
    out.order("SO-3", [("SKU-1", 1)])
    reverse_movement(world.user("supervisor"), results["SO-2"].movement_id, "scanned twice")
    lot = db.session.execute(sa.select(LedgerEntry.lot_id).where(LedgerEntry.kind == "ship")).scalars().first()
    with transaction():
        post_movement(world.user("admin"), MovementKind.SHIP,
                      [StockChange(world.items["SKU-1"], lot, world.owners["OWN"], world.place("A-01-01"),
                                   world.place("CUS"), 1)], document_type="sales_order", document_id="SO-9")
    return world


SHOP_HEADER = ["订单号", "商品编码", "数量", "实付金额"]
SHOP_ROWS = [["SO-1", "SKU-1", 1, "19.90"], ["SO-2", "SKU-1", 1, "19.90"], ["SO-3", "SKU-1", 1, "19.90"],
             ["SO-5", "SKU-1", 1, "19.90"]]


def _outbound_stored():
    return {(d.party, d.type, d.match_key): d for d in db.session.execute(
        sa.select(ReconciliationDifference).where(ReconciliationDifference.kind == "outbound")).scalars()}


def test_l3_outbound_finds_exactly_its_differences_and_reruns_keep_resolutions(shipped):
    clerk = shipped.user("clerk")
    cycle = warehouse_today().isoformat()
    orders = ("shop.csv", bill_csv(SHOP_HEADER, SHOP_ROWS))
    result = reconcile_outbound(clerk, cycle=cycle, orders_file=orders)
    assert result["ledger"]["summary"]["by_type"] == {"deducted_without_handover": 1, "deduction_mismatch": 1}
    stored = _outbound_stored()
    assert set(stored) == {
        ("ledger", "deduction_mismatch", "SO-2"), ("ledger", "deducted_without_handover", "SO-9"),
        ("shop", "ordered_not_shipped", "SO-3"), ("shop", "shipped_twice", "SO-5"),
        ("shop", "shipped_not_ordered", "SO-4"),
    }
    mismatch = stored[("ledger", "deduction_mismatch", "SO-2")]
    assert (mismatch.evidence["shipped_units"], mismatch.evidence["deducted_units"]) == ({"SKU-1": 1}, {})
    twice = stored[("shop", "shipped_twice", "SO-5")]
    assert len(twice.evidence["parcels"]) == 2
    change_status(clerk, stored[("shop", "ordered_not_shipped", "SO-3")].id, "explained", "缺货，明天发")

    # The same cycle again, and once without the shop's export: nothing changes.
    again = reconcile_outbound(clerk, cycle=cycle, orders_file=orders)
    assert (again["shop"]["summary"]["new"], again["shop"]["summary"]["closed"]) == (0, 0)
    ledger_only = reconcile_outbound(clerk, cycle=cycle)
    assert "shop" not in ledger_only and ledger_only["ledger"]["summary"]["closed"] == 0
    db.session.expire_all()
    after = _outbound_stored()
    assert set(after) == set(stored)
    explained = after[("shop", "ordered_not_shipped", "SO-3")]
    assert (explained.status, explained.note) == ("explained", "缺货，明天发")


def test_l3_a_bad_shop_export_is_refused_and_writes_nothing(shipped):
    bad = ("shop.csv", bill_csv(["商品编码", "数量"], [["SKU-1", 1]]))
    with pytest.raises(ReconciliationFileRejected) as refused:
        reconcile_outbound(shipped.user("clerk"), cycle=warehouse_today().isoformat(), orders_file=bad)
    assert refused.value.details["reason"] == "missing_columns"
    differing = ("shop.csv", bill_csv(SHOP_HEADER, [["SO-1", "SKU-1", 1, "10"], ["SO-1", "SKU-2", 1, "12"]]))
    with pytest.raises(ReconciliationFileRejected) as refused:
        reconcile_outbound(shipped.user("clerk"), cycle=warehouse_today().isoformat(), orders_file=differing)
    assert refused.value.details["rows"] == [
        {"row": 3, "field": "amount", "problem": "differs from the order's first row"}]
    assert db.session.execute(sa.select(sa.func.count()).select_from(ReconciliationRun)).scalar_one() == 0


def test_l3_a_bad_cycle_is_refused(shipped):
    with pytest.raises(InvalidInput):
        reconcile_outbound(shipped.user("clerk"), cycle="November")


def test_l3_outbound_through_the_api_with_and_without_the_shop_export(api, app, world):
    clerk = api.as_("clerk")
    with app.app_context():
        cycle = warehouse_today().isoformat()
    ledger_only = clerk.post("/api/v1/reconciliation/outbound", data={"cycle": cycle},
                             content_type="multipart/form-data")
    assert ledger_only.status_code == 201, ledger_only.get_json()
    assert ledger_only.get_json()["shop"] is None
    shop = bill_csv(SHOP_HEADER, [["SO-77", "SKU-1", 1, "5.00"]])
    both = clerk.post("/api/v1/reconciliation/outbound", data={"cycle": cycle, "orders": (io.BytesIO(shop), "s.csv")},
                      content_type="multipart/form-data")
    assert both.status_code == 201, both.get_json()
    assert both.get_json()["shop"]["summary"]["by_type"] == {"ordered_not_shipped": 1}


def test_l3_the_outbound_command_prints_both_runs_and_a_rerun_adds_nothing(app, runner, world, tmp_path):
    with app.app_context():
        cycle = warehouse_today().isoformat()
    orders = tmp_path / "shop.csv"
    orders.write_bytes(bill_csv(SHOP_HEADER, [["SO-77", "SKU-1", 1, "5.00"]]))
    result = runner.invoke(args=["reconcile", "outbound", "--cycle", cycle, "--orders", str(orders)])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert ["ordered_not_shipped", "1"] in lines and ["deduction_mismatch", "0"] in lines
    again = runner.invoke(args=["reconcile", "outbound", "--cycle", cycle, "--orders", str(orders)])
    assert again.output.splitlines()[-1] == "new 0, kept 1, closed 0, reopened 0"
    bad = runner.invoke(args=["reconcile", "outbound", "--cycle", "soon"])
    assert bad.exit_code == 1 and "invalid_input" in bad.output
