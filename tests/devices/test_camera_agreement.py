"""A camera read is never wrong: a code is returned only when independent reads agree.

The frames are generated with known truth (blur, noise, rotation, low contrast, a shaken
hand, JPEG); the decode rate is the benchmark's business (bench/bench_decode.py), these
tests hold the misreads at zero and the disagreements to a typed no-read.
"""

from __future__ import annotations

import numpy as np
import pytest

from devices.errors import DecodeAmbiguous, DecodeError
from devices.scanners.camera import (
    FrameConfirmer,
    _agreed,
    _Read,
    decode_image,
    decode_one,
    decode_pipeline,
    decode_plain,
)
from devices.scanners.scan import Scan
from devices.scanners.synthetic import ean13_check, label_photo, make_hard_frame, make_hard_frames, render_zpl_barcode

#: Hard frames, found by searching seeds, on which one preprocessing variant (or plain
#: zbar) reads an EAN-13 or Code 128 that is not the one in the frame, with a valid check
#: digit. The pipeline before the agreement rule returned those wrong codes.
MISREAD_TRAPS = [
    (901928, "ean13"),  # zbar reads 7049818426759 for 4049958426759
    (900140, "ean13"),
    (901308, "ean13"),
    (901468, "ean13"),
    (901836, "ean13"),
    (902136, "ean13"),
    (902228, "ean13"),
    (502136, "ean13"),
    (902297, "code128"),
]

EAN_A, EAN_B = ean13_check("400638133393"), ean13_check("690123456789")


def read(text: str, source: str, place: int = 0, kind: str = "ean13") -> _Read:
    return _Read(Scan(text, kind), kind, place, source, (0, 0, 10, 10))


def test_a_single_read_is_not_returned():
    found, conflicts, pending = _agreed([read(EAN_A, "sharpened")], 2)
    assert (found, conflicts, pending) == ([], {}, True)


def test_two_treatments_that_agree_return_the_code():
    found, conflicts, _ = _agreed([read(EAN_A, "sharpened"), read(EAN_A, "median")], 2)
    assert [d.scan.text for d in found] == [EAN_A] and not conflicts


def test_the_same_pixels_read_twice_the_same_way_are_one_read():
    # The crop as it is and the whole frame as it is: what misread 901928 twice alike.
    reads = [read(EAN_A, "plain"), read(EAN_A, "frame:plain", place=1), read(EAN_A, "half-frame")]
    assert _agreed(reads, 2)[0] == []


def test_two_codes_at_one_place_are_a_conflict_even_when_one_is_confirmed():
    reads = [read(EAN_A, "sharpened"), read(EAN_A, "median"), read(EAN_B, "plain")]
    found, conflicts, _ = _agreed(reads, 2)
    assert conflicts == {(0, "ean"): {EAN_A, EAN_B}}


def test_a_reversed_ean_read_as_upca_conflicts_with_the_ean():
    reads = [read(EAN_A, "sharpened"), read("0" + EAN_B[1:], "median", kind="upca")]
    assert _agreed(reads, 2)[1]


def test_two_codes_at_two_places_are_two_codes():
    reads = [read(EAN_A, "sharpened"), read(EAN_A, "median"),
             read(EAN_B, "sharpened", place=1), read(EAN_B, "plain", place=1)]
    found, conflicts, _ = _agreed(reads, 2)
    assert {d.scan.text for d in found} == {EAN_A, EAN_B} and not conflicts


@pytest.mark.parametrize("seed, kind", MISREAD_TRAPS)
def test_frames_where_a_variant_misreads_give_the_truth_or_no_read(seed, kind):
    frame = make_hard_frame(seed, kind)
    try:
        texts = {d.scan.text for d in decode_pipeline(frame.image)}
    except DecodeAmbiguous:
        texts = set()
    assert texts <= {frame.text}


def test_a_real_misread_with_a_valid_check_digit_is_reported_as_no_read():
    frame = make_hard_frame(901928, "ean13")
    [wrong] = [d.scan.text for d in decode_plain(frame.image)]
    assert wrong != frame.text and ean13_check(wrong[:12]) == wrong  # the check digit cannot tell
    with pytest.raises(DecodeAmbiguous) as info:
        decode_pipeline(frame.image)
    assert info.value.code == "decode_ambiguous" and "ean" in str(info.value)


def test_no_misread_on_the_generated_hard_set():
    frames = make_hard_frames(48, seed=3)  # 12 each of EAN-13, Code 128, QR, DataMatrix
    decoded = misread = ambiguous = 0
    for frame in frames:
        try:
            texts = {d.scan.text for d in decode_pipeline(frame.image)}
        except DecodeAmbiguous:
            ambiguous += 1
            continue
        decoded += frame.text in texts
        misread += bool(texts - {frame.text})
    assert misread == 0
    assert decoded >= 12, (decoded, ambiguous)  # a floor against a pipeline that reads nothing


def test_two_ean13_on_one_label_are_both_returned_and_decode_one_refuses():
    image = label_photo([render_zpl_barcode("ean13", t) for t in (EAN_A, EAN_B)], gap=300)
    assert {d.scan.text for d in decode_image(image)} == {EAN_A, EAN_B}
    with pytest.raises(DecodeError, match="2 different barcodes"):
        decode_one(image)


def test_two_ean13_stacked_close_are_not_silently_one():
    # The region finder cuts the upper code in two; the half-size frame still sees it.
    image = label_photo([render_zpl_barcode("ean13", t) for t in (EAN_A, EAN_B)], gap=40, stacked=True)
    assert {d.scan.text for d in decode_image(image)} == {EAN_A, EAN_B}


def test_two_ean13_touching_are_two_codes_not_one():
    image = label_photo([render_zpl_barcode("ean13", t) for t in (EAN_A, EAN_B)], gap=0, stacked=True)
    assert {d.scan.text for d in decode_image(image)} == {EAN_A, EAN_B}
    with pytest.raises(DecodeError, match="2 different barcodes"):
        decode_one(image)


def test_an_ambiguous_frame_resets_the_stream():
    good = label_photo([render_zpl_barcode("ean13", EAN_A)])
    ambiguous = make_hard_frame(901928, "ean13").image
    confirmer = FrameConfirmer(needed=2)
    assert confirmer.feed(good, at=0.0) is None
    assert confirmer.feed(ambiguous, at=0.1) is None
    assert confirmer.feed(good, at=0.2) is None  # the read before the disagreement no longer counts
    assert confirmer.feed(good, at=0.3).scan.text == EAN_A


def test_a_blank_frame_is_no_read():
    assert decode_pipeline(np.full((720, 1280), 200, np.uint8)) == []
