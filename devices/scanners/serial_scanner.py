"""Serial (RS-232 / USB-CDC) barcode scanners: prefix, AIM identifier, data, suffix."""

from __future__ import annotations

from collections.abc import Iterator

from ..driver import Driver
from ..errors import DeviceError, DeviceTimeout, FrameError
from ..framing import TERMINATORS, LineFramer
from .scan import Scan, interpret


class SerialScanner(Driver):
    """A scanner configured to send ``prefix + [AIM id] + data + suffix``."""

    kind = "scanner:serial"

    def __init__(
        self,
        url: str,
        *,
        suffix: str = "CR",
        prefix: str = "",
        aim: bool = True,
        encoding: str = "utf-8",
        **kwargs,
    ):
        if suffix.upper() not in TERMINATORS:
            raise ValueError(f"suffix must be one of {sorted(TERMINATORS)}")
        self.suffix = suffix.upper()
        self.prefix = prefix
        self.aim = aim
        self.encoding = encoding
        super().__init__(url, **kwargs)

    def make_framer(self) -> LineFramer:
        """Scans end with the configured suffix (CR, LF, CRLF or ANY)."""
        return LineFramer(self.suffix, max_length=4096)

    def parse(self, frame: bytes) -> Scan:
        """Turn one framed scan into a Scan (typed errors for bad prefix or GS1 data)."""
        if self.suffix == "CR":
            frame = frame.lstrip(b"\n")  # scanners set to CR sometimes still add LF
        try:
            text = frame.decode(self.encoding)
        except UnicodeDecodeError:
            text = frame.decode("latin-1")
        if self.prefix:
            if not text.startswith(self.prefix):
                raise FrameError("scan without the configured prefix", data=frame, url=self.url)
            text = text[len(self.prefix) :]
        if not text:
            raise FrameError("empty scan", data=frame, url=self.url)
        if not self.aim:
            return Scan(text)
        return interpret(text)

    def read_scan(self, timeout: float | None = None) -> Scan:
        """Wait for the next scan; DeviceTimeout if none comes in time."""
        item = self._next_item(self._deadline(timeout))
        if isinstance(item, FrameError):
            raise item
        return self.parse(item)

    def listen(
        self, *, count: int | None = None, timeout: float | None = None, yield_errors: bool = False
    ) -> Iterator[Scan | DeviceError]:
        """Yield scans until ``count`` arrived or ``timeout`` s passed, then stop quietly.

        A bad scan raises its typed error, or is yielded as the error when ``yield_errors``.
        """
        deadline = self._deadline(timeout)
        seen = 0
        while count is None or seen < count:
            try:
                item = self._next_item(deadline)
                seen += 1
                if isinstance(item, FrameError):
                    raise item
                yield self.parse(item)
            except DeviceTimeout:
                return
            except DeviceError as exc:
                if not yield_errors:
                    raise
                yield exc

    def probe(self, timeout: float) -> dict:
        """A scanner only talks when triggered: check the port opens."""
        self.close()
        self.open()
        return {"open": True}
