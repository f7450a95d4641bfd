"""Driver base: owns a port and a framer, reopens the port after a pulled cable.

Layering follows pyserial's ``serial.threaded``: port (bytes) -> framer (frames) ->
driver (meaning). Drivers are opened explicitly (``open()`` or ``with``), never lazily.

Reconnecting lives here, once for every protocol: with ``reconnect`` a port lost during
a read is reopened if the device is back within ``reconnect_window`` seconds (never past
the read's own deadline) and the read carries on, a request being sent again; a device
not back by then is DeviceDisconnected, not a timeout once the whole timeout has passed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .errors import DeviceDisconnected, DeviceError, DeviceTimeout, FrameError
from .framing import Framer
from .transports import Port, open_port, open_port_retrying


@dataclass(frozen=True)
class DeviceHealth:
    """Result of a health check: ok, or the typed error code that explains why not."""

    kind: str
    url: str
    ok: bool
    code: str = "ok"
    message: str = ""
    latency_ms: float | None = None
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the health as a JSON-ready mapping."""
        return {
            "kind": self.kind,
            "url": self.url,
            "ok": self.ok,
            "code": self.code,
            "message": self.message,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 2),
            "detail": self.detail,
        }


class Driver:
    """A device reached through one port; subclasses set ``kind`` and ``make_framer``."""

    kind = "device"
    poll_interval = 0.05

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 2.0,
        reconnect: bool = True,
        reconnect_window: float = 1.0,
        **port_settings,
    ):
        self.url = url
        self.timeout = timeout
        self.reconnect = reconnect
        self.reconnect_window = float(reconnect_window)
        self.port_settings = port_settings
        self.port: Port | None = None
        self.framer: Framer = self.make_framer()
        self._items: list = []

    def make_framer(self) -> Framer:
        """Return a new framer for this protocol."""
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------
    def open(self) -> Driver:
        """Open the port now (raises DeviceDisconnected if it is absent)."""
        if self.port is None:
            self.port = open_port(self.url, timeout=self.poll_interval, **self.port_settings)
            self.framer.reset()
            self._items.clear()
        return self

    def close(self) -> None:
        """Close the port; safe to call twice."""
        if self.port is not None:
            self.port.close()
            self.port = None

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- I/O helpers -----------------------------------------------------------------
    def _deadline(self, timeout: float | None) -> float:
        return time.monotonic() + (self.timeout if timeout is None else timeout)

    def _port(self, deadline: float) -> Port:
        if self.port is None:
            if self.reconnect:
                self._reopen(deadline)
            else:
                self.open()
        return self.port

    def _reopen(self, deadline: float) -> None:
        """Wait for a lost device: up to ``reconnect_window`` s, never past ``deadline``."""
        until = min(deadline, time.monotonic() + self.reconnect_window)
        self.port = open_port_retrying(
            self.url, deadline=until, timeout=self.poll_interval, **self.port_settings
        )
        self.framer.reset()
        self._items.clear()

    def _lost(self) -> None:
        self.close()
        self.framer.reset()
        self._items.clear()

    def _write(self, data: bytes, deadline: float) -> None:
        try:
            self._port(deadline).write(data)
        except DeviceDisconnected:
            self._lost()
            raise

    def _next_item(self, deadline: float, *, reopen: bool | None = None):
        """Return the next frame or FrameError; DeviceTimeout at ``deadline``.

        When the port drops and ``reopen`` (default: ``self.reconnect``) is set, the
        port is reopened (see :meth:`_reopen`); otherwise, or when the device does not
        come back, DeviceDisconnected is raised.
        """
        reopen = self.reconnect if reopen is None else reopen
        while not self._items:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeout(f"no frame from {self.url} in time", url=self.url)
            port = self._port(deadline) if reopen else self._require_port()
            try:
                chunk = port.read_available(min(remaining, self.poll_interval * 4))
            except DeviceDisconnected:
                self._lost()
                if not reopen:
                    raise
                self._reopen(deadline)
                continue
            if chunk:
                self._items.extend(self.framer.feed(chunk))
        return self._items.pop(0)

    def _exchange(self, request: bytes, deadline: float, reply_to):
        """Send ``request``; return ``reply_to(frame)`` for the first frame it accepts.

        ``reply_to`` returns None for frames that are not the reply (stray lines). A port
        lost before the reply is reopened when ``reconnect`` is set and the request sent
        again: the device cannot answer a request that was lost with the link.
        """
        while True:
            self._port(deadline)  # a device that does not come back raises here
            self._items.clear()
            try:
                self._write(request, deadline)
                while True:
                    item = self._next_item(deadline, reopen=False)
                    if isinstance(item, FrameError):
                        raise item
                    reply = reply_to(item)
                    if reply is not None:
                        return reply
            except DeviceDisconnected:
                if not self.reconnect or time.monotonic() >= deadline:
                    raise

    def _drain(self) -> None:
        """Drop frames and bytes already received (a continuous stream goes stale)."""
        self._items.clear()
        self.framer.reset()
        if self.port is not None:
            try:
                self.port.discard_input()
            except DeviceDisconnected:
                self._lost()

    def _require_port(self) -> Port:
        if self.port is None:
            raise DeviceDisconnected(f"{self.url} is not open", url=self.url)
        return self.port

    # -- health ----------------------------------------------------------------------
    def probe(self, timeout: float) -> dict:
        """Talk to the device once; return details for the health report."""
        raise NotImplementedError

    def health(self, timeout: float = 2.0) -> DeviceHealth:
        """Check the device answers; never raises DeviceError, reports it instead."""
        started = time.monotonic()
        try:
            detail = self.probe(timeout)
        except DeviceError as exc:
            return DeviceHealth(
                self.kind, self.url, False, exc.code, str(exc), (time.monotonic() - started) * 1000
            )
        return DeviceHealth(self.kind, self.url, True, "ok", "", (time.monotonic() - started) * 1000, detail)
