"""Serial scanner simulator: sends scans framed as a configured scanner would."""

from __future__ import annotations

from ..framing import TERMINATORS
from .base import Simulator


class ScannerSimulator(Simulator):
    """A scanner sending ``prefix + aim + data + suffix`` on each trigger."""

    def __init__(self, transport: str = "pty", *, prefix: str = "", suffix: str = "CR", **kwargs):
        super().__init__(transport, **kwargs)
        if suffix.upper() not in TERMINATORS or suffix.upper() == "ANY":
            raise ValueError("suffix must be CR, LF or CRLF")
        self.prefix = prefix
        self.suffix = TERMINATORS[suffix.upper()]

    def frame(self, data: str, aim: str = "") -> bytes:
        """The bytes one scan puts on the wire."""
        return (self.prefix + aim + data).encode("utf-8") + self.suffix

    def scan(self, data: str, aim: str = "") -> bytes:
        """Trigger a scan of ``data`` with AIM identifier ``aim``; returns the bytes sent."""
        out = self.frame(data, aim)
        self.send(out)
        return out
