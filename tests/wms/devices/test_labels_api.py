"""Printing labels through the API on a real printer simulator; exact bytes compared."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from devices.printers import tspl, zpl
from devices.printers.labels import BinLabel, LotLabel, ShippingLabel
from tests.factories import GTIN_1

BUILDERS = {"zpl": zpl, "tspl": tspl}
STATUS = {"zpl": b"~HS", "tspl": b"\x1b!?"}


def received(sim, size: int, timeout: float = 2.0) -> bytes:
    """What the simulator received, once ``size`` bytes are in (it reads in its own thread)."""
    deadline = time.monotonic() + timeout
    while len(sim.received) < size and time.monotonic() < deadline:
        time.sleep(0.01)
    return bytes(sim.received)


def printer_station(make_station, sim, **options):
    return make_station(printer_url=sim.url, printer_language=sim.language, printer_options=options)["code"]


@pytest.mark.parametrize("language", ["zpl", "tspl"])
def test_lot_label_bytes_reach_the_printer_exactly(api, make_station, simulators, transport, language):
    sim = simulators.printer(language, transport)
    code = printer_station(make_station, sim)
    gtin = "0" + GTIN_1
    response = api.as_("receiver").post(f"/api/v1/stations/{code}/labels", key="lbl-1", json={
        "label": "lot",
        "data": {"gtin": gtin, "lot": "L2026-42", "expiry": "2027-03-01", "description": "保温杯 500ml",
                 "quantity": "24"},
    })
    body = response.get_json()
    assert response.status_code == 202, body
    job = BUILDERS[language].lot_label(
        LotLabel(gtin, "L2026-42", dt.date(2027, 3, 1), "保温杯 500ml", "24"))
    assert sim.wait_for_jobs(1) == [job.strip(b"\r\n") + (b"\r\n" if language == "tspl" else b"")]
    assert received(sim, len(STATUS[language] + job)) == STATUS[language] + job  # status, then the job
    assert body["bytes"] == len(job) and body["language"] == language and body["label"] == "lot"
    assert body["printer_url"] == sim.url and len(body["sha256"]) == 64

    # A PDA retrying after lost Wi-Fi must not print the label twice.
    replay = api.as_("receiver").post(f"/api/v1/stations/{code}/labels", key="lbl-1", json={
        "label": "lot",
        "data": {"gtin": gtin, "lot": "L2026-42", "expiry": "2027-03-01", "description": "保温杯 500ml",
                 "quantity": "24"},
    })
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == body
    assert len(sim.wait_for_jobs(2, timeout=0.3)) == 1


def test_bin_and_shipping_labels_with_copies(api, make_station, simulators):
    sim = simulators.printer("zpl", "tcp")
    code = printer_station(make_station, sim, check_status=False)
    shipper = api.as_("shipper")
    bin_job = shipper.post(f"/api/v1/stations/{code}/labels", json={
        "label": "bin", "data": {"location": "A-01-01", "zone": "A"}, "copies": 2})
    assert bin_job.status_code == 202, bin_job.get_json()
    # The simulator serves the newest connection: let it read this one to the end first.
    bin_bytes = zpl.bin_label(BinLabel("A-01-01", "A"))
    assert received(sim, 2 * len(bin_bytes)) == bin_bytes * 2
    ship = shipper.post(f"/api/v1/stations/{code}/labels", json={
        "label": "shipping", "data": {
            "tracking": "SF1234567890", "carrier": "顺丰", "recipient_name": "张三",
            "recipient_phone": "13800138000", "recipient_address": "浙江省杭州市西湖区文三路 1 号"}})
    assert ship.status_code == 202, ship.get_json()
    # the WMS masks once, with the API's rule; the printer gets exactly that text
    ship_bytes = zpl.shipping_label(ShippingLabel("SF1234567890", "顺丰", "张*", "138****8000", "浙江省杭州市****"))
    jobs = sim.wait_for_jobs(3)
    assert received(sim, len(bin_bytes * 2 + ship_bytes)) == bin_bytes * 2 + ship_bytes
    assert len(jobs) == 3 and "张*".encode() in jobs[2] and b"13800138000" not in jobs[2]


def test_a_job_for_a_printer_out_of_paper_fails_with_its_error_and_prints_on_retry(api, make_station, simulators):
    sim = simulators.printer("zpl", "tcp")
    sim.paper_out = True
    code = printer_station(make_station, sim)
    response = api.as_("shipper").post(f"/api/v1/stations/{code}/labels", key="lbl-paper", json={
        "label": "bin", "data": {"location": "A-01-01"}})
    assert (response.status_code, response.get_json()["state"]) == (202, "queued")
    job_id = response.get_json()["id"]
    failed = api.as_("shipper").get(f"/api/v1/print-jobs/{job_id}").get_json()
    assert (failed["state"], failed["error_code"], failed["attempts"]) == ("failed", "printer_not_ready", 1)
    assert sim.jobs == []
    listed = api.as_("shipper").get(f"/api/v1/stations/{code}/print-jobs?state=failed").get_json()
    assert [j["id"] for j in listed] == [job_id]
    unknown = api.as_("shipper").get("/api/v1/stations/NOPE/print-jobs")  # no station, not an empty queue
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "station_not_found")
    sim.paper_out = False
    retried = api.as_("shipper").post(f"/api/v1/print-jobs/{job_id}/retry")
    assert retried.status_code == 202, retried.get_json()
    assert len(sim.wait_for_jobs(1)) == 1
    printed = api.as_("shipper").get(f"/api/v1/print-jobs/{job_id}").get_json()
    assert (printed["state"], printed["attempts"], printed["error_code"]) == ("printed", 2, None)
    again = api.as_("shipper").post(f"/api/v1/print-jobs/{job_id}/retry")
    assert (again.status_code, again.get_json()["code"]) == (409, "illegal_transition")


def test_a_printer_that_is_off_leaves_the_job_failed_and_the_next_job_sends_it_first(
        api, make_station, simulators):
    sim = simulators.printer("zpl", "tcp")
    url = sim.url
    sim.stop()
    code = make_station(printer_url=url, printer_language="zpl")["code"]
    first = api.as_("shipper").post(f"/api/v1/stations/{code}/labels", json={
        "label": "bin", "data": {"location": "A-01-01"}}).get_json()
    state = api.as_("shipper").get(f"/api/v1/print-jobs/{first['id']}").get_json()
    assert (state["state"], state["error_code"]) == ("failed", "device_disconnected")
    back = simulators.printer("zpl", "tcp", port=int(url.rsplit(":", 1)[1]))
    second = api.as_("shipper").post(f"/api/v1/stations/{code}/labels", json={
        "label": "bin", "data": {"location": "B-01-01"}}).get_json()
    jobs = back.wait_for_jobs(2)
    assert [b"A-01-01" in jobs[0], b"B-01-01" in jobs[1]] == [True, True]  # the older job first
    for job_id in (first["id"], second["id"]):
        assert api.as_("shipper").get(f"/api/v1/print-jobs/{job_id}").get_json()["state"] == "printed"


def test_label_data_is_checked(api, make_station, simulators):
    sim = simulators.printer("zpl", "tcp")
    code = printer_station(make_station, sim)
    caller = api.as_("receiver")
    missing = caller.post(f"/api/v1/stations/{code}/labels", json={"label": "lot", "data": {"lot": "L1"}})
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]["json"]["data"]) == {"gtin", "expiry"}
    wrong_digit = caller.post(f"/api/v1/stations/{code}/labels", json={
        "label": "lot", "data": {"gtin": "09501101530004", "lot": "L1", "expiry": "2027-01-01"}})
    assert (wrong_digit.status_code, wrong_digit.get_json()["code"]) == (422, "label_error")
    unknown = caller.post(f"/api/v1/stations/{code}/labels", json={"label": "pallet", "data": {}})
    assert unknown.status_code == 422
    assert sim.jobs == []


def test_station_without_printer(api, make_station):
    code = make_station()["code"]
    response = api.as_("shipper").post(f"/api/v1/stations/{code}/labels", json={
        "label": "bin", "data": {"location": "A-01-01"}})
    assert (response.status_code, response.get_json()["code"]) == (409, "station_device_missing")


def test_clerk_cannot_print(api, make_station):
    code = make_station()["code"]
    response = api.as_("clerk").post(f"/api/v1/stations/{code}/labels", json={
        "label": "bin", "data": {"location": "A-01-01"}})
    assert response.status_code == 403
