"""Station health per device, and the demo's simulators wired to station PACK-01."""

from __future__ import annotations

import pytest

from wms.demo.devices import DEMO_STATION, running_simulators, start_demo_simulators, stop_demo_simulators


def test_health_reports_each_device(api, make_station, simulators, transport):
    scale = simulators.scale("mt-sics", transport, weight="1", serial_number="B123")
    printer = simulators.printer("tspl", "tcp")
    code = make_station(scale_url=scale.url, scale_protocol="mt-sics",
                        printer_url=printer.url, printer_language="tspl")["code"]
    body = api.as_("picker").get(f"/api/v1/stations/{code}/health").get_json()
    assert body["ok"] is True
    assert [(d["role"], d["kind"], d["ok"]) for d in body["devices"]] == [
        ("scale", "scale:mt-sics", True), ("printer", "printer:tspl", True)]
    assert body["devices"][0]["detail"] == {"serial_number": "B123"}

    printer.paper_out = True
    body = api.as_("picker").get(f"/api/v1/stations/{code}/health").get_json()
    assert body["ok"] is False
    assert body["devices"][1]["code"] == "printer_not_ready"


def test_health_of_unreachable_devices_is_reported_not_raised(api, make_station, simulators):
    scale = simulators.scale("toledo", "tcp", weight="1", paused=True)
    printer = simulators.printer("zpl", "tcp")
    url = printer.url
    printer.stop()
    code = make_station(scale_url=scale.url, scale_protocol="toledo", printer_url=url,
                        scanner_url="/dev/nonexistent-scanner")["code"]
    response = api.as_("picker").get(f"/api/v1/stations/{code}/health?timeout=0.3")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["ok"] is False
    assert [(d["role"], d["code"]) for d in body["devices"]] == [
        ("scale", "device_timeout"), ("printer", "device_disconnected"), ("scanner", "device_disconnected")]
    # each device's trouble is told in the caller's language, from the one catalogue
    from wms.i18n import render

    english = api.client.get(f"/api/v1/stations/{code}/health?timeout=0.3", headers={
        "Authorization": f"Bearer {api.token('picker')}", "Accept-Language": "en"}).get_json()
    for locale, answer in (("zh_CN", body), ("en", english)):
        for device in answer["devices"]:
            assert device["message"] == render(locale, device["code"], device["detail"], ""), device


@pytest.fixture
def demo(app):
    lines = start_demo_simulators(app)
    yield lines
    stop_demo_simulators()


def test_demo_simulators_serve_station_pack_01(demo, api, app):
    scale, printer = running_simulators()
    assert any(scale.url in line for line in demo) and any(printer.url in line for line in demo)
    reading = api.as_("shipper").get(f"/api/v1/stations/{DEMO_STATION}/scale?stable=true").get_json()
    assert (reading["value"], reading["unit"], reading["stable"]) == ("1.250", "kg", True)
    printed = api.as_("shipper").post(f"/api/v1/stations/{DEMO_STATION}/labels", json={
        "label": "bin", "data": {"location": "A-01-01"}})
    assert printed.status_code == 202, printed.get_json()
    assert len(printer.wait_for_jobs(1)) == 1

    # Started again (a second `serve`): same simulators, station updated, no duplicate.
    assert start_demo_simulators(app) == demo
    stations = api.as_("admin").get("/api/v1/stations").get_json()
    assert [s["code"] for s in stations] == [DEMO_STATION]


def test_demo_simulators_stop(app):
    start_demo_simulators(app)
    sims = running_simulators()
    stop_demo_simulators()
    assert running_simulators() == []
    assert all(not sim.connected and sim._thread is None for sim in sims)
