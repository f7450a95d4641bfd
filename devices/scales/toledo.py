"""Toledo continuous output: STX, status bytes SWA SWB SWC, weight, tare, CR, checksum.

Frame (18 bytes with checksum): ``STX SWA SWB SWC wwwwww tttttt CR [CS]``. Weight and tare
are six ASCII digits without a decimal point; SWA bits 0-2 give its position.
The checksum is the two's complement of the 7-bit sum of all bytes before it.
Parity bits (7E1 links read as 8N1) are masked off the status bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import ChecksumError, FrameError, ScaleOverload, ScaleUnderload
from ..framing import CR, STX, FixedFramer
from ..weight import Reading, Weight
from .base import ContinuousScale

FRAME_LENGTH = 17  # without checksum
# SWA bits 0-2 -> power of ten applied to the 6 digits.
EXPONENTS = {0: 2, 1: 1, 2: 0, 3: -1, 4: -2, 5: -3, 6: -4, 7: -5}
DECIMALS_TO_CODE = {-e: c for c, e in EXPONENTS.items()}


@dataclass(frozen=True)
class ToledoStatus:
    """Decoded status bytes of one frame."""

    exponent: int
    net: bool
    negative: bool
    out_of_range: bool
    motion: bool
    unit: str
    not_zeroed: bool
    print_request: bool


def checksum(data: bytes) -> int:
    """Two's complement of the 7-bit sum of ``data``, masked to 7 bits."""
    return (-sum(data)) & 0x7F


def _digits(field: bytes, frame: bytes) -> int:
    text = field.decode("ascii", "replace").replace(" ", "0")
    if len(text) != 6 or not text.isdigit() or not text.isascii():
        raise FrameError(f"bad digits {field!r}", data=frame)
    return int(text)


def _scaled(raw: int, exponent: int) -> Decimal:
    return Decimal(raw * 10**exponent) if exponent >= 0 else Decimal(raw).scaleb(exponent)


def parse_status(swa: int, swb: int, swc: int, frame: bytes = b"") -> ToledoStatus:
    """Decode SWA/SWB/SWC into a ToledoStatus."""
    swa, swb, swc = swa & 0x7F, swb & 0x7F, swc & 0x7F
    if not swa & 0x20:
        raise FrameError("SWA bit 5 must be set", data=frame)
    if swc & 0x01:
        unit = "g"
    else:
        unit = "kg" if swb & 0x10 else "lb"
    return ToledoStatus(
        exponent=EXPONENTS[swa & 0x07],
        net=bool(swb & 0x01),
        negative=bool(swb & 0x02),
        out_of_range=bool(swb & 0x04),
        motion=bool(swb & 0x08),
        unit=unit,
        not_zeroed=bool(swb & 0x40),
        print_request=bool(swc & 0x08),
    )


def parse_frame(frame: bytes, *, with_checksum: bool = True, url: str | None = None) -> Reading:
    """Parse one frame (STX first); typed errors for checksum, overload and underload."""
    expected = FRAME_LENGTH + (1 if with_checksum else 0)
    if len(frame) != expected or frame[:1] != STX or frame[16:17] != CR:
        raise FrameError("not a Toledo continuous frame", data=frame, url=url)
    if with_checksum and checksum(frame[:FRAME_LENGTH]) != frame[FRAME_LENGTH] & 0x7F:
        raise ChecksumError("Toledo checksum mismatch", data=frame, url=url)
    status = parse_status(frame[1], frame[2], frame[3], frame)
    weight_raw = _digits(frame[4:10], frame)
    tare_raw = _digits(frame[10:16], frame)
    if status.out_of_range:
        if status.negative:
            raise ScaleUnderload("Toledo: under range", data=frame, url=url)
        raise ScaleOverload("Toledo: over range", data=frame, url=url)
    value = _scaled(weight_raw, status.exponent)
    if status.negative:
        value = -value
    tare = _scaled(tare_raw, status.exponent)
    return Reading(
        Weight(value, status.unit),
        stable=not status.motion,
        tare=Weight(tare, status.unit),
        net=status.net,
    )


def encode_frame(
    weight: Decimal,
    *,
    unit: str = "kg",
    decimals: int = 3,
    tare: Decimal = Decimal(0),
    motion: bool = False,
    net: bool = False,
    overload: bool = False,
    underload: bool = False,
    with_checksum: bool = True,
) -> bytes:
    """Return a frame as an indicator sends it (the simulator's half of the protocol)."""
    if decimals not in DECIMALS_TO_CODE:
        raise ValueError("decimals must be between -2 and 5")
    swa = 0x20 | DECIMALS_TO_CODE[decimals]
    negative = weight < 0 or underload
    swb = 0x20 | (0x01 if net else 0) | (0x02 if negative else 0) | (0x04 if overload or underload else 0)
    swb |= (0x08 if motion else 0) | (0x10 if unit == "kg" else 0)
    swc = 0x20 | (0x01 if unit == "g" else 0)
    scale = Decimal(10) ** decimals
    w = int((abs(weight) * scale).to_integral_value())
    t = int((abs(tare) * scale).to_integral_value())
    if overload or underload:
        w = 999999 if w > 999999 else w
    if w > 999999 or t > 999999:
        raise ValueError("weight does not fit 6 digits at this resolution")
    body = STX + bytes((swa, swb, swc)) + f"{w:06d}{t:06d}".encode("ascii") + CR
    return body + (bytes((checksum(body),)) if with_checksum else b"")


class ToledoScale(ContinuousScale):
    """An indicator streaming Toledo continuous output (about 7-10 frames/s)."""

    kind = "scale:toledo"

    def __init__(self, url: str, *, checksum: bool = True, **kwargs):
        self.with_checksum = checksum
        super().__init__(url, **kwargs)

    def make_framer(self) -> FixedFramer:
        """Fixed-length frames starting with STX, CR at byte 16."""
        return FixedFramer(FRAME_LENGTH + (1 if self.with_checksum else 0), end=CR, end_at=16)

    def parse(self, frame: bytes) -> Reading:
        """Parse one frame."""
        return parse_frame(frame, with_checksum=self.with_checksum, url=self.url)
