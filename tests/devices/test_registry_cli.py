"""Registry option schemas, health checks, and the JSON-lines command line."""

from __future__ import annotations

import json
from decimal import Decimal

import cv2
import pytest
from click.testing import CliRunner

from devices.cli import devices_cli
from devices.errors import DeviceConfigError
from devices.registry import create_device, drivers, health_check
from devices.scanners.synthetic import make_frame


def test_every_kind_of_the_issue_is_registered():
    assert {d.kind for d in drivers()} >= {
        "scale:mt-sics",
        "scale:toledo",
        "scale:xk3190",
        "scanner:serial",
        "printer:zpl",
        "printer:tspl",
    }


def test_options_are_checked_against_the_schema():
    scale = create_device("scale:xk3190", "loop://", capacity="150", stable_count="3")
    assert scale.capacity == Decimal("150") and scale.window.count == 3
    with pytest.raises(DeviceConfigError):
        create_device("scale:xk3190", "loop://", colour="red")
    with pytest.raises(DeviceConfigError):
        create_device("scanner:serial", "loop://", suffix="TAB")
    with pytest.raises(DeviceConfigError):
        create_device("scale:unknown", "loop://")


def test_health_of_an_absent_device_is_a_typed_status():
    result = health_check("scale:mt-sics", "/nonexistent/ttyUSB9", timeout=0.3, reconnect=False)
    assert not result.ok and result.code == "device_disconnected"
    assert health_check("printer:zpl", "ftp://x").code == "device_config"


def test_health_of_simulated_scale_is_ok(scale_sim):
    sim = scale_sim("mt-sics", weight="1")
    result = health_check("scale:mt-sics", sim.url)
    assert result.ok and result.detail == {"serial_number": "SIM0001"}


def test_cli_scale_read_prints_one_json_line(scale_sim):
    sim = scale_sim("toledo", weight="7.25", interval=0.02)
    result = CliRunner().invoke(devices_cli, ["scale", "read", sim.url, "--protocol", "toledo", "--stable"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output)
    assert line["weight"] == {"value": "7.250", "unit": "kg"} and line["stable"]


def test_cli_scale_read_reports_typed_error_on_timeout(scale_sim):
    sim = scale_sim("toledo", weight="1")
    sim.paused = True
    result = CliRunner().invoke(
        devices_cli, ["scale", "read", sim.url, "--protocol", "toledo", "--timeout", "0.3"]
    )
    assert result.exit_code == 1 and json.loads(result.output)["error"]["code"] == "device_timeout"


def test_cli_decode_prints_one_object_per_image(tmp_path):
    frame = make_frame(100003, "ean13")
    good, blank = tmp_path / "good.png", tmp_path / "blank.png"
    cv2.imwrite(str(good), frame.image)
    cv2.imwrite(str(blank), frame.image[:20, :20] * 0)
    result = CliRunner().invoke(devices_cli, ["decode", str(good), str(blank)])
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert len(lines) == 2 and not lines[1]["ok"]
    assert lines[0]["codes"][0]["text"] == frame.text and lines[0]["codes"][0]["gs1"]["gtin"]


def test_cli_print_sends_lot_label_to_printer(printer_sim):
    sim = printer_sim("zpl")
    result = CliRunner().invoke(
        devices_cli,
        [
            "print",
            sim.url,
            "--language",
            "zpl",
            "--label",
            "lot",
            "--gtin",
            "09501101530003",
            "--lot",
            "L7",
            "--expiry",
            "2027-03-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert b"(01)09501101530003(17)270301(10)L7" in sim.wait_for_jobs(1)[0]


def test_cli_scan_listen_is_bounded(scanner_sim):
    result = CliRunner().invoke(devices_cli, ["scan", "listen", scanner_sim.url, "--timeout", "0.3"])
    assert result.exit_code == 0 and result.output == ""


def test_cli_simulate_prints_url_first_and_stops_after_duration():
    result = CliRunner().invoke(devices_cli, ["simulate", "printer", "--duration", "0.2"])
    assert result.exit_code == 0
    assert json.loads(result.output.splitlines()[0])["url"].startswith("tcp://127.0.0.1:")
