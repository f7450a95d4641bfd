"""Scale protocols byte for byte: MT-SICS, Toledo continuous, XK3190-A9."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devices.errors import (
    ChecksumError,
    FrameError,
    ScaleBusy,
    ScaleCommandError,
    ScaleOverload,
    ScaleUnderload,
)
from devices.framing import FixedFramer, LineFramer
from devices.scales import mtsics, toledo, xk3190
from devices.weight import StabilityWindow, Weight


def test_mtsics_commands_are_ascii_ended_by_crlf():
    assert mtsics.encode_command("S") == b"S\r\n"
    assert mtsics.encode_command("SI") == b"SI\r\n"
    assert mtsics.encode_command("Z") == b"Z\r\n"
    assert mtsics.encode_command("T") == b"T\r\n"
    assert mtsics.encode_command("I4") == b"I4\r\n"


def test_mtsics_stable_reply_gives_decimal_with_unit():
    reading = mtsics.parse_weight_reply(b"S S     12.345 kg")
    assert reading.weight == Weight(Decimal("12.345"), "kg") and reading.stable


def test_mtsics_dynamic_reply_is_not_stable_and_si_id_is_accepted():
    assert not mtsics.parse_weight_reply(b"S D      0.120 g").stable
    assert mtsics.parse_weight_reply(b"SI S 1.5 kg").weight.value == Decimal("1.5")


def test_mtsics_reply_fields_are_split_not_sliced():
    assert mtsics.parse_weight_reply(b"S S 7 lb").weight == Weight(Decimal(7), "lb")
    assert mtsics.parse_weight_reply(b"S  S      -0.02  kg").weight.value == Decimal("-0.02")


@pytest.mark.parametrize(
    "line, error",
    [
        (b"S +", ScaleOverload),
        (b"S -", ScaleUnderload),
        (b"S I", ScaleBusy),
        (b"ES", ScaleCommandError),
        (b"ET", ScaleCommandError),
        (b"EL", ScaleCommandError),
    ],
)
def test_mtsics_status_replies_raise_typed_errors(line, error):
    with pytest.raises(error):
        mtsics.parse_weight_reply(line)


@pytest.mark.parametrize("line", [b"", b"S", b"S S abc kg", b"S S 1.0", b"S\x00S 1 kg", b"\xff\xfe", b"Z A"])
def test_mtsics_malformed_replies_are_frame_errors(line):
    with pytest.raises(FrameError):
        mtsics.parse_weight_reply(line)


def test_mtsics_encoder_matches_what_balances_send():
    assert mtsics.encode_weight_reply(Decimal("12.345")) == b"S S     12.345 kg\r\n"
    assert mtsics.encode_weight_reply(Decimal("0.5"), "g", stable=False) == b"S D        0.5 g\r\n"


def test_mtsics_serial_number_reply_keeps_quoted_text():
    assert mtsics.parse_reply(b'I4 A "B123 456"').fields == ("B123 456",)


TOLEDO_12_345 = b"\x02%0 012345001500\r'"


def test_toledo_frame_encodes_exact_bytes_and_checksum():
    frame = toledo.encode_frame(Decimal("12.345"), tare=Decimal("1.5"))
    assert frame == TOLEDO_12_345
    assert (sum(frame) & 0x7F) == 0  # checksum makes the 7-bit sum zero


def test_toledo_frame_parses_weight_tare_and_stability():
    reading = toledo.parse_frame(TOLEDO_12_345)
    assert reading.weight == Weight(Decimal("12.345"), "kg")
    assert reading.tare == Weight(Decimal("1.500"), "kg")
    assert reading.stable and not reading.net


def test_toledo_status_bits_motion_negative_lb_and_decimal_position():
    frame = toledo.encode_frame(Decimal("-2.5"), unit="lb", decimals=1, motion=True)
    assert frame[1] == 0x20 | 3 and frame[2] == 0x20 | 0x02 | 0x08
    reading = toledo.parse_frame(frame)
    assert reading.weight == Weight(Decimal("-2.5"), "lb") and not reading.stable


def test_toledo_multiplier_positions_give_whole_numbers():
    frame = toledo.encode_frame(Decimal("1200"), decimals=-2)
    assert toledo.parse_frame(frame).weight.value == Decimal(1200)
    assert "E" not in str(toledo.parse_frame(frame).weight.value)


def test_toledo_checksum_error_is_typed():
    bad = TOLEDO_12_345[:-1] + b"("
    with pytest.raises(ChecksumError):
        toledo.parse_frame(bad)


def test_toledo_out_of_range_is_overload_or_underload_by_sign():
    with pytest.raises(ScaleOverload):
        toledo.parse_frame(toledo.encode_frame(Decimal(5), overload=True))
    with pytest.raises(ScaleUnderload):
        toledo.parse_frame(toledo.encode_frame(Decimal(0), underload=True))


def test_toledo_parity_bit_on_status_bytes_is_ignored():
    frame = bytearray(toledo.encode_frame(Decimal("1.000"), with_checksum=False))
    frame[1] |= 0x80
    assert toledo.parse_frame(bytes(frame), with_checksum=False).weight.value == Decimal("1.000")


@pytest.mark.parametrize(
    "frame", [b"", b"\x02%0 01234500150\r'", b"\x02%0 01a345001500\r" + b"\x00", b"\x02\x000 012345001500\r"]
)
def test_toledo_malformed_frames_are_frame_errors(frame):
    with pytest.raises(FrameError):
        toledo.parse_frame(frame, with_checksum=len(frame) == 18)


XK_PUBLISHED = bytes.fromhex("02 2B 30 30 32 30 30 30 32 31 42 03")


def test_xk3190_encoder_reproduces_the_published_example():
    assert xk3190.encode_frame(Decimal("20.00"), decimals=2) == XK_PUBLISHED


def test_xk3190_parses_published_example_as_unstable_with_configured_unit():
    reading = xk3190.parse_frame(XK_PUBLISHED, unit="kg")
    assert reading.weight == Weight(Decimal("20.00"), "kg") and not reading.stable


def test_xk3190_negative_and_lowercase_hex_checksum():
    frame = xk3190.encode_frame(Decimal("-0.5"), decimals=3)
    assert frame[1:2] == b"-"
    assert xk3190.parse_frame(frame[:9] + frame[9:11].lower() + frame[11:]).weight.value == Decimal("-0.500")


def test_xk3190_checksum_error_is_typed():
    with pytest.raises(ChecksumError):
        xk3190.parse_frame(XK_PUBLISHED[:9] + b"1C" + XK_PUBLISHED[11:])


@pytest.mark.parametrize(
    "frame",
    [
        XK_PUBLISHED[:-1],
        XK_PUBLISHED[:-1] + b"\x04",
        b"\x02*0020002" + xk3190.xor_checksum(b"*0020002") + b"\x03",
        b"\x02+0020009" + xk3190.xor_checksum(b"+0020009") + b"\x03",
    ],
)
def test_xk3190_malformed_frames_are_frame_errors(frame):
    with pytest.raises(FrameError):
        xk3190.parse_frame(frame)


def test_fixed_framer_reports_garbage_and_keeps_frames_split_anywhere():
    framer = FixedFramer(12, end=b"\x03")
    stream = b"\xff\x00junk" + XK_PUBLISHED + XK_PUBLISHED
    items = []
    for i in range(len(stream)):
        items += framer.feed(stream[i : i + 1])
    frames = [x for x in items if isinstance(x, bytes)]
    errors = [x for x in items if isinstance(x, FrameError)]
    assert frames == [XK_PUBLISHED, XK_PUBLISHED] and errors


def test_line_framer_keeps_partial_line_until_terminator():
    framer = LineFramer("CRLF")
    assert framer.feed(b"S S   1.0") == []
    assert framer.feed(b"00 kg\r") == []
    assert framer.feed(b"\nS I\r\n") == [b"S S   1.000 kg", b"S I"]


def test_stability_window_needs_count_and_time():
    window = StabilityWindow(count=3, seconds=0.2)
    w = Weight(Decimal("1.00"), "kg")
    assert not window.feed(w, 0.0)
    assert not window.feed(w, 0.1)
    assert not window.feed(Weight(Decimal("1.01"), "kg"), 0.15)
    assert not window.feed(Weight(Decimal("1.01"), "kg"), 0.2)
    assert not window.feed(Weight(Decimal("1.01"), "kg"), 0.3)
    assert window.feed(Weight(Decimal("1.01"), "kg"), 0.4)
