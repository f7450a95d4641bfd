"""AIM identifiers, GS1 parsing with check digits, and camera decoding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import cv2
import numpy as np
import pytest

from devices.errors import CheckDigitError, DecodeError, GS1Error
from devices.scanners import interpret, parse_gs1, split_aim
from devices.scanners.camera import FrameConfirmer, decode_image, decode_one, decode_pipeline, decode_plain
from devices.scanners.synthetic import make_frame, render_qr
from devices.weight import Weight


@pytest.mark.parametrize(
    "aim, name, gs1",
    [
        ("]C1", "gs1-128", True),
        ("]d2", "gs1-datamatrix", True),
        ("]Q3", "gs1-qrcode", True),
        ("]E0", "ean13", False),
        ("]C0", "code128", False),
    ],
)
def test_aim_identifiers_name_the_symbology(aim, name, gs1):
    sym, rest = split_aim(aim + "DATA")
    assert (sym.name, sym.gs1, rest) == (name, gs1, "DATA")


def test_gs1_element_string_gives_warehouse_fields():
    fields = parse_gs1("0109501101530003172612311012AB\x1d3103001250\x1d21SER9")
    assert fields.gtin == "09501101530003" and fields.batch == "12AB" and fields.serial == "SER9"
    assert fields.expiry == dt.date(2026, 12, 31)
    assert fields.net_weight == Weight(Decimal("1.250"), "kg")


def test_gs1_sscc_and_hri_text():
    assert parse_gs1("00106141411234567897").sscc == "106141411234567897"
    assert parse_gs1("(01)09501101530003(10)L1").batch == "L1"


def test_gs1_bad_check_digit_is_reported_not_returned():
    with pytest.raises(CheckDigitError) as info:
        interpret("]C1010950110153000417261231")
    assert info.value.code == "gs1_check_digit"
    with pytest.raises(CheckDigitError):
        interpret("]E04006381333932")


def test_gs1_garbage_is_a_gs1_error():
    with pytest.raises(GS1Error):
        interpret("]C1ZZZ")


def test_plain_code128_is_not_parsed_as_gs1():
    assert interpret("]C0010950110153000417261231").gs1 is None


def test_pipeline_decodes_rotated_small_code_that_plain_zbar_misses():
    frame = make_frame(100003 * 1 + 0, "code128")  # 57 degrees: beyond zbar's reach
    assert frame.text not in [d.scan.text for d in decode_plain(frame.image)]
    assert decode_one(frame.image).scan.text == frame.text


@pytest.mark.parametrize("kind", ["ean13", "qrcode", "code128"])
def test_pipeline_never_returns_a_wrong_code_on_hard_frames(kind):
    for seed in range(12):
        frame = make_frame(5000 + seed, kind)
        texts = {d.scan.text for d in decode_pipeline(frame.image)}
        assert texts <= {frame.text}


def test_ean13_from_camera_carries_its_gtin():
    for seed in range(20):
        frame = make_frame(7000 + seed, "ean13")
        found = decode_image(frame.image)
        if found:
            assert found[0].scan.gs1.gtin.zfill(14) == frame.text.zfill(14)
            return
    pytest.fail("no EAN-13 decoded in 20 frames")


def test_blank_image_is_a_decode_error():
    with pytest.raises(DecodeError):
        decode_one(np.full((720, 1280), 200, np.uint8))
    with pytest.raises(DecodeError):
        decode_image(b"not an image")


def test_streamed_frames_need_two_agreeing_reads():
    qr = cv2.resize(render_qr("LOC-A-01"), None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
    image = cv2.copyMakeBorder(qr, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=255)
    confirmer = FrameConfirmer(needed=2)
    assert confirmer.feed(image, at=0.0) is None
    assert confirmer.feed(image, at=0.1).scan.text == "LOC-A-01"


@pytest.mark.parametrize("number", ["00123456789012", "730000000002"])
def test_an_all_digit_courier_number_that_starts_like_gs1_is_read_as_the_number_printed(number):
    """A camera read carries no AIM: 00123456789012 looks like a GS1 SSCC but is not one; it
    is the plain Code 128 the courier printed, not a misread to drop."""
    from devices.scanners.synthetic import label_photo, render_zpl_barcode

    found = decode_one(label_photo([render_zpl_barcode("code128", number)]))
    assert (found.scan.text, found.scan.symbology, found.scan.gs1) == (number, "code128", None)
