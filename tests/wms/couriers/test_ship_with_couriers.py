"""The ship step names a courier from master data: an active courier's code and a tracking
number fitting its pattern, or the order's electronic waybill."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.wms.couriers.conftest import BASE, HANDOVER
from wms.errors import InvalidInput, TrackingNumberInvalid, UnknownCourier, WaybillMismatch
from wms.extensions import db
from wms.models import Courier, Handover
from wms.services import waybills


def test_free_text_carriers_are_unknown_couriers(out, ready):
    ready("SO-1")
    for carrier in ("顺丰速运", "顺丰", "DHL"):
        with pytest.raises(UnknownCourier) as refused:
            out.ship("SO-1", carrier=carrier, tracking_number="SF1234567890123")
        assert refused.value.details["code"] == carrier
    assert out.stage("SO-1") == "verified"


def test_an_inactive_courier_is_unknown_to_the_ship_step(out, ready):
    ready("SO-1")
    db.session.execute(sa.update(Courier).where(Courier.code == "ZTO").values(active=False))
    db.session.commit()
    with pytest.raises(UnknownCourier):
        out.ship("SO-1", carrier="ZTO", tracking_number="731234567890")


def test_a_tracking_number_not_fitting_the_courier_is_refused_naming_both(out, ready):
    ready("SO-1")
    with pytest.raises(TrackingNumberInvalid) as refused:
        out.ship("SO-1", carrier="SF", tracking_number="YT1234567890123")
    assert (refused.value.details["courier"], refused.value.details["tracking_number"]) == ("SF", "YT1234567890123")
    assert db.session.execute(sa.select(sa.func.count()).select_from(Handover)).scalar_one() == 0


def test_a_courier_code_in_any_case_is_recorded_as_the_code(out, ready):
    ready("SO-1")
    out.ship("SO-1", carrier=" yto ", tracking_number="YT1234567890123")
    assert db.session.execute(sa.select(Handover.carrier)).scalar_one() == "YTO"


def test_without_a_waybill_the_courier_and_number_are_needed(out, ready):
    ready("SO-1")
    with pytest.raises(InvalidInput):
        out.ship("SO-1", carrier=None, tracking_number=None)


def test_with_a_waybill_the_ship_step_takes_its_courier_and_number(out, ready, world):
    ready("SO-1")
    issued = waybills.issue_waybill(world.user("shipper"), "SO-1", "JT")
    result = out.ship("SO-1", carrier=None, tracking_number=None)
    handover = db.session.execute(sa.select(Handover)).scalar_one()
    assert (handover.carrier, handover.tracking_number) == ("JT", issued["tracking_number"])
    assert result.status == "shipped"


def test_with_a_waybill_another_courier_or_number_is_refused(out, ready, world):
    ready("SO-1")
    issued = waybills.issue_waybill(world.user("shipper"), "SO-1", "SF")
    with pytest.raises(WaybillMismatch):
        out.ship("SO-1", carrier="ZTO", tracking_number=None)
    with pytest.raises(WaybillMismatch):
        out.ship("SO-1", carrier="SF", tracking_number="SF9999999999999")
    out.ship("SO-1", carrier="SF", tracking_number=issued["tracking_number"])  # the same is fine


def test_the_ship_steps_refusals_reach_the_handheld_with_their_codes(api, out, ready):
    ready("SO-1")
    for body, status, code in (
        ({"carrier": "顺丰速运", "tracking_number": "SF1234567890123"}, 422, "unknown_courier"),
        ({"carrier": "SF", "tracking_number": "SF-123"}, 422, "tracking_number_invalid"),
        ({}, 422, "invalid_input"),
    ):
        response = api.as_("shipper").post(f"{BASE}/orders/SO-1/ship", json={**HANDOVER, **body})
        assert (response.status_code, response.get_json()["code"]) == (status, code), response.get_json()
    named = api.as_("shipper").post(f"{BASE}/orders/SO-1/ship", json={
        **HANDOVER, "carrier": "SF", "tracking_number": "SF-123"}).get_json()
    assert named["message"] == "SF-123 不是 SF 的运单号。"


def test_a_number_typed_for_one_parcel_and_a_waybill_of_another_never_collide(out, ready, world):
    """The local provider passes over a number already typed in for a parcel of its courier,
    and the ship step refuses a typed number that is another order's waybill: either way
    one of the two orders could never ship."""
    from wms.errors import TrackingNumberTaken

    ready("SO-1")
    ready("SO-2")
    ready("SO-3")
    courier = db.session.execute(sa.select(Courier).where(Courier.code == "SF")).scalar_one()
    from wms.domain.couriers import local_tracking_number

    upcoming = local_tracking_number(courier, courier.waybill_settings or {}, courier.local_waybill_counter + 1)
    db.session.rollback()
    out.ship("SO-1", carrier="SF", tracking_number=upcoming)  # typed in by hand
    issued = waybills.issue_waybill(world.user("shipper"), "SO-2", "SF")
    assert issued["tracking_number"] != upcoming
    with pytest.raises(TrackingNumberTaken) as refused:
        out.ship("SO-3", carrier="SF", tracking_number=issued["tracking_number"])
    assert refused.value.details["order"] == "SO-2"
    out.ship("SO-2", carrier=None, tracking_number=None)  # its own waybill still ships it
    assert out.stage("SO-3") == "verified"
