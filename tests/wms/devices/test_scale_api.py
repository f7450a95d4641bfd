"""Reading a station's scale through the API, from a real simulator on TCP or a pty."""

from __future__ import annotations

import threading
import time

import pytest


def scale_station(make_station, sim, protocol="mt-sics", **options):
    return make_station(scale_url=sim.url, scale_protocol=protocol, scale_options=options)["code"]


def test_stable_weight_reaches_the_api_as_a_decimal_string(api, make_station, simulators, transport):
    sim = simulators.scale("mt-sics", transport, weight="12.345")
    code = scale_station(make_station, sim)
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?stable=true")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["value"] == "12.345" and isinstance(body["value"], str)
    assert body["unit"] == "kg" and body["stable"] is True and body["station"] == code


def test_stable_read_waits_for_the_load_to_settle(api, make_station, simulators, transport):
    sim = simulators.scale("mt-sics", transport, weight="0.800", stable=False, stability_timeout=5)
    code = scale_station(make_station, sim)
    timer = threading.Timer(0.3, sim.set_weight, args=("0.820",))
    timer.start()
    try:
        started = time.monotonic()
        response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?stable=true&timeout=3")
    finally:
        timer.join()
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["value"] == "0.820"
    assert 0.25 <= time.monotonic() - started < 3


def test_reading_now_reports_an_unstable_weight_as_such(api, make_station, simulators):
    sim = simulators.scale("toledo", "tcp", weight="3.50", decimals=2, stable=False, interval=0.05)
    code = scale_station(make_station, sim, "toledo")
    body = api.as_("shipper").get(f"/api/v1/stations/{code}/scale").get_json()
    assert body["stable"] is False and body["unit"] == "kg"


@pytest.mark.parametrize("protocol, options", [
    ("toledo", {}), ("xk3190", {"stable_count": 3, "stable_seconds": 0.1}),
])
def test_continuous_protocols_give_a_stable_weight(
        api, make_station, simulators, transport, protocol, options):
    sim = simulators.scale(protocol, transport, weight="7.25", decimals=2, interval=0.03)
    code = scale_station(make_station, sim, protocol, **options)
    body = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?stable=true&timeout=3").get_json()
    assert (body["value"], body["stable"]) == ("7.25", True)


def test_overload_is_a_409_with_its_stable_code(api, make_station, simulators, transport):
    sim = simulators.scale("mt-sics", transport, weight="5", overload=True)
    code = scale_station(make_station, sim)
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?stable=true")
    body = response.get_json()
    assert response.status_code == 409
    assert body["code"] == "scale_overload" and body["status"] == 409
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["errors"]["url"] == sim.url


def test_underload_is_a_409(api, make_station, simulators):
    sim = simulators.scale("toledo", "tcp", weight="-1", decimals=2, interval=0.03, underload=True)
    code = scale_station(make_station, sim, "toledo")
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale")
    assert (response.status_code, response.get_json()["code"]) == (409, "scale_underload")


def test_a_load_that_never_settles_is_scale_unstable(api, make_station, simulators, transport):
    sim = simulators.scale("mt-sics", transport, weight="2", stable=False, stability_timeout=0.2)
    code = scale_station(make_station, sim)
    started = time.monotonic()
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?stable=true&timeout=0.8")
    assert (response.status_code, response.get_json()["code"]) == (409, "scale_unstable")
    assert time.monotonic() - started < 3  # bounded by the timeout asked for


def test_a_silent_scale_is_a_504_timeout(api, make_station, simulators, transport):
    sim = simulators.scale("toledo", transport, weight="1", decimals=2, paused=True)  # silent indicator
    code = scale_station(make_station, sim, "toledo")
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?timeout=0.5")
    assert (response.status_code, response.get_json()["code"]) == (504, "device_timeout")


def test_a_scale_that_is_gone_is_a_503(api, make_station, simulators):
    sim = simulators.scale("mt-sics", "tcp", weight="1")
    url = sim.url
    sim.stop()  # nobody listens on the port any more: the serial server is off
    code = make_station(scale_url=url, scale_protocol="mt-sics")["code"]
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?timeout=0.5")
    assert (response.status_code, response.get_json()["code"]) == (503, "device_disconnected")


def test_a_corrupt_frame_is_a_422(api, make_station, simulators):
    sim = simulators.scale("toledo", "tcp", weight="1", decimals=2, interval=0.03, corrupt_checksum=True)
    code = scale_station(make_station, sim, "toledo")
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?timeout=1")
    assert (response.status_code, response.get_json()["code"]) == (422, "checksum_error")


def test_timeouts_are_bounded_by_the_service(api, make_station, simulators, app):
    app.config["STATION_MAX_DEVICE_TIMEOUT"] = 0.3
    sim = simulators.scale("mt-sics", "tcp", weight="2", stable=False, stability_timeout=30)
    code = scale_station(make_station, sim)
    started = time.monotonic()
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale?stable=true&timeout=60")
    assert response.get_json()["code"] == "scale_unstable"
    assert time.monotonic() - started < 2


def test_station_without_a_scale(api, make_station):
    code = make_station()["code"]
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale")
    assert (response.status_code, response.get_json()["code"]) == (409, "station_device_missing")


def test_inactive_station_refuses_device_use(api, make_station, simulators):
    sim = simulators.scale("mt-sics", "tcp", weight="1")
    code = make_station(scale_url=sim.url, scale_protocol="mt-sics", active=False)["code"]
    response = api.as_("shipper").get(f"/api/v1/stations/{code}/scale")
    assert (response.status_code, response.get_json()["code"]) == (409, "station_inactive")
