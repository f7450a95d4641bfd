"""Camera images uploaded to the API are decoded on the server; hostile uploads are refused.

Every refusal is a typed 4xx in the one error format, never a 500.
"""

from __future__ import annotations

import io
import sys

import cv2
import numpy as np
import pytest

from devices.scanners.synthetic import (
    ean13_check,
    hostile_images,
    label_photo,
    make_frame,
    make_hard_frame,
    render_qr,
    render_zpl_barcode,
)

EAN = ean13_check("690123456789")

#: Status and code the API answers each hostile upload with.
HOSTILE = {
    "png 1x1": (422, "decode_error"),
    "png 3x1": (422, "decode_error"),
    "webp 1x1": (422, "decode_error"),
    "webp 5x3": (422, "decode_error"),
    "jpeg with a junk byte": (422, "decode_error"),
    "jpeg cut in the middle": (415, "not_an_image"),
    "jpeg cut in its header": (415, "not_an_image"),
    "jpeg with a junk byte declaring 8000x8000": (413, "image_too_large"),
    "png declaring 50000x50000": (413, "image_too_large"),
    "png declaring 10000x10000": (413, "image_too_large"),
    "png header only": (415, "not_an_image"),
    "webp declaring 16383x16383": (413, "image_too_large"),
    "bmp declaring 30000x30000": (413, "image_too_large"),
    "png bomb 7000x7000": (413, "image_too_large"),
    "text": (415, "not_an_image"),
    "pdf": (415, "not_an_image"),
    "broken png": (415, "not_an_image"),
    "empty": (422, "invalid_input"),
}


def png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def test_ean13_in_a_multipart_upload_gives_its_gtin(api):
    image = png(label_photo([render_zpl_barcode("ean13", EAN)]))
    response = api.as_("picker").post(
        "/api/v1/devices/decode", data={"file": (io.BytesIO(image), "carton.png")},
        content_type="multipart/form-data")
    body = response.get_json()
    assert response.status_code == 200, body
    [code] = body["codes"]
    assert (code["symbology"], code["text"]) == ("ean13", EAN)
    assert code["gs1"]["gtin"] == EAN


def test_gs1_qr_as_raw_jpeg_body_gives_its_fields(api):
    gs1 = "010950110153000317270301101234AB"
    image = label_photo([render_qr(gs1)], scale=6)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    response = api.as_("receiver").client.post(
        "/api/v1/devices/decode", data=jpeg.tobytes(), content_type="image/jpeg",
        headers={"Authorization": f"Bearer {api.token('receiver')}"})
    body = response.get_json()
    assert response.status_code == 200, body
    fields = body["codes"][0]["gs1"]
    assert fields["gtin"] == "09501101530003"
    assert fields["expiry"] == "2027-03-01" and fields["batch"] == "1234AB"


def test_generated_camera_frame_decodes(api):
    frame = make_frame(4, "code128")  # small, rotated, blurred and noisy, in clutter
    response = api.as_("picker").post("/api/v1/devices/decode", data=png(frame.image),
                                      content_type="image/png")
    assert response.status_code == 200, response.get_json()
    assert [c["text"] for c in response.get_json()["codes"]] == [frame.text]


def test_every_hostile_upload_has_an_expectation():
    assert set(HOSTILE) == set(hostile_images())


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_uploads_get_a_typed_4xx_in_the_one_format(api, name):
    response = api.as_("picker").post("/api/v1/devices/decode", data=hostile_images()[name],
                                      content_type="application/octet-stream")
    body = response.get_json()
    assert (response.status_code, body["code"]) == HOSTILE[name], body
    assert set(body) == {"code", "status", "message", "errors"} and body["status"] == response.status_code


def test_a_too_large_image_says_its_size_and_the_limit(api):
    response = api.as_("picker").post(
        "/api/v1/devices/decode", data={"file": (io.BytesIO(hostile_images()["png bomb 7000x7000"]), "x.png")},
        content_type="multipart/form-data")
    body = response.get_json()
    assert response.status_code == 413, body
    assert body["errors"] == {"width": 7000, "height": 7000, "max_pixels": 40_000_000}


def test_the_pixel_limit_is_configured(api, app):
    app.config["DECODE_MAX_PIXELS"] = 100_000
    image = png(label_photo([render_zpl_barcode("ean13", EAN)]))  # about 590 x 420
    response = api.as_("picker").post("/api/v1/devices/decode", data=image, content_type="image/png")
    assert (response.status_code, response.get_json()["code"]) == (413, "image_too_large")


def test_a_hostile_upload_from_a_role_without_device_use_is_still_403(api):
    response = api.as_("clerk").post("/api/v1/devices/decode", data=hostile_images()["png bomb 7000x7000"],
                                     content_type="image/png")
    assert (response.status_code, response.get_json()["code"]) == (403, "permission_denied")


def test_an_engine_that_is_not_installed_is_a_4xx_naming_it(api, monkeypatch):
    monkeypatch.setitem(sys.modules, "zxingcpp", None)  # import fails as if not installed
    image = png(label_photo([render_zpl_barcode("ean13", EAN)]))
    response = api.as_("picker").post("/api/v1/devices/decode?engine=zxing-cpp", data=image,
                                      content_type="image/png")
    body = response.get_json()
    assert (response.status_code, body["code"]) == (422, "decode_engine_unavailable"), body
    assert body["errors"] == {"engine": "zxing-cpp"} and "zxing-cpp" in body["message"]


def test_reads_that_disagree_are_no_read(api):
    frame = make_hard_frame(901928, "ean13")  # plain zbar reads another valid EAN-13 here
    response = api.as_("picker").post("/api/v1/devices/decode", data=png(frame.image), content_type="image/png")
    assert (response.status_code, response.get_json()["code"]) == (422, "decode_ambiguous")


def test_two_codes_on_one_label_are_both_answered(api):
    other = ean13_check("400638133393")
    image = png(label_photo([render_zpl_barcode("ean13", t) for t in (EAN, other)], gap=40, stacked=True))
    response = api.as_("picker").post("/api/v1/devices/decode", data=image, content_type="image/png")
    assert response.status_code == 200, response.get_json()
    assert sorted(c["text"] for c in response.get_json()["codes"]) == sorted([EAN, other])


def test_an_image_without_a_barcode_is_a_decode_error(api):
    blank = png(np.full((480, 640), 200, np.uint8))
    response = api.as_("picker").post("/api/v1/devices/decode", data=blank, content_type="image/png")
    assert (response.status_code, response.get_json()["code"]) == (422, "decode_error")


def test_uploads_are_size_limited(api, app):
    app.config["DECODE_MAX_BYTES"] = 1000
    image = png(np.random.default_rng(1).integers(0, 255, (200, 200), dtype=np.uint8))
    response = api.as_("picker").post("/api/v1/devices/decode", data=image, content_type="image/png")
    assert (response.status_code, response.get_json()["code"]) == (413, "image_too_large")
    multipart = api.as_("picker").post(
        "/api/v1/devices/decode", data={"file": (io.BytesIO(image), "x.png")},
        content_type="multipart/form-data")
    assert multipart.status_code == 413


def test_a_decode_replays_under_its_idempotency_key(api):
    image = png(label_photo([render_zpl_barcode("ean13", EAN)]))
    first, again = (api.as_("picker").post("/api/v1/devices/decode", data=image, content_type="image/png",
                                           key="cam-1") for _ in range(2))
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["codes"][0]["text"] == EAN
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()


def test_oversized_upload_is_refused_before_the_body_is_read(api, app):
    app.config["DECODE_MAX_BYTES"] = 1000
    body = b"\x89PNG\r\n\x1a\n" + bytes(200_000)
    response = api.as_("picker").post("/api/v1/devices/decode", data=body, content_type="image/png",
                                      key="big-1")
    assert (response.status_code, response.get_json()["code"]) == (413, "image_too_large")


