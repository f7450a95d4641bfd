"""Ports named by URL: every device is reached through pyserial's ``serial_for_url``.

Accepted URLs:

* ``/dev/ttyUSB0?baudrate=9600&parity=N`` (a local serial port or pty; settings in the query)
* ``socket://host:port``, ``rfc2217://host:port``, ``loop://`` (pyserial URL handlers)
* ``tcp://host:9100`` (raw TCP, as label printers speak it; carried by pyserial's socket handler)

The port layer only moves bytes. It maps pyserial and OS failures to typed errors
(:class:`DeviceDisconnected`, :class:`DeviceTimeout`) and never returns partial frames:
framing lives one layer up (:mod:`devices.framing`).
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
from urllib.parse import parse_qsl, urlsplit

import serial
from serial.urlhandler import protocol_socket

from .errors import DeviceConfigError, DeviceDisconnected, DeviceTimeout

SERIAL_SETTINGS = {
    "baudrate": int,
    "bytesize": int,
    "parity": str,
    "stopbits": float,
    "xonxoff": lambda v: v.lower() in ("1", "true", "yes", "on"),
    "rtscts": lambda v: v.lower() in ("1", "true", "yes", "on"),
    "dsrdtr": lambda v: v.lower() in ("1", "true", "yes", "on"),
}
PARITIES = {"N", "E", "O", "M", "S"}
BACKLOG_LIMIT = 1 << 16  # bytes taken from a socket per read; the rest waits for the next
SCHEMES = ("socket", "rfc2217", "loop", "tcp", "spy", "alt", "hwgrep")


def split_url(url: str) -> tuple[str, dict]:
    """Split a device URL into the URL pyserial sees and the serial settings in its query."""
    if not url:
        raise DeviceConfigError("empty device URL")
    parts = urlsplit(url)
    scheme = parts.scheme.lower() if "://" in url else ""
    if scheme and scheme not in SCHEMES:
        raise DeviceConfigError(f"unknown URL scheme {scheme!r}", url=url)
    settings: dict = {}
    rest: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in SERIAL_SETTINGS:
            try:
                settings[key] = SERIAL_SETTINGS[key](value)
            except ValueError as exc:
                raise DeviceConfigError(f"bad {key}={value!r}", url=url) from exc
        else:
            rest.append((key, value))
    if "parity" in settings:
        settings["parity"] = settings["parity"].upper()
        if settings["parity"] not in PARITIES:
            raise DeviceConfigError(f"bad parity {settings['parity']!r}", url=url)
    if "stopbits" in settings and settings["stopbits"] == int(settings["stopbits"]):
        settings["stopbits"] = int(settings["stopbits"])
    if scheme == "tcp":
        if not parts.hostname or not parts.port:
            raise DeviceConfigError("tcp:// needs host:port", url=url)
        base = f"socket://{parts.hostname}:{parts.port}"
    elif scheme:
        base = url.split("?", 1)[0]
        if rest and scheme != "tcp":
            base += "?" + "&".join(f"{k}={v}" for k, v in rest)
    else:
        if rest:
            raise DeviceConfigError(f"unknown port options {[k for k, _ in rest]}", url=url)
        base = parts.path
    return base, settings


class Port:
    """An open byte port: write, read what is available, close; errors are typed."""

    def __init__(self, url: str, *, timeout: float = 1.0, write_timeout: float = 2.0, **settings):
        self.url = url
        base, from_url = split_url(url)
        from_url.update(settings)
        try:
            self._serial = serial.serial_for_url(
                base, timeout=timeout, write_timeout=write_timeout, **from_url
            )
        except (serial.SerialException, OSError) as exc:
            raise DeviceDisconnected(f"cannot open {url}: {exc}", url=url) from exc
        except ValueError as exc:
            raise DeviceConfigError(f"bad settings for {url}: {exc}", url=url) from exc
        self._timeout = timeout

    @property
    def is_open(self) -> bool:
        """True while the port is open."""
        return self._serial is not None and self._serial.is_open

    def write(self, data: bytes) -> None:
        """Write all of ``data`` or raise."""
        ser = self._require()
        try:
            ser.write(data)
            ser.flush()
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(f"write timed out on {self.url}", url=self.url) from exc
        except (serial.SerialException, OSError) as exc:
            raise DeviceDisconnected(f"write failed on {self.url}: {exc}", url=self.url) from exc

    def read_available(self, timeout: float) -> bytes:
        """Wait up to ``timeout`` s for bytes and return all that arrived (b"" if none).

        A peer that hung up is DeviceDisconnected even when bytes came just before: a tty
        drops its input on hang-up and a socket here does the same, so both transports
        report a vanished device at once instead of handing out what it said before.
        """
        ser = self._require()
        try:
            if ser.timeout != timeout:
                ser.timeout = max(timeout, 0.0)
            first = ser.read(1)
            if not first:
                return b""
            if isinstance(ser, protocol_socket.Serial):
                return first + _socket_backlog(ser._socket)
            waiting = ser.in_waiting
            return first + (ser.read(waiting) if waiting else b"")
        except (serial.SerialException, OSError) as exc:
            raise DeviceDisconnected(f"read failed on {self.url}: {exc}", url=self.url) from exc

    def discard_input(self) -> None:
        """Drop bytes already received (stale frames of a continuous stream)."""
        ser = self._require()
        try:
            ser.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise DeviceDisconnected(f"reset failed on {self.url}: {exc}", url=self.url) from exc

    def close(self) -> None:
        """Close the port; safe to call twice."""
        ser, self._serial = self._serial, None
        if ser is None:
            return
        if isinstance(ser, protocol_socket.Serial):
            # pyserial's socket:// close() sleeps 0.3 s "for quick reconnects"; a device
            # opened per request (the service) would pay it on every request.
            sock, ser._socket = ser._socket, None
            ser.is_open = False
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
            return
        try:
            ser.close()
        except (serial.SerialException, OSError):
            pass

    def _require(self):
        if self._serial is None:
            raise DeviceDisconnected(f"port {self.url} is closed", url=self.url)
        return self._serial

    def __enter__(self) -> Port:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Port {self.url} {'open' if self.is_open else 'closed'}>"


def _socket_backlog(sock: socket.socket) -> bytes:
    """Everything a socket holds now; raises once it finds the peer has closed.

    pyserial's socket ``in_waiting`` is only ever 0 or 1, so reading by it takes a
    backlog one byte at a time and serves the oldest frame, not the newest.
    """
    out = bytearray()
    while len(out) < BACKLOG_LIMIT and select.select([sock], [], [], 0)[0]:
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            break
        if not chunk:
            raise serial.SerialException("socket disconnected")
        out += chunk
    return bytes(out)


def open_port(url: str, *, timeout: float = 1.0, **settings) -> Port:
    """Open the port named by ``url`` (see module docstring for the forms accepted)."""
    return Port(url, timeout=timeout, **settings)


def open_port_retrying(url: str, *, deadline: float, interval: float = 0.2, **settings) -> Port:
    """Open ``url``, retrying while it is absent (cable pulled) until monotonic ``deadline``.

    Tries at least once; a device still absent at ``deadline`` is DeviceDisconnected.
    """
    last: Exception | None = None
    while True:
        try:
            return open_port(url, **settings)
        except DeviceDisconnected as exc:
            last = exc
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeviceDisconnected(f"{url} is gone and did not come back: {last}", url=url) from last
        time.sleep(min(interval, remaining))
