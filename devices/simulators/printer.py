"""Label printer simulator: records every job and answers status requests.

ZPL: jobs are ``^XA ... ^XZ``; ``~HS`` anywhere in the stream gets the three status
strings. TSPL: a job ends with its ``PRINT`` line; ``ESC !?`` gets the status byte.
On TCP a closed connection also ends a job, as on a JetDirect port. ``answer_delay``
makes a slow printer (one warming up): each status request is answered that many
seconds late.
"""

from __future__ import annotations

import re
import threading
import time

from ..errors import DeviceConfigError
from ..printers import tspl, zpl
from ..printers.printer import encode_host_status
from .base import Simulator

TSPL_PRINT = re.compile(rb"(?:^|\r?\n)PRINT [^\r\n]*\r?\n")


class PrinterSimulator(Simulator):
    """A ZPL or TSPL printer on a pty or a loopback TCP port (scheme ``tcp``)."""

    max_jobs = 1000

    def __init__(self, language: str = "zpl", transport: str = "tcp", *, answer_delay: float = 0.0, **kwargs):
        if language not in ("zpl", "tspl"):
            raise DeviceConfigError("language must be zpl or tspl")
        kwargs.setdefault("scheme", "tcp")
        super().__init__(transport, **kwargs)
        self.language = language
        self.jobs: list[bytes] = []
        self.paper_out = False
        self.paused = False
        self.head_open = False
        self.answer_delay = answer_delay
        self._buf = bytearray()
        self._job_event = threading.Condition(self._lock)

    def status_reply(self) -> bytes:
        """The status bytes for the present state."""
        if self.language == "zpl":
            return encode_host_status(paper_out=self.paper_out, paused=self.paused, head_open=self.head_open)
        value = (
            (0x01 if self.head_open else 0) | (0x04 if self.paper_out else 0) | (0x10 if self.paused else 0)
        )
        return bytes((value,))

    def on_data(self, data: bytes) -> bytes:
        """Split the stream into status requests and jobs."""
        self._buf += data
        reply = b""
        command = zpl.STATUS_COMMAND if self.language == "zpl" else tspl.STATUS_COMMAND
        while command in self._buf:
            at = self._buf.index(command)
            del self._buf[at : at + len(command)]
            if self.answer_delay:
                time.sleep(self.answer_delay)
            reply += self.status_reply()
        if self.language == "zpl":
            while (end := self._buf.find(b"^XZ")) >= 0:
                start = self._buf.find(b"^XA")
                job = bytes(self._buf[max(start, 0) : end + 3])
                del self._buf[: end + 3]
                self._record(job)
        else:
            while (m := TSPL_PRINT.search(self._buf)) is not None:
                job = bytes(self._buf[: m.end()]).lstrip(b"\r\n")
                del self._buf[: m.end()]
                self._record(job)
        del self._buf[:-65536]
        return reply

    def on_disconnect(self) -> None:
        """A closed connection ends whatever job was in progress."""
        if self._buf.strip():
            self._record(bytes(self._buf))
        self._buf.clear()

    def _record(self, job: bytes) -> None:
        with self._job_event:
            self.jobs.append(job.strip(b"\r\n") + (b"\r\n" if self.language == "tspl" else b""))
            del self.jobs[: -self.max_jobs]
            self._job_event.notify_all()

    def wait_for_jobs(self, count: int, timeout: float = 2.0) -> list[bytes]:
        """Block until ``count`` jobs were recorded (or timeout); return the jobs."""
        with self._job_event:
            self._job_event.wait_for(lambda: len(self.jobs) >= count, timeout)
            return list(self.jobs)
