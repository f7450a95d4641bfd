"""Synthetic camera frames with barcodes, for tests and the decode benchmark.

Barcodes and DataMatrix symbols are rendered with zplkit (a development dependency,
imported lazily) and QR codes with OpenCV's encoder, then placed in a cluttered 1280x720
frame, shrunk, rotated, blurred, dimmed and made noisy; the hard set is also shaken and
JPEG-compressed. Deterministic for a given seed. Also hostile uploads: images that once
crashed or slipped past the decoder's checks.
"""

from __future__ import annotations

import functools
import random
import zlib
from dataclasses import dataclass

import cv2
import numpy as np
from biip.checksums import gs1_standard_check_digit

FRAME_W, FRAME_H = 1280, 720
#: Symbologies drawn with square modules (the others are 1D, drawn 0.6 as tall as a module is wide).
SQUARE = ("qrcode", "datamatrix")


@dataclass(frozen=True)
class Frame:
    """A generated frame and the truth it hides."""

    image: np.ndarray
    symbology: str  # "code128", "ean13", "qrcode" or "datamatrix"
    text: str
    params: dict


def ean13_check(digits12: str) -> str:
    """Return the 13-digit EAN with its check digit appended."""
    return digits12 + str(gs1_standard_check_digit(digits12))


def render_zpl_barcode(symbology: str, text: str) -> np.ndarray:
    """Render one barcode at 1 dot per module with zplkit; returns a tight grayscale crop."""
    import zplkit

    if symbology == "code128":
        field = f"^BY1^BCN,60,N,N,N^FD{text}^FS"
    elif symbology == "ean13":
        field = f"^BY1^BEN,60,N,N^FD{text[:12]}^FS"
    elif symbology == "datamatrix":
        field = f"^BXN,1,200^FD{text}^FS"
    else:
        raise ValueError(symbology)
    zpl = f"^XA^PW1200^LL200^FO50,50{field}^XZ"
    png = zplkit.render(zpl, zplkit.Options(dpi=203)).labels[0].png()
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    ys, xs = np.where(img < 128)
    return img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def render_qr(text: str) -> np.ndarray:
    """Render a QR code at 1 pixel per module (no quiet zone)."""
    img = cv2.QRCodeEncoder.create().encode(text)
    ys, xs = np.where(img < 128)
    return img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def _background(rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    low = nrng.uniform(60, 200, size=(9, 16)).astype(np.float32)
    bg = np.clip(cv2.resize(low, (FRAME_W, FRAME_H), interpolation=cv2.INTER_CUBIC), 0, 255).astype(np.uint8)
    for _ in range(rng.randint(3, 8)):  # boxes, labels, shelf edges
        x, y = rng.randrange(FRAME_W), rng.randrange(FRAME_H)
        w, h = rng.randint(40, 400), rng.randint(20, 300)
        cv2.rectangle(bg, (x, y), (x + w, y + h), rng.randint(30, 230), -1 if rng.random() < 0.6 else 3)
    for _ in range(rng.randint(1, 4)):  # printed text clutter
        cv2.putText(
            bg,
            "".join(rng.choice("ABCDEFGH0123456789 ") for _ in range(12)),
            (rng.randrange(FRAME_W - 300), rng.randrange(30, FRAME_H)),
            cv2.FONT_HERSHEY_SIMPLEX,
            rng.uniform(0.5, 1.2),
            rng.randint(0, 80),
            rng.randint(1, 2),
        )
    return bg.astype(np.float32)


def make_frame(seed: int, symbology: str | None = None) -> Frame:
    """Generate one hard frame (deterministic for ``seed``)."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    symbology = symbology or rng.choice(["code128", "ean13", "qrcode"])
    if symbology == "code128":
        text = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-") for _ in range(rng.randint(8, 14)))
        code = render_zpl_barcode("code128", text)
        module = rng.uniform(1.5, 3.0)
        angle = rng.uniform(-35, 35) + rng.choice([0, 0, 90])
    elif symbology == "ean13":
        text = ean13_check("".join(str(rng.randrange(10)) for _ in range(12)))
        code = render_zpl_barcode("ean13", text)
        module = rng.uniform(1.5, 3.0)
        angle = rng.uniform(-35, 35) + rng.choice([0, 0, 90])
    else:
        text = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(rng.randint(10, 40)))
        code = render_qr(text)
        module = rng.uniform(2.2, 4.0)
        angle = rng.uniform(0, 360)
    blur = rng.uniform(0.3, 1.3)
    noise = rng.uniform(2, 12)
    dark, light = rng.uniform(20, 90), rng.uniform(150, 240)
    image = _place(code, symbology in SQUARE, module, angle, blur, noise, dark, light, rng, nrng)
    params = {
        "module": round(module, 2),
        "angle": round(angle, 1),
        "blur": round(blur, 2),
        "noise": round(noise, 1),
        "contrast": round(light - dark),
    }
    return Frame(image, symbology, text, params)


def _place(code, square, module, angle, blur, noise, dark, light, rng, nrng, motion=0) -> np.ndarray:
    """Put a code on a label in a cluttered frame, then shrink, turn, blur and add noise."""
    # Quiet zone of 10 modules in a white patch (a label on a box).
    pad = 10
    patch = np.full((code.shape[0] + 2 * pad, code.shape[1] + 2 * pad), 255, np.uint8)
    patch[pad:-pad, pad:-pad] = code
    patch = cv2.resize(patch, None, fx=module, fy=module * (1.0 if square else 0.6), interpolation=cv2.INTER_AREA)
    patch = dark + (patch.astype(np.float32) / 255.0) * (light - dark)
    h, w = patch.shape
    frame = _background(rng, nrng)
    cx = rng.uniform(w / 2 + 20, FRAME_W - w / 2 - 20) if w < FRAME_W - 60 else FRAME_W / 2
    cy = rng.uniform(h / 2 + 20, FRAME_H - h / 2 - 20) if h < FRAME_H - 60 else FRAME_H / 2
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[0, 2] += cx - w / 2
    matrix[1, 2] += cy - h / 2
    mask = cv2.warpAffine(np.ones_like(patch), matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR)
    warped = cv2.warpAffine(patch, matrix, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR)
    frame = frame * (1 - mask) + warped * mask
    frame = cv2.GaussianBlur(frame, (0, 0), blur)
    if motion:  # the hand moved while the shutter was open: a line of ``motion`` pixels
        kernel = np.zeros((motion, motion), np.float32)
        kernel[motion // 2, :] = 1.0 / motion
        turn = cv2.getRotationMatrix2D(((motion - 1) / 2, (motion - 1) / 2), rng.uniform(0, 180), 1.0)
        kernel = cv2.warpAffine(kernel, turn, (motion, motion))
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
    frame = frame + nrng.normal(0, noise, frame.shape)
    return np.clip(frame, 0, 255).astype(np.uint8)


HARD_KINDS = ("ean13", "code128", "qrcode", "datamatrix")


def make_hard_frame(seed: int, symbology: str) -> Frame:
    """One frame harder than :func:`make_frame`: lower contrast, motion blur, JPEG, DataMatrix too.

    What a phone sends from a dim aisle: codes a little smaller, contrast down to a
    fifth of the range, sometimes a shaken hand, and always JPEG compression.
    """
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    if symbology == "ean13":
        text = ean13_check("".join(str(rng.randrange(10)) for _ in range(12)))
    elif symbology == "code128":
        text = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-") for _ in range(rng.randint(8, 16)))
    elif symbology in SQUARE:
        text = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(rng.randint(8, 30)))
    else:
        raise ValueError(symbology)
    if symbology in SQUARE:
        code = render_qr(text) if symbology == "qrcode" else render_zpl_barcode(symbology, text)
        module = rng.uniform(2.2, 4.0)
        angle = rng.uniform(0, 360)
    else:
        code = render_zpl_barcode(symbology, text)
        module = rng.uniform(1.6, 3.0)
        angle = rng.uniform(-35, 35) + rng.choice([0, 0, 90])
    blur = rng.uniform(0.3, 1.3)
    motion = rng.choice([0, 0, 0, 2, 3])
    noise = rng.uniform(2, 12)
    dark, light = rng.uniform(30, 100), rng.uniform(140, 235)
    quality = rng.randint(40, 90)
    image = _place(code, symbology in SQUARE, module, angle, blur, noise, dark, light, rng, nrng, motion)
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    image = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    params = {
        "module": round(module, 2),
        "angle": round(angle, 1),
        "blur": round(blur, 2),
        "motion": motion,
        "noise": round(noise, 1),
        "contrast": round(light - dark),
        "jpeg": quality,
    }
    return Frame(image, symbology, text, params)


def make_hard_frames(count: int, seed: int = 1) -> list[Frame]:
    """Generate ``count`` hard frames, cycling through EAN-13, Code 128, QR and DataMatrix."""
    return [make_hard_frame(seed * 100019 + i, HARD_KINDS[i % len(HARD_KINDS)]) for i in range(count)]


def make_frames(count: int, seed: int = 1) -> list[Frame]:
    """Generate ``count`` frames, cycling through the three symbologies."""
    kinds = ["code128", "ean13", "qrcode"]
    return [make_frame(seed * 100003 + i, kinds[i % 3]) for i in range(count)]


def label_photo(codes: list[np.ndarray], scale: int = 3, gap: int = 300, stacked: bool = False) -> np.ndarray:
    """Codes printed side by side (or one above the other) on a white label in a grey frame."""
    codes = [cv2.resize(c, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST) for c in codes]
    if stacked:
        width, height = max(c.shape[1] for c in codes), sum(c.shape[0] for c in codes) + gap * (len(codes) - 1)
    else:
        width, height = sum(c.shape[1] for c in codes) + gap * (len(codes) - 1), max(c.shape[0] for c in codes)
    frame = np.full((height + 200, width + 200), 140, np.uint8)
    frame[60:-60, 60:-60] = 255
    at = 100
    for c in codes:
        if stacked:
            frame[at : at + c.shape[0], 100 : 100 + c.shape[1]] = c
            at += c.shape[0] + gap
        else:
            frame[100 : 100 + c.shape[0], at : at + c.shape[1]] = c
            at += c.shape[1] + gap
    return frame


# -- hostile uploads ---------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def _png_header(width: int, height: int) -> bytes:
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])  # 8-bit grey
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)


def _encode(ext: str, image: np.ndarray, *params: int) -> bytes:
    ok, data = cv2.imencode(ext, image, list(params))
    assert ok
    return data.tobytes()


@functools.lru_cache(maxsize=1)
def hostile_images() -> dict[str, bytes]:
    """Uploads that once crashed or bypassed the decoder, by name (deterministic)."""
    noise = np.random.default_rng(7).integers(0, 255, (480, 640), dtype=np.uint8)
    jpeg = _encode(".jpg", noise, cv2.IMWRITE_JPEG_QUALITY, 80)
    sof = jpeg.index(b"\xff\xc0")
    junk = jpeg[:sof] + b"\x00" + jpeg[sof:]  # one stray byte before the frame header
    huge_jpeg = bytearray(junk)
    at = huge_jpeg.index(b"\xff\xc0")
    huge_jpeg[at + 5 : at + 9] = (8000).to_bytes(2, "big") * 2  # 64 Mpixel declared
    # A lossless WebP whose VP8L header declares the format's maximum, 16383 x 16383.
    webp = bytearray(_encode(".webp", np.full((16, 16), 128, np.uint8), cv2.IMWRITE_WEBP_QUALITY, 101))
    bits = int.from_bytes(webp[21:25], "little")
    bits = (bits & ~((1 << 28) - 1)) | 16382 | (16382 << 14)
    webp[21:25] = bits.to_bytes(4, "little")
    # 7000 x 7000 grey pixels of zeros: 49 Mpixel from under 50 kB, a decompression bomb.
    rows = zlib.compressobj(9)
    row = bytes(7001)
    idat = b"".join(rows.compress(row) for _ in range(7000)) + rows.flush()
    bomb = _png_header(7000, 7000) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    bmp = bytearray(_encode(".bmp", np.zeros((4, 4), np.uint8)))
    bmp[18:26] = (30000).to_bytes(4, "little") + (30000).to_bytes(4, "little")
    return {
        "png 1x1": _encode(".png", np.zeros((1, 1), np.uint8)),
        "png 3x1": _encode(".png", np.zeros((1, 3), np.uint8)),
        "webp 1x1": _encode(".webp", np.full((1, 1), 200, np.uint8)),
        "webp 5x3": _encode(".webp", np.full((3, 5), 200, np.uint8), cv2.IMWRITE_WEBP_QUALITY, 50),
        "jpeg with a junk byte": junk,
        "jpeg cut in the middle": jpeg[: len(jpeg) // 2],
        "jpeg cut in its header": jpeg[:300],
        "jpeg with a junk byte declaring 8000x8000": bytes(huge_jpeg),
        "png declaring 50000x50000": _png_header(50000, 50000) + _png_chunk(b"IDAT", b"\0" * 16),
        "png declaring 10000x10000": _png_header(10000, 10000) + _png_chunk(b"IDAT", b"\0" * 16),
        "png header only": _png_header(50000, 50000),
        "webp declaring 16383x16383": bytes(webp),
        "bmp declaring 30000x30000": bytes(bmp),
        "png bomb 7000x7000": bomb,
        "text": b"hello, not an image",
        "pdf": b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
        "broken png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRbroken",
        "empty": b"",
    }
