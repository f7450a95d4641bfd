"""Simulator base: the device's end of a link, on a pty or a loopback TCP port.

A simulator runs one daemon thread that waits on ``select`` with short timeouts, so
``stop()`` always returns promptly. Writes are non-blocking and dropped when nobody
reads (a continuous scale streaming into an unopened port must not wedge the thread).
``unplug()``/``plug()`` imitate a pulled and re-seated cable; on a pty the URL stays
valid across a re-plug when the simulator publishes a stable ``link`` path (as udev
does with ``/dev/serial/by-id``).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
import tty

from ..errors import DeviceConfigError

LOOPBACK = ("127.0.0.1", "localhost")


class Simulator:
    """Base class: subclasses override ``on_data`` (requests) and/or ``tick`` (streams)."""

    tick_interval: float | None = None  # seconds between tick() calls; None: no stream
    max_received = 1 << 20  # bytes of history kept in ``received``

    def __init__(
        self,
        transport: str = "pty",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        link: str | None = None,
        scheme: str = "socket",
    ):
        if transport not in ("pty", "tcp"):
            raise DeviceConfigError(f"transport must be pty or tcp, not {transport!r}")
        if host not in LOOPBACK:
            raise DeviceConfigError("simulators listen on 127.0.0.1 only")
        self.transport = transport
        self.host = "127.0.0.1"
        self.port = port
        self.link = link
        self.scheme = scheme
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._pending = bytearray()  # TCP: bytes queued until a client connects
        self.received = bytearray()  # every byte the device end received (for tests)
        self.connections = 0

    # -- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The URL a driver opens to reach this simulator."""
        if self.transport == "tcp":
            return f"{self.scheme}://{self.host}:{self.port}"
        if self.link:
            return self.link
        if self._slave is None:
            raise DeviceConfigError("simulator is not running")
        return os.ttyname(self._slave)

    def start(self) -> Simulator:
        """Open the link and start the simulator thread."""
        self._stop.clear()
        self.plug()
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and close every descriptor; safe to call twice."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.unplug()
        if self.link:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def plug(self) -> None:
        """Connect the (simulated) cable."""
        with self._lock:
            if self.transport == "pty":
                if self._master is not None:
                    return
                master, slave = os.openpty()
                tty.setraw(slave)  # an unset pty would echo the device's bytes back
                os.set_blocking(master, False)
                self._master, self._slave = master, slave
                if self.link:
                    tmp = f"{self.link}.tmp{os.getpid()}"
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(tmp)
                    os.symlink(os.ttyname(slave), tmp)
                    os.replace(tmp, self.link)
            else:
                if self._listener is not None:
                    return
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind((self.host, self.port))
                listener.listen(2)
                listener.setblocking(False)
                self.port = listener.getsockname()[1]
                self._listener = listener

    @property
    def plugged(self) -> bool:
        """Whether the (simulated) cable is in: the device can be reached."""
        return self._listener is not None or self._master is not None

    def unplug(self) -> None:
        """Pull the cable: the driver's next read or write fails as disconnected."""
        with self._lock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None
            for sock in (self._client, self._listener):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.close()
            if self._client is not None:
                self.on_disconnect()
            self._client = self._listener = None
            self._pending.clear()

    # -- device side -----------------------------------------------------------------
    def on_data(self, data: bytes) -> bytes:
        """Handle bytes from the driver; return bytes to send back."""
        return b""

    def tick(self) -> bytes:
        """Return bytes to stream now (continuous-output devices)."""
        return b""

    def on_connect(self) -> None:
        """Called when a TCP client connects."""

    def on_disconnect(self) -> None:
        """Called when a TCP client goes away."""

    @property
    def connected(self) -> bool:
        """True when a peer can receive bytes now (pty plugged, or TCP client present)."""
        return self._master is not None or self._client is not None

    def send(self, data: bytes) -> None:
        """Send bytes to the driver now (dropped if the link cannot take them)."""
        with self._lock:
            if self._master is not None:
                with contextlib.suppress(BlockingIOError, OSError):
                    os.write(self._master, data)
            elif self._client is not None:
                try:
                    self._client.sendall(data)
                except OSError:
                    self._drop_client()
            elif self.transport == "tcp" and self._listener is not None:
                self._pending += data
                del self._pending[:-65536]

    def _drop_client(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError):
                self._client.close()
            self._client = None
            self.on_disconnect()

    def _run(self) -> None:
        next_tick = time.monotonic()
        while not self._stop.is_set():
            with self._lock:
                fds = [x for x in (self._master, self._listener, self._client) if x is not None]
            wait = 0.05
            if self.tick_interval:
                wait = max(0.0, min(wait, next_tick - time.monotonic()))
            if fds:
                try:
                    readable, _, _ = select.select(fds, [], [], wait)
                except (OSError, ValueError):  # a descriptor closed under us by unplug()
                    continue
            else:
                readable = []
                self._stop.wait(wait)
            for ready in readable:
                self._service(ready)
            if self.tick_interval and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self.tick_interval
                out = self.tick()
                if out:
                    self.send(out)

    def _service(self, ready) -> None:
        with self._lock:
            if ready is self._listener and self._listener is not None:
                try:
                    client, _ = self._listener.accept()
                except OSError:
                    return
                if self._client is not None:
                    self._drop_client()  # the newest connection wins, like a re-seated cable
                client.setblocking(True)
                client.settimeout(1.0)
                self._client = client
                self.connections += 1
                self.on_connect()
                if self._pending:
                    data, self._pending = bytes(self._pending), bytearray()
                    self.send(data)
                return
            try:
                if ready is self._master and self._master is not None:
                    data = os.read(self._master, 4096)
                elif ready is self._client and self._client is not None:
                    data = self._client.recv(4096)
                    if not data:
                        self._drop_client()
                        return
                else:
                    return
            except BlockingIOError:
                return
            except OSError:
                if ready is self._client:
                    self._drop_client()
                return
            self.received += data
            del self.received[: -self.max_received]
            reply = self.on_data(data)
        if reply:
            self.send(reply)
