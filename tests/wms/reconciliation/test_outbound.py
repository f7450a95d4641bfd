"""Outbound reconciliation (rule L3, S2): shipments against the ledger's deductions, and against
the shop's orders.

The pure matching first, then the service on shipments made through the real steps.
"""

from __future__ import annotations

from datetime import date

from wms.domain.reconciliation_matching import (
    Deduction,
    OutboundShipment,
    ShopOrder,
    match_deductions,
    match_shop_orders,
)

DAY = date(2026, 11, 3)


def _shipment(number, units, kind="sale", tracking=None):
    return OutboundShipment(number, kind, "SF", tracking or f"SF{number}", DAY, units)


def test_l3_every_shipped_parcel_has_exactly_its_deduction():
    shipments = [_shipment("SO-1", {"SKU-1": 2}), _shipment("SO-2", {"SKU-1": 1}), _shipment("SO-3", {"SKU-2": 1}),
                 _shipment("SO-4", {"SKU-1": 1})]
    deductions = [
        Deduction("SO-1", ("M1",), {"SKU-1": 2}, DAY),  # agrees
        Deduction("SO-2", ("M2",), {"SKU-1": 3}, DAY),  # deducted more than shipped
        Deduction("SO-3", ("M3", "M4"), {"SKU-2": 1}, DAY),  # two movements (netted by a reversal)
        Deduction("SO-9", ("M9",), {"SKU-1": 1}, DAY),  # no handover at all
        Deduction("SO-8", ("M8",), {"SKU-1": 0}, DAY),  # deducted and fully reversed: nothing left
    ]
    found = {(f.type, f.match_key) for f in match_deductions(shipments, deductions)}
    assert found == {("deduction_mismatch", "SO-2"), ("deduction_mismatch", "SO-3"),
                     ("deduction_mismatch", "SO-4"), ("deducted_without_handover", "SO-9")}


def test_l3_shop_orders_against_shipments():
    shop = [ShopOrder("SO-1", {"SKU-1": 1}), ShopOrder("SO-2", {"SKU-1": 1}), ShopOrder("SO-3", {"SKU-1": 1}),
            ShopOrder("SO-5", {"SKU-1": 1})]
    shipments = [_shipment("SO-1", {"SKU-1": 1}), _shipment("SO-3", {"SKU-1": 1}),
                 _shipment("SO-4", {"SKU-1": 1}), _shipment("EX-1", {"SKU-1": 1}, kind="exchange")]
    found = {(f.type, f.match_key) for f in match_shop_orders(shop, shipments, {"SO-3": 1, "SO-5": 1})}
    assert found == {("ordered_not_shipped", "SO-2"), ("shipped_twice", "SO-3"), ("shipped_not_ordered", "SO-4")}
