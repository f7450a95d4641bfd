"""Camera images uploaded to the API are decoded on the server; non-images are refused."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest

from devices.scanners.synthetic import ean13_check, make_frame, render_qr, render_zpl_barcode

EAN = ean13_check("690123456789")


def png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def label_photo(code: np.ndarray, scale: int = 3) -> np.ndarray:
    """A code on a white label in a grey frame, as a phone camera sees a carton."""
    code = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    frame = np.full((code.shape[0] + 200, code.shape[1] + 200), 140, np.uint8)
    frame[60:-60, 60:-60] = 255
    frame[100:-100, 100:-100] = code
    return frame


def test_ean13_in_a_multipart_upload_gives_its_gtin(api):
    image = png(label_photo(render_zpl_barcode("ean13", EAN)))
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
    image = label_photo(render_qr(gs1), scale=6)
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


@pytest.mark.parametrize("data", [
    b"hello, not an image", b"%PDF-1.7\n...", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRbroken"])
def test_non_images_are_refused(api, data):
    response = api.as_("picker").post("/api/v1/devices/decode", data=data,
                                      content_type="application/octet-stream")
    body = response.get_json()
    assert response.status_code == 415, body
    assert body["code"] == "not_an_image"


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
    image = png(label_photo(render_zpl_barcode("ean13", EAN)))
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


def test_a_small_file_claiming_huge_dimensions_is_refused(api):
    header = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + (50000).to_bytes(4, "big") * 2 + b"\x08\0\0\0\0"
    response = api.as_("picker").post("/api/v1/devices/decode", data=header, content_type="image/png")
    assert (response.status_code, response.get_json()["code"]) == (413, "image_too_large")


def test_empty_upload(api):
    response = api.as_("picker").post("/api/v1/devices/decode", data=b"", content_type="image/png")
    assert (response.status_code, response.get_json()["code"]) == (422, "invalid_input")
