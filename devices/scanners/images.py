"""Camera images read safely: format and pixel count from the header, then the pixels.

An upload is untrusted. A few hundred bytes can declare a WebP of 16383x16383 or a PNG
that inflates to gigabytes, and decoders tolerate junk between JPEG segments that a
hand-written header parser stops at. Pillow reads the header of every format we accept
without decoding the pixels, so the pixel count is checked before OpenCV allocates
anything, and the decoded size is checked again against the header.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import ImageTooLarge, NotAnImage

#: Pixels an image may have at most (a 40 Mpixel phone photo is the largest we expect).
MAX_PIXELS = 40_000_000
#: Formats a camera or phone sends, as Pillow names them.
FORMATS = ("PNG", "JPEG", "BMP", "WEBP")


@dataclass(frozen=True)
class ImageHeader:
    """What an image's header says, before any pixel is decoded."""

    format: str  # "png", "jpeg", "bmp" or "webp"
    width: int
    height: int

    @property
    def pixels(self) -> int:
        """Width times height."""
        return self.width * self.height


def read_header(data: bytes, max_pixels: int = MAX_PIXELS) -> ImageHeader:
    """Format and size from the header; NotAnImage or ImageTooLarge before any decoding."""
    if not data:
        raise NotAnImage("the image is empty")
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            header = ImageHeader(image.format.lower(), *image.size)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (far above ours); a warning only when warnings are errors.
        raise ImageTooLarge(f"the image has more than {max_pixels} pixels", max_pixels=max_pixels) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise NotAnImage(f"not a PNG, JPEG, BMP or WebP image ({exc.__class__.__name__})") from None
    if header.width < 1 or header.height < 1:
        raise NotAnImage(f"the {header.format.upper()} header gives no size")
    if header.pixels > max_pixels:
        raise ImageTooLarge(
            f"the image is {header.width}x{header.height}, more than {max_pixels} pixels",
            width=header.width, height=header.height, max_pixels=max_pixels,
        )
    return header


def read_image(source, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode encoded bytes or a file to an 8-bit grayscale array, header checked first."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        try:
            with open(os.fspath(source), "rb") as f:
                data = f.read()
        except OSError as exc:
            raise NotAnImage(f"cannot read {os.fspath(source)!r}: {exc.strerror}") from None
    header = read_header(data, max_pixels)
    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None or gray.size == 0:
        raise NotAnImage(f"the {header.format.upper()} image cannot be decoded")
    if gray.shape not in ((header.height, header.width), (header.width, header.height)):
        # Two readers disagree on what the file is: trust neither. (Swapped sides are a
        # phone photo's EXIF orientation, which OpenCV applies.)
        raise NotAnImage(f"the {header.format.upper()} header and its pixels disagree on the size")
    return gray
