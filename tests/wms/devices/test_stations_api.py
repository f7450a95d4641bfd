"""Stations are configured through the API; device settings are checked against the registry."""

from __future__ import annotations

import pytest


def test_station_crud_round_trip(api, world):
    admin = api.as_("admin")
    body = {
        "code": "PACK-01", "name": "打包台 1", "kind": "packing", "warehouse_id": world.warehouse_id,
        "scale_url": "/dev/ttyUSB0?baudrate=9600", "scale_protocol": "mt-sics",
        "printer_url": "tcp://10.0.0.7:9100", "printer_language": "tspl",
        "printer_options": {"check_status": False},
    }
    created = admin.post("/api/v1/stations", json=body, key="st-1")
    assert created.status_code == 201, created.get_json()
    station = created.get_json()
    assert station["scale_protocol"] == "mt-sics" and station["scale_options"] == {}
    assert station["printer_options"] == {"check_status": False}
    assert station["scanner_url"] is None and station["active"] is True

    replay = admin.post("/api/v1/stations", json=body, key="st-1")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"

    picker = api.as_("picker")
    assert picker.get("/api/v1/stations/PACK-01").get_json()["printer_url"] == "tcp://10.0.0.7:9100"
    listed = picker.get("/api/v1/stations?kind=packing").get_json()
    assert [s["code"] for s in listed] == ["PACK-01"]
    assert picker.get("/api/v1/stations?kind=receiving").get_json() == []

    changed = admin.patch("/api/v1/stations/PACK-01", json={
        "scanner_url": "/dev/ttyACM0", "scanner_options": {"suffix": "CRLF"}, "name": "打包台 A"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["scanner_options"] == {"suffix": "CRLF"}
    assert changed.get_json()["scale_url"] == "/dev/ttyUSB0?baudrate=9600"  # untouched

    removed = admin.delete("/api/v1/stations/PACK-01", key="st-del")
    assert removed.status_code == 204
    gone = picker.get("/api/v1/stations/PACK-01")
    assert gone.status_code == 404
    assert gone.get_json()["code"] == "station_not_found"


def test_printer_language_defaults_to_zpl(make_station):
    station = make_station(printer_url="tcp://127.0.0.1:9100")
    assert station["printer_language"] == "zpl"


def test_station_code_is_unique(make_station, api, world):
    make_station("RCV-ST")
    response = api.as_("admin").post("/api/v1/stations", json={
        "code": "RCV-ST", "name": "x", "kind": "receiving", "warehouse_id": world.warehouse_id})
    assert response.status_code == 409
    assert response.get_json()["code"] == "already_exists"


@pytest.mark.parametrize("fields, field", [
    ({"scale_url": "http://10.0.0.5/scale", "scale_protocol": "mt-sics"}, "scale_url"),
    ({"scale_url": "socket://10.0.0.5", "scale_protocol": "mt-sics"}, "scale_url"),
    ({"scale_url": "ttyUSB0", "scale_protocol": "mt-sics"}, "scale_url"),
    ({"scale_url": "/dev/ttyUSB0?parity=Q", "scale_protocol": "mt-sics"}, "scale_url"),
    ({"scale_url": "/dev/ttyUSB0", "scale_protocol": "sartorius"}, "scale_protocol"),
    ({"scale_url": "/dev/ttyUSB0"}, "scale_protocol"),
    ({"scale_protocol": "toledo"}, "scale_protocol"),
    ({"printer_url": "tcp://10.0.0.7", "printer_language": "zpl"}, "printer_url"),
    ({"printer_url": "tcp://10.0.0.7:9100", "printer_language": "escpos"}, "printer_language"),
    ({"scale_url": "/dev/ttyUSB0", "scale_protocol": "toledo", "scale_options": {"speed": 9600}},
     "scale_options"),
    ({"scale_url": "/dev/ttyUSB0", "scale_protocol": "xk3190", "scale_options": {"unit": "stone"}},
     "scale_options"),
    ({"scale_url": "/dev/ttyUSB0", "scale_protocol": "xk3190", "scale_options": {"stable_count": "many"}},
     "scale_options"),
    ({"scale_url": "/dev/ttyUSB0", "scale_protocol": "mt-sics", "scale_options": {"timeout": 600}},
     "scale_options"),
    ({"scanner_options": {"suffix": "CR"}}, "scanner_options"),
])
def test_bad_device_settings_are_refused_with_a_typed_error(api, world, fields, field):
    response = api.as_("admin").post("/api/v1/stations", json={
        "code": "BAD", "name": "x", "kind": "packing", "warehouse_id": world.warehouse_id, **fields})
    body = response.get_json()
    assert response.status_code == 422, body
    assert body["code"] == "station_device_invalid"
    assert field in body["errors"]
    assert api.as_("admin").get("/api/v1/stations/BAD").status_code == 404


def test_a_change_is_checked_against_the_whole_station(make_station, api):
    make_station("PACK-02", scale_url="/dev/ttyUSB0", scale_protocol="toledo",
                 scale_options={"checksum": False})
    # toledo's option means nothing to an XK3190 indicator
    response = api.as_("admin").patch("/api/v1/stations/PACK-02", json={"scale_protocol": "xk3190"})
    assert response.status_code == 422
    assert response.get_json()["code"] == "station_device_invalid"


def test_schema_errors_use_the_one_error_format(api, world):
    response = api.as_("admin").post("/api/v1/stations", json={
        "code": "has space", "name": "x", "kind": "office", "warehouse_id": world.warehouse_id})
    body = response.get_json()
    assert response.status_code == 422
    assert set(body) == {"code", "status", "message", "errors"}
    assert set(body["errors"]["json"]) == {"code", "kind"}


def test_unknown_warehouse_is_refused(api):
    response = api.as_("admin").post("/api/v1/stations", json={
        "code": "X1", "name": "x", "kind": "packing", "warehouse_id": 999})
    assert response.status_code == 404


def test_picker_cannot_create_or_change_stations(api, world, make_station):
    make_station("PACK-03")
    picker = api.as_("picker")
    response = picker.post("/api/v1/stations", json={
        "code": "PACK-09", "name": "x", "kind": "packing", "warehouse_id": world.warehouse_id})
    assert response.status_code == 403
    assert response.get_json()["code"] == "permission_denied"
    assert picker.patch("/api/v1/stations/PACK-03", json={"name": "y"}).status_code == 403
    assert picker.delete("/api/v1/stations/PACK-03").status_code == 403
    assert api.as_("supervisor").patch("/api/v1/stations/PACK-03", json={"name": "y"}).status_code == 200


def test_clerk_cannot_use_devices(api, make_station):
    make_station("PACK-04")
    clerk = api.as_("clerk")
    assert clerk.get("/api/v1/stations").status_code == 403
    assert clerk.get("/api/v1/stations/PACK-04/scale").status_code == 403
    assert clerk.post("/api/v1/devices/decode", data=b"x").status_code == 403


def test_device_endpoints_need_a_login(client):
    assert client.get("/api/v1/stations/PACK-01/scale").status_code == 401
