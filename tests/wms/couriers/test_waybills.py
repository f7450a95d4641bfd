"""Electronic waybills from the local provider: numbers that fit, once per order, nothing
written when the provider is down."""

from __future__ import annotations

import re
import socket

import sqlalchemy as sa

from tests.wms.couriers.conftest import BASE
from wms.domain.couriers import PRESET_BY_CODE
from wms.extensions import db
from wms.models import Courier, IdempotencyRecord, Waybill


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_local_numbers_fit_their_couriers_pattern_and_are_never_given_twice(api, out, world):
    numbers = []
    for n, code in enumerate(["SF", "ZTO", "YTO", "STO", "YUNDA", "JT", "EMS", "JD", "SF", "SF", "JD"]):
        number = out.order(f"SO-{n}", [("SKU-1", 1)])
        response = api.as_("shipper").post(f"{BASE}/orders/{number}/waybill", json={"courier": code}, key=f"w-{n}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert (body["courier"], body["provider"], body["issued_by"]) == (code, "local", "shipper")
        assert re.fullmatch(PRESET_BY_CODE[code].tracking_pattern, body["tracking_number"])
        numbers.append((code, body["tracking_number"]))
    assert len(set(numbers)) == len(numbers)
    assert db.session.execute(sa.select(Courier.local_waybill_counter).where(Courier.code == "SF")).scalar_one() == 3


def test_a_waybill_is_issued_once_and_every_later_call_answers_it(api, out):
    out.order("SO-1", [("SKU-1", 1)])
    first = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="k-1")
    assert first.status_code == 200, first.get_json()
    retry = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="k-1")
    assert retry.get_json() == first.get_json() and retry.headers["Idempotent-Replayed"] == "true"
    reprint = api.as_("supervisor").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "sf"}, key="k-2")
    assert reprint.get_json()["tracking_number"] == first.get_json()["tracking_number"]
    shown = api.as_("shipper").get(f"{BASE}/orders/SO-1/waybill")
    assert shown.get_json() == first.get_json()
    assert _count(Waybill) == 1
    assert db.session.execute(sa.select(Courier.local_waybill_counter).where(Courier.code == "SF")).scalar_one() == 1
    other = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "ZTO"}, key="k-3")
    assert (other.status_code, other.get_json()["code"]) == (409, "waybill_mismatch")


def test_who_may_issue_and_for_which_orders(api, out):
    out.order("SO-1", [("SKU-1", 1)])
    out.order("SO-DRAFT", [("SKU-1", 1)], approve=False)
    picker = api.as_("picker").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="p-1")
    assert (picker.status_code, picker.get_json()["code"]) == (403, "permission_denied")
    for number, courier, status, code in (("SO-DRAFT", "SF", 409, "order_state_invalid"),
                                          ("NO-SUCH", "SF", 404, "order_not_found"),
                                          ("SO-1", "顺丰", 422, "unknown_courier")):
        response = api.as_("shipper").post(f"{BASE}/orders/{number}/waybill", json={"courier": courier},
                                           key=f"x-{number}-{courier}")
        assert (response.status_code, response.get_json()["code"]) == (status, code), response.get_json()
    missing = api.as_("shipper").get(f"{BASE}/orders/SO-1/waybill")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "waybill_not_found")
    assert _count(Waybill) == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_provider_that_is_down_leaves_nothing_written_and_says_when_to_retry(api, app, out):
    out.order("SO-1", [("SKU-1", 1)])
    db.session.execute(sa.update(Courier).where(Courier.code == "SF").values(
        waybill_provider="kdniao", waybill_settings={"kdniao": {"shipper_code": "SF"}}))
    db.session.commit()
    app.config.update(KDNIAO_URL=f"http://127.0.0.1:{_closed_port()}/api/EOrderService",
                      KDNIAO_EBUSINESS_ID="1237100", KDNIAO_APP_KEY="key", WAYBILL_TIMEOUT_SECONDS=1)
    records = _count(IdempotencyRecord)
    for _attempt in range(2):  # the same key again: asked again, not answered from a record
        response = api.as_("shipper").post(f"{BASE}/orders/SO-1/waybill", json={"courier": "SF"}, key="down-1")
        assert (response.status_code, response.get_json()["code"]) == (503, "waybill_provider_unavailable")
        assert response.headers["Retry-After"] == "30"
        assert "Idempotent-Replayed" not in response.headers
    assert _count(Waybill) == 0 and _count(IdempotencyRecord) == records
