"""Over HTTP against ``wms serve``: a station weighing and printing blocks no other handheld.

The ship step reads its weight before its transaction and prints its label after it
(the print queue), so while a packing station waits seconds for a swinging parcel to
settle and for a slow printer to answer, another user's stock move goes through at
once, on the SQLite file as on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from devices.simulators.printer import PrinterSimulator
from devices.simulators.scale import ScaleSimulator
from tests.server.conftest import wait_for

pytestmark = pytest.mark.slow

BASE = "/api/v1/shipping"
#: A move that waited on the station's transaction would take the devices' seconds.
QUICK = 1.0
SETTLE, PRINTER_ANSWER = 2.5, 2.5


def _own_stock(served) -> list[dict]:
    rows = served.as_("supervisor").get("/api/v1/stock", params={"page_size": 100}).json()
    # The served database is shared with the fuzzing run, which may leave a bin holding
    # more than a count may report: take the demo's ordinary stock.
    return [r for r in rows if r["owner_code"] == "OWN" and 3 <= r["available"] and r["quantity"] <= 100_000
            and r["location_code"].startswith(("A", "B", "C", "D"))]


def _ordinary_everywhere(served, sku: str) -> bool:
    """No bin of the item holds more than a count may report (allocation may pick any bin)."""
    rows = served.as_("supervisor").get("/api/v1/stock", params={"item": sku, "page_size": 100}).json()
    return all(r["quantity"] <= 100_000 for r in rows)


def _order_ready_to_ship(served, sku: str) -> str:
    number = f"SLOW-{uuid.uuid4().hex[:6]}"
    created = served.as_("clerk").post(f"{BASE}/orders", json={
        "number": number, "recipient_name": "张三丰", "recipient_phone": "13800138000",
        "recipient_address": "浙江省杭州市西湖区文三路1号", "lines": [{"item": sku, "quantity": 1}]})
    assert created.status_code == 201, created.text
    assert served.as_("supervisor").post(f"{BASE}/orders/{number}/approve").status_code == 200
    assert served.as_("supervisor").post(f"{BASE}/orders/{number}/allocate").json()["fully_allocated"]
    for task in served.as_("picker").get(f"{BASE}/orders/{number}/pick-list").json():
        [book] = served.as_("supervisor").get("/api/v1/stock", params={
            "item": task["sku"], "location": task["location"], "lot": task["lot"], "owner": "OWN"}).json()
        counted = served.as_("picker").post(f"{BASE}/tasks/{task['task_id']}/count", json={
            "location": task["location"], "item": task["sku"], "lot": task["lot"],
            "counted_quantity": book["quantity"]})
        assert counted.json()["status"] == "counted", counted.text
        verified = served.as_("shipper").post(f"{BASE}/orders/{number}/verify-scans", json={
            "item": task["sku"], "lot": task["lot"], "quantity": task["quantity"]})
        assert verified.status_code == 201, verified.text
    return number


def test_a_stock_move_goes_through_while_a_station_weighs_and_prints_a_parcel(served):
    scale = ScaleSimulator("mt-sics", "tcp", stability_timeout=10)
    scale.set_weight("2.345", stable=False)  # the parcel still swings on the pan
    scale.start()
    printer = PrinterSimulator("zpl", "tcp", answer_delay=PRINTER_ANSWER).start()
    try:
        code = f"SLOW-{uuid.uuid4().hex[:4]}"
        warehouse = served.as_("admin").get("/api/v1/warehouses").json()[0]["id"]
        made = served.as_("admin").post("/api/v1/stations", json={
            "code": code, "name": "慢打包台", "kind": "packing", "warehouse_id": warehouse,
            "scale_url": scale.url, "scale_protocol": "mt-sics", "printer_url": printer.url,
            "printer_language": "zpl", "printer_options": {"timeout": 8}})
        assert made.status_code == 201, made.text
        stock = _own_stock(served)
        shipped_sku = next(r["sku"] for r in stock if _ordinary_everywhere(served, r["sku"]))
        number = _order_ready_to_ship(served, shipped_sku)
        # The simulated parcel (2.345 kg) is far from what one unit should weigh: a
        # supervisor accepts the measured weight, as at a real station.
        accepted = served.as_("supervisor").post(f"{BASE}/orders/{number}/weight-override",
                                                 json={"reason": "gift box, heavier than its contents"})
        assert accepted.status_code == 201, accepted.text
        mover = next(r for r in stock if r["sku"] != shipped_sku)
        target = next(r["location_code"] for r in stock if r["location_code"] != mover["location_code"])
        move = {"item": mover["sku"], "from_location": mover["location_code"], "to_location": target,
                "quantity": 1, "lot": mover["lot_code"], "owner": "OWN"}

        answer: dict = {}
        handover = {"carrier": "SF", "tracking_number": f"SF{uuid.uuid4().int % 10**13:013d}", "station": code,
                    "shipper_signature": "王", "carrier_signature": "李"}
        shipper = served.as_("shipper")
        ship = threading.Thread(target=lambda: answer.update(
            response=shipper.post(f"{BASE}/orders/{number}/ship", json=handover)))
        threading.Timer(SETTLE, scale.set_stable, [True]).start()
        ship.start()
        writes = []
        time.sleep(0.8)  # the station is waiting for the parcel to settle
        for phase in ("weighing", "printing"):
            if phase == "printing":
                wait_for(lambda: any(j["state"] == "printing" for j in served.as_("shipper").get(
                    f"/api/v1/stations/{code}/print-jobs").json()), 10, "the label to reach the printer")
            started = time.monotonic()
            moved = served.as_("picker").post("/api/v1/stock/moves", json=move)
            writes.append((phase, moved.status_code, round(time.monotonic() - started, 2), ship.is_alive()))
        ship.join(30)
        shipped = answer["response"]
        assert shipped.status_code == 200, shipped.text
        assert all(status == 201 for _, status, _, _ in writes), writes
        assert all(busy for *_, busy in writes), writes  # both moves ran while the station worked
        assert all(seconds < QUICK for _, _, seconds, _ in writes), writes
        body = shipped.json()
        assert (body["weight_grams"], body["weight_source"], body["station"]) == (2345, "scale", code)
        job = served.as_("shipper").get(f"/api/v1/print-jobs/{body['label_job']['id']}").json()
        assert (job["state"], job["attempts"]) == ("printed", 1)
        label = printer.wait_for_jobs(1)[0]
        assert b"138****8000" in label and b"13800138000" not in label
    finally:
        scale.stop()
        printer.stop()
