"""Property-based fuzzing: every parser raises only the package's typed errors."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.errors import DeviceError
from devices.framing import DelimitedFramer, FixedFramer, LineFramer
from devices.printers.printer import parse_host_status
from devices.scales import mtsics, toledo, xk3190
from devices.scanners import interpret, parse_gs1
from devices.scanners.serial_scanner import SerialScanner

FUZZ = settings(max_examples=300, deadline=None)
frames = st.binary(max_size=40)


def only_typed(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except DeviceError:
        pass


@FUZZ
@given(frames)
def test_mtsics_parser_raises_only_typed_errors(data):
    only_typed(mtsics.parse_weight_reply, data)
    only_typed(mtsics.parse_reply, data)


@FUZZ
@given(st.binary(min_size=16, max_size=19), st.booleans())
def test_toledo_parser_raises_only_typed_errors(data, checksum):
    only_typed(toledo.parse_frame, b"\x02" + data, with_checksum=checksum)


@FUZZ
@given(st.binary(min_size=12, max_size=12))
def test_xk3190_parser_raises_only_typed_errors(data):
    only_typed(xk3190.parse_frame, data)


@FUZZ
@given(st.decimals(min_value=Decimal("-999.99"), max_value=Decimal("999.99"), places=2))
def test_xk3190_round_trips_every_weight(value):
    assert xk3190.parse_frame(xk3190.encode_frame(value, decimals=2)).weight.value == value


@FUZZ
@given(st.decimals(min_value=Decimal("-999.999"), max_value=Decimal("999.999"), places=3))
def test_toledo_round_trips_every_weight(value):
    assert toledo.parse_frame(toledo.encode_frame(value)).weight.value == value


@FUZZ
@given(st.text(max_size=40), st.sampled_from(["", "]C1", "]E0", "]d2", "]Q3", "]C0", "]e0", "]E4", "]X9"]))
def test_scan_interpretation_raises_only_typed_errors(text, aim):
    only_typed(interpret, aim + text)
    only_typed(parse_gs1, text)


@FUZZ
@given(st.lists(st.binary(max_size=30), max_size=6))
def test_framers_never_raise_on_any_split(chunks):
    for framer in (
        LineFramer("ANY"),
        LineFramer("CRLF", max_length=16),
        FixedFramer(12, end=b"\x03"),
        DelimitedFramer(max_length=16),
    ):
        for chunk in chunks:
            framer.feed(chunk)


@FUZZ
@given(st.lists(st.binary(max_size=30), min_size=3, max_size=3))
def test_host_status_parser_raises_only_typed_errors(strings):
    only_typed(parse_host_status, strings)


@FUZZ
@given(frames)
def test_scanner_frame_parser_raises_only_typed_errors(data):
    scanner = SerialScanner("loop://", prefix="P")
    only_typed(scanner.parse, data)
