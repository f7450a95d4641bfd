"""Hostile images: every format's pixel count is read before decoding, nothing crashes."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from devices.cli import devices_cli
from devices.errors import DecodeEngineUnavailable, DecodeError, ImageTooLarge, NotAnImage
from devices.scanners.camera import decode_image, decode_one, to_gray
from devices.scanners.images import read_header, read_image
from devices.scanners.synthetic import hostile_images

#: What the decoder says about each hostile upload: no code, or the typed error's code.
EXPECTED = {
    "png 1x1": "no code",
    "png 3x1": "no code",
    "webp 1x1": "no code",
    "webp 5x3": "no code",
    "jpeg with a junk byte": "no code",
    "jpeg cut in the middle": "not_an_image",
    "jpeg cut in its header": "not_an_image",
    "jpeg with a junk byte declaring 8000x8000": "image_too_large",
    "png declaring 50000x50000": "image_too_large",
    "png declaring 10000x10000": "image_too_large",
    "png header only": "not_an_image",
    "webp declaring 16383x16383": "image_too_large",
    "bmp declaring 30000x30000": "image_too_large",
    "png bomb 7000x7000": "image_too_large",
    "text": "not_an_image",
    "pdf": "not_an_image",
    "broken png": "not_an_image",
    "empty": "not_an_image",
}


def test_every_hostile_image_has_an_expectation():
    assert set(hostile_images()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_image_gives_no_code_or_a_typed_error(name):
    data = hostile_images()[name]
    try:
        outcome = "no code" if decode_image(data) == [] else "a code"
    except DecodeError as exc:
        outcome = exc.code
    assert outcome == EXPECTED[name]


@pytest.mark.parametrize("name", [n for n, e in EXPECTED.items() if e == "image_too_large"])
def test_pixel_count_is_refused_from_the_header_alone(name):
    with pytest.raises(ImageTooLarge) as info:
        read_header(hostile_images()[name])
    assert info.value.details["max_pixels"] == 40_000_000


def test_a_junk_byte_does_not_hide_a_jpeg_size():
    header = read_header(hostile_images()["jpeg with a junk byte"])
    assert (header.format, header.width, header.height) == ("jpeg", 640, 480)
    with pytest.raises(ImageTooLarge) as info:
        read_header(hostile_images()["jpeg with a junk byte declaring 8000x8000"])
    assert (info.value.details["width"], info.value.details["height"]) == (8000, 8000)


def test_webp_size_is_read():
    header = read_header(hostile_images()["webp 5x3"])
    assert (header.format, header.width, header.height) == ("webp", 5, 3)


def test_the_pixel_limit_is_the_callers():
    with pytest.raises(ImageTooLarge):
        read_image(hostile_images()["jpeg with a junk byte"], max_pixels=640 * 480 - 1)
    assert read_image(hostile_images()["jpeg with a junk byte"], max_pixels=640 * 480).shape == (480, 640)


def test_a_missing_file_is_not_an_image(tmp_path):
    with pytest.raises(NotAnImage):
        to_gray(tmp_path / "nowhere.png")


@pytest.mark.parametrize("array", [
    np.zeros((0, 5), np.uint8), np.zeros((4, 4, 2), np.uint8), np.zeros((2, 2, 2, 2), np.uint8),
    np.array([["a", "b"]]),
])
def test_arrays_that_are_not_images_are_decode_errors(array):
    with pytest.raises(DecodeError):
        decode_image(array)


@pytest.mark.parametrize("array", [
    np.zeros((1, 1), np.uint8), np.zeros((1, 3), np.uint8), np.zeros((3, 1, 1), np.uint8),
    np.full((8, 8), np.nan), np.ones((2, 2), bool), np.zeros((15, 400, 4), np.uint8),
])
def test_tiny_or_odd_arrays_decode_to_nothing(array):
    assert decode_image(array) == []
    with pytest.raises(DecodeError, match="no barcode"):
        decode_one(array)


def test_an_engine_that_is_not_installed_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "zxingcpp", None)  # import fails as if not installed
    with pytest.raises(DecodeEngineUnavailable, match="zxing-cpp") as info:
        decode_image(np.full((64, 64), 255, np.uint8), "zxing-cpp")
    assert info.value.to_dict()["engine"] == "zxing-cpp"


def test_cli_reports_hostile_images_as_typed_errors(tmp_path):
    paths = []
    for name in ("png 3x1", "webp declaring 16383x16383", "png bomb 7000x7000", "text", "empty"):
        path = tmp_path / (name.replace(" ", "-") + ".img")
        path.write_bytes(hostile_images()[name])
        paths.append(str(path))
    result = CliRunner().invoke(devices_cli, ["decode", *paths])
    assert result.exit_code == 1
    errors = [json.loads(line)["error"] for line in result.output.splitlines()]
    assert [e["code"] for e in errors] == [
        "decode_error", "image_too_large", "image_too_large", "not_an_image", "not_an_image"]
    assert errors[2]["width"] == 7000 and "7000x7000" in errors[2]["message"]
