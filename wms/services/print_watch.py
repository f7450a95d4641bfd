"""A printer back online prints what it missed, without anyone pressing "print again".

A label job that failed because the station's printer was off (or out of paper, or
unplugged) stays ``failed`` with the printer's error. The print watch looks at the
print queue every ``PRINT_QUEUE_WATCH_SECONDS``: for each station with a failed job (or
a queued one nobody sent within ``PRINT_QUEUE_STALE_QUEUED_SECONDS``, say its worker
stopped after the commit) it asks the station's printer whether it answers, with a
backoff per station (``PRINT_QUEUE_RETRY_FIRST_SECONDS`` doubling up to
``PRINT_QUEUE_RETRY_MAX_SECONDS``) so a printer that stays off is not asked every
second. When the printer answers, ``print_queue.deliver`` sends the station's pending
jobs oldest first, exactly as the station's next job or the retry button would.

It runs in a daemon thread of each server worker (``wms serve`` starts it: no process
of its own for the demo or a small site); several workers watching at once are safe,
because a job is taken for sending by one locked transition (``PRINT_JOB``: queued or
failed -> printing) and a job being sent or printed is never sent again. A job is
printed once; a reprint is a new job. No device is asked while a transaction is open:
the queue is read, the read is ended, then the printer is asked.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from wms.domain.printing import STALE_PRINTING_SECONDS, PrintJobState
from wms.extensions import db
from wms.models.station import PrintJob
from wms.models.types import utcnow
from wms.services import print_queue

log = logging.getLogger(__name__)

#: Defaults of the settings above (seconds); a watch of 0 seconds is no watch.
WATCH_SECONDS = 1.0
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 8.0
STALE_QUEUED_SECONDS = 10.0


@dataclass
class Backoff:
    """When a station's printer is asked next, and how long it waits after another silence."""

    delay: float
    due: float


def waiting_stations() -> list[str]:
    """Stations with a job to print again: failed, or queued and left unsent.

    A station whose job is at its printer right now (``printing``, not yet stale) is
    left alone: another worker is sending to it.
    """
    now = utcnow()
    stale_queued = now - timedelta(seconds=_setting("PRINT_QUEUE_STALE_QUEUED_SECONDS", STALE_QUEUED_SECONDS))
    stale_printing = now - timedelta(seconds=STALE_PRINTING_SECONDS)
    waiting = sa.or_(
        PrintJob.state == PrintJobState.FAILED.value,
        sa.and_(PrintJob.state == PrintJobState.QUEUED.value, PrintJob.created_at < stale_queued),
    )
    busy = sa.select(PrintJob.station_code).where(
        PrintJob.state == PrintJobState.PRINTING.value, PrintJob.sent_at >= stale_printing)
    stations = sorted(db.session.execute(
        sa.select(PrintJob.station_code).where(waiting, PrintJob.station_code.not_in(busy)).distinct()
    ).scalars())
    db.session.commit()  # end the read before any printer is asked
    return stations


class PrintWatch:
    """One watcher's state: the backoff of each station whose printer did not answer."""

    def __init__(self, first: float = RETRY_FIRST_SECONDS, longest: float = RETRY_MAX_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.first, self.longest, self.clock = first, longest, clock
        self.backoff: dict[str, Backoff] = {}

    def round(self) -> dict[str, list[int]]:
        """One look at the queue (in an application context): the job ids printed, by station."""
        from wms.services.stations import printer_answers

        printed: dict[str, list[int]] = {}
        waiting = waiting_stations()
        for code in list(self.backoff):
            if code not in waiting:
                del self.backoff[code]  # printed meanwhile (a press, another worker): start afresh
        now = self.clock()
        for code in waiting:
            state = self.backoff.get(code)
            if state is not None and now < state.due:
                continue
            done = print_queue.deliver(code) if printer_answers(code) else []
            if done:
                printed[code] = done
            if done and code not in waiting_stations():
                self.backoff.pop(code, None)
            else:
                delay = self.first if state is None else min(self.longest, state.delay * 2)
                self.backoff[code] = Backoff(delay, self.clock() + delay)
        return printed


def _setting(name: str, default: float) -> float:
    return float(current_app.config.get(name, default))


def start_print_watch(app: Flask) -> threading.Thread | None:
    """Start the watch in a daemon thread of this process (None when switched off)."""
    with app.app_context():
        every = _setting("PRINT_QUEUE_WATCH_SECONDS", WATCH_SECONDS)
        watch = PrintWatch(_setting("PRINT_QUEUE_RETRY_FIRST_SECONDS", RETRY_FIRST_SECONDS),
                           _setting("PRINT_QUEUE_RETRY_MAX_SECONDS", RETRY_MAX_SECONDS))
    if every <= 0:
        return None

    def run() -> None:
        while True:
            time.sleep(every)
            try:
                with app.app_context():
                    printed = watch.round()
                    if printed:
                        log.info("print watch: printed %s", printed)
            except Exception:  # noqa: BLE001 - a database away for a moment must not end the watch
                log.exception("print watch round failed; trying again")

    thread = threading.Thread(target=run, name="print-watch", daemon=True)
    thread.start()
    return thread
