"""Camera images decoded on the server: OpenCV preprocessing in front of pyzbar.

Plain zbar reads a 1280x720 frame poorly when the code is small, rotated, soft or noisy.
The pipeline finds candidate regions first (gradient energy on a half-size image),
then for each region: crops it, turns it upright along its own axis, upscales small
crops, and reads zbar on several preprocessed variants of the crop (see ``VARIANTS``);
the half-size frame is read too. Crops are small, so this is faster than zbar on the
whole frame, which is only the last resort.

A wrong code is worse than no code: a misread EAN-13 puts the wrong item on a receipt,
and one misread in ten passes the check digit by chance. So every read is validated
(symbology allow-list, zbar's own check digits, GS1 check digits), a code is returned
only when two independent reads agree on it (two different variants, or a variant and
the whole frame; the same pixels treated the same way count once), and two different
codes read at one place are a :class:`~devices.errors.DecodeAmbiguous`, not a guess.
:class:`FrameConfirmer` adds the two-agreeing-frames rule for callers that stream frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
from pyzbar import pyzbar
from pyzbar.pyzbar import ZBarSymbol

from ..errors import DecodeAmbiguous, DecodeEngineUnavailable, DecodeError, DeviceError
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
#: Symbologies one misread can turn into each other (a reversed EAN-13 scans as a UPC-A).
CONFUSABLE = {"ean13": "ean", "ean8": "ean", "upca": "ean", "upce": "ean"}
#: Independent reads that must agree before a code is returned.
AGREEING_READS = 2
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
    """Interpret a raw read; None if it fails validation (treated as a misread).

    A read without its AIM that looks like GS1 is tried as GS1 first, then as the plain code
    it also is: a courier's all-digit tracking number such as 00123456789012 starts like a
    GS1 SSCC without being one, and is still the number printed."""
    tries = (True, False) if kind in GS1_AIM_FOR and looks_like_gs1(text) else (False,)
    for gs1 in tries:
        aim = GS1_AIM_FOR[kind] if gs1 else AIM_FOR.get(kind)
        try:
            scan = interpret(text, KNOWN.get(aim) if aim else None)
        except DeviceError:
            continue
        return Scan(scan.text, kind if not gs1 else scan.symbology, aim, scan.gs1)
    return None


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


def _half(gray: np.ndarray) -> np.ndarray:
    """The image at half size (what the region finder works on)."""
    return cv2.resize(gray, (gray.shape[1] // 2, gray.shape[0] // 2), interpolation=cv2.INTER_AREA)


def find_regions(gray: np.ndarray, max_regions: int = 4):
    """Candidate barcode regions as rotated rectangles ((cx, cy), (w, h), angle) in full-size pixels.

    Barcodes are patches dense in strong edges; a wide box filter keeps them and
    fades thin lines (shelf edges, box outlines) and sparse text. An image smaller than
    ``MIN_REGION_SIDE`` on a side has no regions (zbar still gets the whole of it).
    """
    if min(gray.shape[:2]) < MIN_REGION_SIDE:
        return []
    small = cv2.GaussianBlur(_half(gray), (3, 3), 0)
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


def _padded(rect, pad: float = 0.15):
    """The rotated rectangle a crop of ``rect`` covers: the region plus a margin."""
    (cx, cy), (w, h), angle = rect
    return (cx, cy), (w * (1 + 2 * pad) + 8, h * (1 + 2 * pad) + 8), angle


def upright_crop(gray: np.ndarray, rect, pad: float = 0.15) -> np.ndarray:
    """Cut a rotated rectangle out of ``gray`` and turn it axis-aligned."""
    (cx, cy), (w, h), angle = _padded(rect, pad)
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[0, 2] += w / 2 - cx
    matrix[1, 2] += h / 2 - cy
    return cv2.warpAffine(
        gray, matrix, (int(w), int(h)), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


#: The variants of a crop that zbar reads, in the order :func:`_variants` makes them.
#: Chosen on 5,100 generated frames: each adds reads the others miss. A smoothed variant
#: was dropped (on soft EAN-13s it misread the left half more often than it helped), and so
#: was a 3x upscale (1 % more codes for a third of the time).
VARIANTS = ("sharpened-binarised", "sharpened", "plain", "equalised", "median")
OTHER_THAN_PLAIN = tuple(v for v in VARIANTS if v != "plain")
#: A crop whose first variants read nothing is given up (the later ones rarely read it then).
GIVE_UP_AFTER = 2


def _sharpen(gray: np.ndarray) -> np.ndarray:
    norm = cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX)
    return cv2.addWeighted(norm, 2.0, cv2.GaussianBlur(norm, (0, 0), 2.0), -1.0, 0)  # unsharp mask


def _variants(crop: np.ndarray):
    """Preprocessed versions of a crop as (name, image), most often successful first."""
    small = min(crop.shape) < 120
    up = cv2.resize(crop, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC) if small else crop
    sharp = _sharpen(up)
    # Edges kept hard, then cut: the variant that reads most, and the quickest to read.
    yield "sharpened-binarised", cv2.threshold(sharp, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    yield "sharpened", sharp
    yield "plain", up
    yield "equalised", _sharpen(cv2.createCLAHE(2.0, (8, 8)).apply(up))  # uneven light, low contrast
    yield "median", cv2.medianBlur(up, 3)  # noise, without softening edges as a blur does


def _treatment(source: str) -> str:
    """Reads of the same pixels treated the same way are one read, wherever they were cut."""
    name = source.removeprefix("frame:")
    return "plain" if name in ("plain", "half-frame") else name


@dataclass(frozen=True)
class _Read:
    """One valid read: what was read, where (a place in the frame) and by which variant."""

    scan: Scan
    kind: str  # as zbar named it, GS1 or not
    place: int | None  # a region's place; None for a whole-frame read outside every region
    source: str
    rect: tuple[int, int, int, int]


def _groups(count: int, touch) -> list[int]:
    """A group id for each of ``count`` items, joining any two for which ``touch(i, j)``."""
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(count):
        for j in range(i):
            if touch(i, j):
                parent[root(i)] = root(j)
    return [root(i) for i in range(count)]


def _places(regions) -> list[int]:
    """A place id per region; regions whose crops overlap see the same code and share one."""
    return _groups(len(regions), lambda i, j: cv2.rotatedRectangleIntersection(
        _padded(regions[i]), _padded(regions[j]))[0] != cv2.INTERSECT_NONE)


def _place_of(rect, regions, places) -> int | None:
    """The place a whole-frame read falls in: the region around its centre, or None."""
    x, y, w, h = rect
    for region, place in zip(regions, places, strict=True):
        corners = cv2.boxPoints(_padded(region)).reshape(-1, 1, 2)
        if cv2.pointPolygonTest(corners, (x + w / 2, y + h / 2), False) >= 0:
            return place
    return None


def _near(a, b, margin: int = 8) -> bool:
    """Whether two boxes (x, y, w, h) overlap or come within ``margin`` pixels."""
    return (a[0] - margin <= b[0] + b[2] and b[0] - margin <= a[0] + a[2]
            and a[1] - margin <= b[1] + b[3] and b[1] - margin <= a[1] + a[3])


def _agreed(reads: list[_Read], needed: int):
    """Codes confirmed by ``needed`` independent reads, the places where reads disagree,
    and whether some code was read but not confirmed yet.

    A whole-frame read outside every region is placed with the reads whose boxes touch it.
    """
    outside = [i for i, r in enumerate(reads) if r.place is None]
    groups = _groups(len(outside), lambda i, j: _near(reads[outside[i]].rect, reads[outside[j]].rect))
    place_of = {k: -1 - g for k, g in zip(outside, groups, strict=True)}
    texts_at: dict[tuple[int, str], set[str]] = {}
    support: dict[str, set[str]] = {}
    for i, r in enumerate(reads):
        place = r.place if r.place is not None else place_of[i]
        texts_at.setdefault((place, CONFUSABLE.get(r.kind, r.kind)), set()).add(r.scan.text)
        support.setdefault(r.scan.text, set()).add(_treatment(r.source))
    conflicts = {key: texts for key, texts in texts_at.items() if len(texts) > 1}
    found: dict[str, Decoded] = {}
    for r in reads:
        if r.scan.text not in found and len(support[r.scan.text]) >= needed:
            found[r.scan.text] = Decoded(r.scan, r.rect, "pipeline")
    return list(found.values()), conflicts, len(found) < len(support)


def _read_variants(image: np.ndarray, symbols, where, only=VARIANTS, prefix="") -> list[_Read]:
    """The valid reads of variants of ``image``; ``where(rect)`` gives a read's place and box."""
    reads, wanted = [], set(only)
    for name, variant in _variants(image):
        if not wanted or (len(only) - len(wanted) >= GIVE_UP_AFTER and not reads):
            break  # variants are made lazily: do not make the rest
        if name not in wanted:
            continue
        wanted.discard(name)
        source = prefix + name
        scale = image.shape[1] / variant.shape[1]  # small images are read upscaled
        for text, kind, _quality, r in _zbar(variant, symbols):
            scan = _validate(text, kind)
            if scan is not None:
                place, box = where(tuple(int(v * scale) for v in r))
                reads.append(_Read(scan, kind, place, source, box))
    return reads


def decode_pipeline(
    image, symbols=DEFAULT_SYMBOLS, *, max_regions: int = 4, fallback: bool = True, needed: int = AGREEING_READS
) -> list[Decoded]:
    """Our pipeline: regions, upright crops, preprocessing, zbar, validation, agreement.

    Every variant of every region is read. A code is returned once ``needed`` of those
    reads (variants of a region, or of the whole frame) agree on it; a code read only
    once is not returned. Two different codes of one symbology family read at the same
    place raise :class:`DecodeAmbiguous`: one of them is a misread, and there is no
    telling which.
    """
    gray = to_gray(image)
    regions = find_regions(gray, max_regions)
    places = _places(regions)

    def where(r):
        return _place_of(r, regions, places), r

    reads: list[_Read] = []
    for rect, place in zip(regions, places, strict=True):
        box = tuple(int(v) for v in cv2.boundingRect(cv2.boxPoints(rect).astype(np.int32)))
        reads += _read_variants(upright_crop(gray, rect), symbols, lambda _r, p=place, b=box: (p, b))
    if regions:
        # The half-size frame is quick to read and sees the large codes that the region
        # finder sometimes cuts in two: a second code on the label is not silently missed.
        for text, kind, _quality, r in _zbar(_half(gray), symbols):
            scan = _validate(text, kind)
            if scan is not None:
                place, rect = where(tuple(2 * v for v in r))
                reads.append(_Read(scan, kind, place, "half-frame", rect))
    found, conflicts, pending = _agreed(reads, needed)
    # zbar on the whole frame is the last resort (slow, and it reads little the crops
    # missed): the second read of a code seen only once, or the read of a clean label
    # that the region finder cut into strips, confirmed by the whole frame's other variants.
    if fallback and not conflicts and (pending or not found):
        frame_reads = _read_variants(gray, symbols, where, only=("plain",), prefix="frame:")
        reads += frame_reads
        found, conflicts, pending = _agreed(reads, needed)
        if frame_reads and not conflicts and (pending or not found):
            reads += _read_variants(gray, symbols, where, only=OTHER_THAN_PLAIN, prefix="frame:")
            found, conflicts, pending = _agreed(reads, needed)
    if conflicts:
        family, texts = next((f, t) for (_p, f), t in conflicts.items())
        raise DecodeAmbiguous(
            f"{len(texts)} different {family} codes read at one place; none is returned, scan again"
        )
    return found


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
        """Decode a frame; return a code once it has been read often enough, else None.

        A frame whose reads disagree is no read, and the frames before it count no more.
        """
        at = time.monotonic() if at is None else at
        try:
            found = decode_image(image, self.engine)
        except DecodeAmbiguous:
            self._seen.clear()
            return None
        for decoded in found:
            times = [t for t in self._seen.get(decoded.scan.text, []) if at - t <= self.window] + [at]
            self._seen[decoded.scan.text] = times
            if len(times) >= self.needed:
                self._seen.clear()
                return decoded
        return None
