"""Yaohua XK3190-A9 continuous output (tF=0): 12-byte frames, XOR checksum in hex.

``STX sign d d d d d d dp X1 X2 ETX``: sign ``+``/``-``, six digits most significant
first, ``dp`` the number of decimal places (ASCII 0-4), X1 X2 the XOR of the sign,
digits and ``dp`` bytes as two upper-case hex digits. Published example, +20.00:
``02 2B 30 30 32 30 30 30 32 31 42 03``. The frame has no motion flag or unit:
stability comes from a window of identical readings, the unit from configuration.
"""

from __future__ import annotations

from decimal import Decimal
from functools import reduce

from ..errors import ChecksumError, FrameError, ScaleOverload, ScaleUnderload
from ..framing import ETX, STX, FixedFramer
from ..weight import Reading, Weight
from .base import WindowedScale

FRAME_LENGTH = 12
HEX = b"0123456789ABCDEF"


def xor_checksum(data: bytes) -> bytes:
    """XOR of ``data`` as two upper-case ASCII hex digits."""
    value = reduce(lambda a, b: a ^ b, data, 0)
    return bytes((HEX[value >> 4], HEX[value & 0x0F]))


def parse_frame(frame: bytes, *, unit: str = "kg", url: str | None = None) -> Reading:
    """Parse one 12-byte frame into an (unstable) reading; typed errors on bad frames."""
    if len(frame) != FRAME_LENGTH or frame[:1] != STX or frame[-1:] != ETX:
        raise FrameError("not an XK3190 frame", data=frame, url=url)
    body = frame[1:9]
    if frame[9:11].upper() != xor_checksum(body):
        raise ChecksumError("XK3190 checksum mismatch", data=frame, url=url)
    sign, digits, dp = body[:1], body[1:7], body[7:8]
    if sign not in (b"+", b"-") or not digits.isdigit() or dp not in (b"0", b"1", b"2", b"3", b"4"):
        raise FrameError("bad XK3190 fields", data=frame, url=url)
    value = Decimal(int(digits)).scaleb(-int(dp))
    return Reading(Weight(-value if sign == b"-" else value, unit), stable=False)


def encode_frame(weight: Decimal, *, decimals: int = 2) -> bytes:
    """Return the frame an A9 indicator sends for ``weight`` at ``decimals`` places."""
    if not 0 <= decimals <= 4:
        raise ValueError("decimals must be 0-4")
    raw = int((abs(weight) * (Decimal(10) ** decimals)).to_integral_value())
    if raw > 999999:
        raise ValueError("weight does not fit 6 digits")
    body = (b"-" if weight < 0 else b"+") + f"{raw:06d}{decimals}".encode("ascii")
    return STX + body + xor_checksum(body) + ETX


class Xk3190Scale(WindowedScale):
    """A Yaohua XK3190-A9 indicator in continuous mode.

    The frame cannot say overload: give ``capacity`` (and ``minimum``) to have readings
    outside them reported as ScaleOverload/ScaleUnderload.
    """

    kind = "scale:xk3190"

    def __init__(
        self,
        url: str,
        *,
        unit: str = "kg",
        capacity: Decimal | None = None,
        minimum: Decimal | None = None,
        **kwargs,
    ):
        self.unit = unit
        self.capacity = None if capacity is None else Decimal(str(capacity))
        self.minimum = None if minimum is None else Decimal(str(minimum))
        super().__init__(url, **kwargs)

    def make_framer(self) -> FixedFramer:
        """Fixed 12-byte frames from STX to ETX."""
        return FixedFramer(FRAME_LENGTH, end=ETX)

    def parse(self, frame: bytes) -> Reading:
        """Parse one frame and apply the configured capacity limits."""
        reading = parse_frame(frame, unit=self.unit, url=self.url)
        if self.capacity is not None and reading.weight.value > self.capacity:
            raise ScaleOverload(f"above capacity {self.capacity} {self.unit}", data=frame, url=self.url)
        if self.minimum is not None and reading.weight.value < self.minimum:
            raise ScaleUnderload(f"below minimum {self.minimum} {self.unit}", data=frame, url=self.url)
        return reading
