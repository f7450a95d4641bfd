"""Helpers for the courier and waybill tests: orders walked up to the ship step."""

from __future__ import annotations

import pytest

from tests.factories import stock_in
from tests.wms.shipping.conftest import Outbound

BASE = "/api/v1/shipping"


@pytest.fixture
def out(world, ctx):
    return Outbound(world)


@pytest.fixture
def ready(out, world):
    """``ready("SO-1")``: an approved order counted and verified, waiting for the ship step."""

    def make(number: str = "SO-1") -> str:
        stock_in(world, "SKU-1", 5, "A-01-01")
        out.order(number, [("SKU-1", 1)])
        out.ready_to_ship(number)
        return number

    return make


HANDOVER = {"weight": "1.2", "weight_unit": "kg", "weight_source": "scale",
            "shipper_signature": "王", "carrier_signature": "李"}
