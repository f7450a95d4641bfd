"""Scale driver base: current weight, stable weight, zero and tare."""

from __future__ import annotations

import time

from ..driver import Driver
from ..errors import (
    DeviceError,
    DeviceTimeout,
    FrameError,
    ScaleBusy,
    ScaleNotSupported,
    ScaleUnstable,
)
from ..weight import Reading, StabilityWindow


class Scale(Driver):
    """A weighing scale; subclasses implement ``read``."""

    kind = "scale"

    def read(self, timeout: float | None = None) -> Reading:
        """Return the current weight, stable or not."""
        raise NotImplementedError

    def read_stable(self, timeout: float | None = None) -> Reading:
        """Return the first stable weight; ScaleUnstable if none within ``timeout``."""
        deadline = self._deadline(timeout)
        got_reading = False
        last: DeviceError | None = None
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                reading = self.read(remaining)
            except DeviceTimeout as exc:
                last = exc
                break
            except (FrameError, ScaleBusy) as exc:  # noise on the line, or busy: keep trying
                last = exc
                continue
            got_reading = True
            if reading.stable:
                return reading
        if got_reading or isinstance(last, ScaleBusy):
            raise ScaleUnstable(f"no stable weight from {self.url} in time", url=self.url) from last
        if last is not None:
            raise last
        raise DeviceTimeout(f"no weight from {self.url} in time", url=self.url)

    def zero(self, timeout: float | None = None) -> None:
        """Set the scale to zero."""
        raise ScaleNotSupported(f"{self.kind} has no zero command", url=self.url)

    def tare(self, timeout: float | None = None):
        """Tare the load on the pan; returns the tare weight."""
        raise ScaleNotSupported(f"{self.kind} has no tare command", url=self.url)

    def probe(self, timeout: float) -> dict:
        """Read one weight for the health report."""
        return {"reading": self.read(timeout).to_dict()}


class ContinuousScale(Scale):
    """A scale that streams frames by itself; ``read`` returns the freshest one."""

    def parse(self, frame: bytes) -> Reading:
        """Parse one frame into a reading (raises typed errors)."""
        raise NotImplementedError

    def observe(self, reading: Reading) -> Reading:
        """Hook run on every parsed frame, in order (stability windows)."""
        return reading

    def read(self, timeout: float | None = None) -> Reading:
        """Return the reading of the newest frame received; older buffered frames are stale."""
        deadline = self._deadline(timeout)
        items = [self._next_item(deadline), *self._items]
        self._items.clear()
        result: Reading | DeviceError | None = None
        for item in items:
            if isinstance(item, FrameError):
                result = item
                continue
            try:
                result = self.observe(self.parse(item))
            except DeviceError as exc:
                result = exc
        if isinstance(result, DeviceError):
            raise result
        return result


class WindowedScale(ContinuousScale):
    """A continuous scale without a motion flag: stability from a window of readings."""

    def __init__(self, url: str, *, stable_count: int = 5, stable_seconds: float = 0.5, **kwargs):
        super().__init__(url, **kwargs)
        self.window = StabilityWindow(stable_count, stable_seconds)

    def observe(self, reading: Reading) -> Reading:
        """Mark the reading stable once the window of identical readings is full."""
        stable = self.window.feed(reading.weight, reading.at)
        return Reading(reading.weight, stable, reading.tare, reading.net, reading.at)
