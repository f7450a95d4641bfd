"""Real pyserial against the simulators, on ptys and loopback TCP."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from devices.errors import (
    ChecksumError,
    DeviceDisconnected,
    DeviceTimeout,
    FrameError,
    ScaleOverload,
    ScaleUnderload,
    ScaleUnstable,
)
from devices.registry import open_device
from devices.scales import MtSicsScale, ToledoScale, Xk3190Scale
from devices.scanners import SerialScanner
from devices.simulators.scale import ScaleSimulator
from devices.transports import open_port


def test_mtsics_stable_weight_tare_zero_and_serial(scale_sim):
    sim = scale_sim("mt-sics", weight="12.345")
    with MtSicsScale(sim.url) as scale:
        assert scale.read_stable(2).weight.value == Decimal("12.345")
        assert scale.serial_number() == "SIM0001"
        assert scale.tare().value == Decimal("12.345")
        assert scale.read().weight.value == Decimal("0.000")
        scale.zero()
    assert b"S\r\n" in sim.received and b"T\r\n" in sim.received and b"I4\r\n" in sim.received


def test_mtsics_unstable_load_is_reported_as_unstable(scale_sim):
    sim = scale_sim("mt-sics", weight="1", stable=False, stability_timeout=0.2)
    with MtSicsScale(sim.url) as scale:
        assert not scale.read(1).stable
        with pytest.raises(ScaleUnstable):
            scale.read_stable(0.5)


def test_mtsics_overload_and_underload(scale_sim):
    sim = scale_sim("mt-sics", weight="1")
    with MtSicsScale(sim.url) as scale:
        sim.set_range(overload=True)
        with pytest.raises(ScaleOverload):
            scale.read_stable(1)
        sim.set_range(underload=True)
        with pytest.raises(ScaleUnderload):
            scale.read(1)


def test_toledo_stream_reads_stable_weight_and_reports_checksum_errors(scale_sim):
    sim = scale_sim("toledo", weight="3.5", interval=0.02)
    with ToledoScale(sim.url) as scale:
        assert scale.read_stable(2).weight.value == Decimal("3.500")
        sim.corrupt_checksum = True
        with pytest.raises(ChecksumError):
            scale.read(1)
        sim.corrupt_checksum = False
        sim.set_range(overload=True)
        with pytest.raises(ScaleOverload):
            for _ in range(5):
                scale.read(1)


def test_toledo_garbage_on_the_line_is_a_frame_error_then_reading_resumes(scale_sim):
    sim = scale_sim("toledo", weight="2", interval=0.05)
    with ToledoScale(sim.url) as scale:
        scale.read(2)
        sim.paused = True
        time.sleep(0.1)
        scale._drain()
        sim.inject(b"\xff\xfe noise")
        with pytest.raises(FrameError):
            scale.read(1)
        sim.paused = False
        assert scale.read_stable(2).weight.value == Decimal("2.000")


def test_xk3190_stable_by_window_of_identical_frames(scale_sim):
    sim = scale_sim("xk3190", weight="20.00", decimals=2, interval=0.02)
    with Xk3190Scale(sim.url, stable_count=3, stable_seconds=0.1) as scale:
        sim.set_weight("20.00", stable=False)
        assert not scale.read(1).stable
        sim.set_stable(True)
        assert scale.read_stable(2).weight.value == Decimal("20.00")


def test_xk3190_swinging_load_never_becomes_stable(scale_sim):
    sim = scale_sim("xk3190", weight="5", decimals=2, interval=0.02, stable=False)
    with Xk3190Scale(sim.url, stable_count=3, stable_seconds=0.1) as scale, pytest.raises(ScaleUnstable):
        scale.read_stable(0.6)


def test_silent_port_times_out(scale_sim):
    sim = scale_sim("toledo", weight="1")
    sim.paused = True
    with ToledoScale(sim.url) as scale:
        scale._drain()
        with pytest.raises(DeviceTimeout):
            scale.read(0.3)


def test_pulled_cable_is_reported_without_reconnect(scale_sim):
    sim = scale_sim("toledo", weight="1", interval=0.02)
    with ToledoScale(sim.url, reconnect=False) as scale:
        scale.read(1)
        sim.unplug()
        with pytest.raises(DeviceDisconnected):
            for _ in range(50):
                scale.read(0.5)


def test_reader_reconnects_after_cable_is_pulled_and_reseated(tmp_path, transport):
    link = str(tmp_path / "scale0") if transport == "pty" else None
    with ScaleSimulator("toledo", transport, weight="4", interval=0.02, link=link) as sim:
        with ToledoScale(sim.url, reconnect=True) as scale:
            assert scale.read(1).weight.value == Decimal("4.000")
            sim.unplug()
            time.sleep(0.2)
            sim.plug()
            sim.set_weight("5")
            deadline = time.monotonic() + 3
            while scale.read(3).weight.value != Decimal("5.000"):
                assert time.monotonic() < deadline


def test_serial_scanner_reads_gs1_with_aim_identifier(scanner_sim):
    with SerialScanner(scanner_sim.url, suffix="CR") as scanner:
        scanner_sim.scan("010950110153000317261231101234AB\x1d21S1", aim="]C1")
        scan = scanner.read_scan(2)
    assert scan.symbology == "gs1-128" and scan.gs1.gtin == "09501101530003"
    assert scan.gs1.batch == "1234AB" and scan.gs1.serial == "S1"


def test_scanner_listen_is_bounded_by_count(scanner_sim):
    with SerialScanner(scanner_sim.url) as scanner:
        for code in ("]E04006381333931", "]C0HELLO", "]Q1QRDATA"):
            scanner_sim.scan(code)
        scans = list(scanner.listen(count=3, timeout=2))
    assert [s.text for s in scans] == ["4006381333931", "HELLO", "QRDATA"]


def test_scanner_listen_stops_at_timeout(scanner_sim):
    with SerialScanner(scanner_sim.url) as scanner:
        started = time.monotonic()
        assert list(scanner.listen(timeout=0.3)) == []
        assert time.monotonic() - started < 1.5


def test_registry_opens_each_scale_kind_against_its_simulator(scale_sim):
    for protocol in ("mt-sics", "toledo", "xk3190"):
        sim = scale_sim(protocol, weight="1.5", decimals=2, interval=0.02)
        options = {"stable_count": 2, "stable_seconds": 0.05} if protocol == "xk3190" else {}
        with open_device(f"scale:{protocol}", sim.url, **options) as scale:
            assert scale.read_stable(2).weight.value == Decimal("1.50")
        assert scale.health(2).ok


def test_loop_url_echo_is_not_mistaken_for_a_scale():
    with MtSicsScale("loop://", reconnect=False) as scale, pytest.raises(FrameError):
        scale.read(0.5)


def test_port_url_query_carries_serial_settings(scale_sim):
    sim = scale_sim("mt-sics", weight="1")
    if sim.transport == "tcp":
        pytest.skip("socket:// ignores serial settings")
    with open_port(sim.url + "?baudrate=9600&parity=E&bytesize=7") as port:
        assert port._serial.baudrate == 9600 and port._serial.parity == "E" and port._serial.bytesize == 7
