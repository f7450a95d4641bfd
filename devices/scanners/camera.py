"""Camera images decoded on the server: OpenCV preprocessing in front of pyzbar.

Plain zbar reads a 1280x720 frame poorly when the code is small, rotated, soft or noisy.
The pipeline finds candidate regions first (gradient energy on a half-size image),
then for each region: crops it, turns it upright along its own axis, upscales small
crops, smooths noise, and tries zbar on the crop, then on a binarised crop. Crops are
small, so this is usually faster than zbar on the whole frame, which is only the last
resort. What comes back is validated (symbology allow-list, zbar's own check digits,
at least two agreeing scan lines for 1D codes, GS1 check digits) so that a misread is
dropped rather than returned. :class:`FrameConfirmer` adds the two-agreeing-frames
rule for callers that stream frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

from ..errors import DecodeEngineUnavailable, DecodeError, DeviceError
from .aim import KNOWN
from .gs1 import looks_like_gs1
from .images import read_image
from .scan import Scan, interpret

ZBAR_NAMES = {
    "CODE128": "code128",
    "EAN13": "ean13",
    "EAN8": "ean8",
    "UPCA": "upca",
    "UPCE": "upce",
    "QRCODE": "qrcode",
    "I25": "itf",
    "CODE39": "code39",
    "DATABAR": "gs1-databar",
    "DATABAR_EXP": "gs1-databar",
    "CODE93": "code93",
    "CODABAR": "codabar",
    "PDF417": "pdf417",
}
AIM_FOR = {
    "code128": "]C0",
    "ean13": "]E0",
    "ean8": "]E4",
    "upca": "]E0",
    "qrcode": "]Q1",
    "itf": "]I0",
    "code39": "]A0",
    "gs1-databar": "]e0",
}
GS1_AIM_FOR = {"code128": "]C1", "qrcode": "]Q3"}
# Interleaved 2 of 5 and DataBar are left out by default: zbar finds them in noise.
DEFAULT_SYMBOLS = (ZBarSymbol.CODE128, ZBarSymbol.EAN13, ZBarSymbol.EAN8, ZBarSymbol.UPCA, ZBarSymbol.QRCODE)
LINEAR = {"code128", "ean13", "ean8", "upca", "upce", "itf", "code39", "code93", "codabar"}
#: Smaller than this on a side, an image holds no code the region finder could see.
MIN_REGION_SIDE = 16


@dataclass(frozen=True)
class Decoded:
    """A validated barcode found in an image."""

    scan: Scan
    rect: tuple[int, int, int, int]  # x, y, w, h in the input image
    engine: str

    def to_dict(self) -> dict:
        """Return the result as a JSON-ready mapping."""
        return {**self.scan.to_dict(), "rect": list(self.rect), "engine": self.engine}


def to_gray(image) -> np.ndarray:
    """Accept a path, encoded bytes or an array; return an 8-bit grayscale array."""
    if isinstance(image, (str, bytes, bytearray, memoryview)) or hasattr(image, "__fspath__"):
        return read_image(image)
    arr = np.asarray(image)
    if arr.size == 0 or arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)):
        raise DecodeError("image must be a 2-D grayscale or colour array")
    if arr.dtype.kind not in "buif":
        raise DecodeError(f"image pixels must be numbers, not {arr.dtype}")
    if arr.dtype != np.uint8:
        arr = np.clip(np.nan_to_num(arr.astype(np.float64)), 0, 255).astype(np.uint8)
    if arr.ndim == 3:
        channels = arr.shape[2]
        arr = arr[:, :, 0] if channels == 1 else cv2.cvtColor(
            arr, cv2.COLOR_BGRA2GRAY if channels == 4 else cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(arr)


def _validate(text: str, kind: str) -> Scan | None:
    """Interpret a raw read; None if it fails validation (treated as a misread)."""
    gs1 = kind in GS1_AIM_FOR and looks_like_gs1(text)
    aim = GS1_AIM_FOR[kind] if gs1 else AIM_FOR.get(kind)
    try:
        scan = interpret(text, KNOWN.get(aim) if aim else None)
    except DeviceError:
        return None
    return Scan(scan.text, kind if not gs1 else scan.symbology, aim, scan.gs1)


def _zbar(gray: np.ndarray, symbols):
    out = []
    for d in pyzbar.decode(gray, symbols=symbols):
        kind = ZBAR_NAMES.get(d.type, d.type.lower())
        text = d.data.decode("utf-8", "replace")
        if kind == "upca":  # zbar's name for an EAN-13 starting with 0; scanners send 13 digits
            kind, text = "ean13", "0" + text
        out.append((text, kind, d.quality, d.rect))
    return out


def decode_plain(image, symbols=None) -> list[Decoded]:
    """Plain pyzbar on the whole image (the baseline the pipeline is measured against)."""
    gray = to_gray(image)
    found = []
    for d in pyzbar.decode(gray, symbols=symbols):
        kind = ZBAR_NAMES.get(d.type, d.type.lower())
        found.append(Decoded(Scan(d.data.decode("utf-8", "replace"), kind), tuple(d.rect), "pyzbar"))
    return found


def find_regions(gray: np.ndarray, max_regions: int = 4):
    """Candidate barcode regions as rotated rectangles ((cx, cy), (w, h), angle) in full-size pixels.

    Barcodes are patches dense in strong edges; a wide box filter keeps them and
    fades thin lines (shelf edges, box outlines) and sparse text. An image smaller than
    ``MIN_REGION_SIDE`` on a side has no regions (zbar still gets the whole of it).
    """
    if min(gray.shape[:2]) < MIN_REGION_SIDE:
        return []
    small = cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (3, 3), 0)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    energy = cv2.blur(cv2.magnitude(gx, gy), (11, 11))
    threshold = max(float(energy.mean() + 2.0 * energy.std()), 0.35 * float(energy.max()))
    mask = (energy > threshold).astype(np.uint8) * 255
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (11, 11)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    scored = []
    for c in contours:
        area = cv2.contourArea(c)
        if area < 100:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(c)
        if min(w, h) < 6:
            continue
        x, y, bw, bh = cv2.boundingRect(c)
        density = float(energy[y : y + bh, x : x + bw].mean())
        scored.append((density * min(area, 20000) ** 0.5, ((cx * 2, cy * 2), (w * 2, h * 2), angle)))
    scored.sort(key=lambda s: -s[0])
    return [r for _, r in scored[:max_regions]]


def upright_crop(gray: np.ndarray, rect, pad: float = 0.15) -> np.ndarray:
    """Cut a rotated rectangle out of ``gray`` and turn it axis-aligned."""
    (cx, cy), (w, h), angle = rect
    w, h = w * (1 + 2 * pad) + 8, h * (1 + 2 * pad) + 8
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[0, 2] += w / 2 - cx
    matrix[1, 2] += h / 2 - cy
    return cv2.warpAffine(
        gray, matrix, (int(w), int(h)), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _variants(crop: np.ndarray):
    """Preprocessed versions of a crop, most often successful first."""
    if min(crop.shape) < 120:
        crop = cv2.resize(crop, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    yield crop
    norm = cv2.normalize(crop, None, 0, 255, cv2.NORM_MINMAX)
    yield cv2.addWeighted(norm, 2.0, cv2.GaussianBlur(norm, (0, 0), 2.0), -1.0, 0)  # unsharp mask
    smooth = cv2.GaussianBlur(crop, (0, 0), 1.2)  # noise
    yield smooth
    _, binary = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    yield binary


def decode_pipeline(
    image, symbols=DEFAULT_SYMBOLS, *, max_regions: int = 4, fallback: bool = True, sure_quality: int = 6
) -> list[Decoded]:
    """Our pipeline: regions, upright crops, preprocessing, zbar, validation.

    A 1D read seen on fewer than ``sure_quality`` scan lines is only tentative: it is
    returned once a second preprocessing variant or region reads the same text.
    """
    gray = to_gray(image)
    found: dict[str, Decoded] = {}
    votes: dict[str, int] = {}

    def consider(text, kind, quality, rect) -> None:
        if text in found:
            return
        scan = _validate(text, kind)
        if scan is None:
            return
        votes[text] = votes.get(text, 0) + 1
        if kind not in LINEAR or quality >= sure_quality or votes[text] >= 2:
            found[text] = Decoded(scan, rect, "pipeline")

    for rect in find_regions(gray, max_regions):
        crop = upright_crop(gray, rect)
        box = (
            int(rect[0][0] - rect[1][0] / 2),
            int(rect[0][1] - rect[1][1] / 2),
            int(rect[1][0]),
            int(rect[1][1]),
        )
        for variant in _variants(crop):
            for text, kind, quality, _r in _zbar(variant, symbols):
                consider(text, kind, quality, box)
            if found:
                break
        if found:
            break
    if not found and fallback:
        for text, kind, quality, r in _zbar(gray, symbols):
            consider(text, kind, quality, tuple(r))
    return list(found.values())


def zxing_available() -> bool:
    """True when the optional zxing-cpp engine is installed."""
    try:
        import zxingcpp  # noqa: F401
    except ImportError:
        return False
    return True


def decode_zxing(image) -> list[Decoded]:
    """Decode with zxing-cpp (optional engine), validated like the pipeline."""
    try:
        import zxingcpp
    except ImportError:
        raise DecodeEngineUnavailable(
            "decode engine 'zxing-cpp' is not installed here (pip install zxing-cpp)", engine="zxing-cpp"
        ) from None

    gray = to_gray(image)
    out = []
    for b in zxingcpp.read_barcodes(gray):
        aim = b.symbology_identifier
        fmt = str(b.format).split(".")[-1].lower().replace(" ", "")
        kind = {
            "code128": "code128",
            "ean13": "ean13",
            "ean8": "ean8",
            "upca": "upca",
            "qrcode": "qrcode",
        }.get(fmt, fmt)
        text = b.text if not aim.startswith(("]C1", "]Q3", "]d2")) else b.bytes.decode("latin-1")
        try:
            scan = interpret(aim + text) if aim else Scan(text, kind)
        except DeviceError:
            continue
        pos = b.position
        xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
        ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
        out.append(
            Decoded(
                Scan(
                    scan.text, kind if scan.symbology in (None, "ean") else scan.symbology, scan.aim, scan.gs1
                ),
                (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)),
                "zxing-cpp",
            )
        )
    return out


ENGINES = {"pipeline": decode_pipeline, "pyzbar": decode_plain, "zxing-cpp": decode_zxing}


def decode_image(image, engine: str = "pipeline") -> list[Decoded]:
    """Decode every barcode in an image with the named engine (default: our pipeline)."""
    try:
        fn = ENGINES[engine]
    except KeyError:
        raise DecodeError(f"unknown engine {engine!r}; choose from {sorted(ENGINES)}") from None
    return fn(image)


def decode_one(image, engine: str = "pipeline") -> Decoded:
    """Decode exactly one barcode; DecodeError if none (or several different) found."""
    found = decode_image(image, engine)
    if not found:
        raise DecodeError("no barcode found")
    if len({d.scan.text for d in found}) > 1:
        raise DecodeError(f"{len(found)} different barcodes in one image")
    return found[0]


class FrameConfirmer:
    """Two agreeing reads: a code is accepted once seen in ``needed`` frames within ``window`` s."""

    def __init__(self, needed: int = 2, window: float = 2.0, engine: str = "pipeline"):
        self.needed, self.window, self.engine = needed, window, engine
        self._seen: dict[str, list[float]] = {}

    def feed(self, image, at: float | None = None) -> Decoded | None:
        """Decode a frame; return a code once it has been read often enough, else None."""
        at = time.monotonic() if at is None else at
        for decoded in decode_image(image, self.engine):
            times = [t for t in self._seen.get(decoded.scan.text, []) if at - t <= self.window] + [at]
            self._seen[decoded.scan.text] = times
            if len(times) >= self.needed:
                self._seen.clear()
                return decoded
        return None
