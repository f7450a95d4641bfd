"""Scale simulator: MT-SICS (request/reply), Toledo and XK3190 (continuous streams).

The test or demo sets the load with :meth:`ScaleSimulator.set_weight` and can force
overload, underload, motion, checksum errors and garbage bytes.
"""

from __future__ import annotations

import time
from decimal import Decimal

from ..errors import DeviceConfigError
from ..framing import LineFramer
from ..scales import mtsics, toledo, xk3190
from .base import Simulator

PROTOCOLS = ("mt-sics", "toledo", "xk3190")


class ScaleSimulator(Simulator):
    """A scale indicator of the chosen protocol."""

    def __init__(
        self,
        protocol: str = "mt-sics",
        transport: str = "pty",
        *,
        weight: Decimal | str = "0",
        unit: str = "kg",
        decimals: int = 3,
        stable: bool = True,
        interval: float = 0.1,
        stability_timeout: float = 1.0,
        serial_number: str = "SIM0001",
        **kwargs,
    ):
        if protocol not in PROTOCOLS:
            raise DeviceConfigError(f"protocol must be one of {PROTOCOLS}")
        super().__init__(transport, **kwargs)
        self.protocol = protocol
        self.unit = unit
        self.decimals = decimals
        self.weight = Decimal(str(weight))
        self.tare_weight = Decimal(0)
        self.stable = stable
        self.overload = False
        self.underload = False
        self.corrupt_checksum = False
        self.stability_timeout = stability_timeout
        self.serial_number = serial_number
        self.stable_since: float | None = time.monotonic() if stable else None
        self.paused = False
        self._swing = 0
        self._framer = LineFramer("CRLF", max_length=256)
        self._waiting_s: float | None = None  # deadline of an S command waiting for stability
        self.tick_interval = 0.01 if protocol == "mt-sics" else interval

    # -- controls --------------------------------------------------------------------
    def set_weight(self, weight: Decimal | str, *, stable: bool = True) -> None:
        """Put a load on the pan (``stable=False``: still swinging)."""
        with self._lock:
            self.weight = Decimal(str(weight))
            self.set_stable(stable)

    def set_stable(self, stable: bool) -> None:
        """Let the load settle (or start swinging)."""
        with self._lock:
            if stable and not self.stable:
                self.stable_since = time.monotonic()
            self.stable = stable
            if not stable:
                self.stable_since = None

    def set_range(self, *, overload: bool = False, underload: bool = False) -> None:
        """Force an overload or underload condition."""
        with self._lock:
            self.overload, self.underload = overload, underload

    def inject(self, data: bytes) -> None:
        """Send raw bytes (garbage, a malformed frame) to the driver."""
        self.send(data)

    # -- protocol --------------------------------------------------------------------
    def _displayed(self) -> Decimal:
        step = Decimal(1).scaleb(-self.decimals)
        value = self.weight - self.tare_weight
        if not self.stable and self.protocol != "mt-sics":
            # A swinging load: the display wanders by a few increments.
            self._swing = (self._swing + 1) % 4
            value += step * (self._swing - 1)
        return value.quantize(step)

    def frame(self) -> bytes:
        """The continuous frame for the present state."""
        value = self._displayed()
        if self.protocol == "toledo":
            data = toledo.encode_frame(
                value,
                unit=self.unit,
                decimals=self.decimals,
                tare=self.tare_weight,
                motion=not self.stable,
                net=self.tare_weight != 0,
                overload=self.overload,
                underload=self.underload,
            )
            if self.corrupt_checksum:
                data = data[:-1] + bytes(((data[-1] + 1) & 0x7F,))
            return data
        shown = Decimal(999999).scaleb(-self.decimals) if self.overload else value
        data = xk3190.encode_frame(shown, decimals=min(self.decimals, 4))
        if self.corrupt_checksum:
            data = data[:9] + (b"00" if data[9:11] != b"00" else b"11") + data[11:]
        return data

    def tick(self) -> bytes:
        """Stream a frame (Toledo, XK3190), or finish a pending MT-SICS ``S``."""
        with self._lock:
            if self.protocol != "mt-sics":
                # Like a serial server, drop frames while no TCP client is connected: a
                # client must never first read a stale frame of an earlier state.
                if self.paused or (self.transport == "tcp" and self._client is None):
                    return b""
                return self.frame()
            if self._waiting_s is None:
                return b""
            if self.stable:
                self._waiting_s = None
                return self._weight_reply("S")
            if time.monotonic() >= self._waiting_s:
                self._waiting_s = None
                return mtsics.encode_status_reply("S", "I")
            return b""

    def _weight_reply(self, command: str) -> bytes:
        if self.overload:
            return mtsics.encode_status_reply(command if command == "S" else "S", "+")
        if self.underload:
            return mtsics.encode_status_reply("S", "-")
        return mtsics.encode_weight_reply(self._displayed(), self.unit, stable=self.stable, command="S")

    def on_data(self, data: bytes) -> bytes:
        """Answer MT-SICS commands; continuous protocols ignore input."""
        if self.protocol != "mt-sics":
            return b""
        out = b""
        for line in self._framer.feed(data):
            if not isinstance(line, bytes):
                out += b"ES\r\n"
                continue
            out += self._command(line.decode("ascii", "replace").strip())
        return out

    def _command(self, text: str) -> bytes:
        parts = text.split()
        cmd = parts[0] if parts else ""
        if cmd == "S":
            if self.stable or self.overload or self.underload:
                return self._weight_reply("S")
            self._waiting_s = time.monotonic() + self.stability_timeout
            return b""
        if cmd == "SI":
            return self._weight_reply("SI")
        if cmd == "Z":
            if self.overload:
                return b"Z +\r\n"
            if self.underload:
                return b"Z -\r\n"
            if not self.stable:
                return b"Z I\r\n"
            self.weight, self.tare_weight = Decimal(0), Decimal(0)
            return b"Z A\r\n"
        if cmd == "T":
            if not self.stable:
                return b"T I\r\n"
            if self.overload or self.underload:
                return b"T +\r\n" if self.overload else b"T -\r\n"
            self.tare_weight = self.weight
            return mtsics.encode_weight_reply(
                self.tare_weight.quantize(Decimal(1).scaleb(-self.decimals)), self.unit, command="T"
            )
        if cmd == "I4":
            return f'I4 A "{self.serial_number}"\r\n'.encode("ascii")
        if cmd == "@":
            self.tare_weight = Decimal(0)
            return f'I4 A "{self.serial_number}"\r\n'.encode("ascii")
        return b"ES\r\n"
