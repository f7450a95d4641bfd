"""A printer back online prints the labels it missed by itself, each once (the print watch).

A real printer simulator on loopback TCP, switched off and on again on the same port,
and the watch's rounds run one by one with a clock of the test's own (so the backoff
is seen without waiting for it).
"""

from __future__ import annotations

import pytest

from devices.simulators.printer import PrinterSimulator
from tests.factories import stock_in
from wms.extensions import db
from wms.models import PrintJob
from wms.services import print_queue, stations
from wms.services.print_watch import PrintWatch, waiting_stations

BASE = "/api/v1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def printer_off():
    """A printer's address with nothing answering on it yet; ``start()`` switches it on."""
    probe = PrinterSimulator("zpl", "tcp").start()
    port = int(probe.url.rsplit(":", 1)[1])
    probe.stop()
    made: list[PrinterSimulator] = []

    class Switch:
        url = f"tcp://127.0.0.1:{port}"

        def start(self) -> PrinterSimulator:
            made.append(PrinterSimulator("zpl", "tcp", port=port).start())
            return made[-1]

    yield Switch()
    for printer in made:
        printer.stop()


def _shipped_with_failed_label(world, out, printer_url: str, number: str = "SO-1", code: str = "PACK-W"):
    stations.save_station(code, {"name": "打包台", "kind": "packing", "warehouse_id": world.warehouse_id,
                                 "printer_url": printer_url, "printer_language": "zpl",
                                 "printer_options": {"timeout": 2}})
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order(number, [("SKU-1", 1)])
    out.ready_to_ship(number)
    job_id = out.ship(number, label_station=code).label_job.id
    assert print_queue.deliver(code) == []  # the printer is off: the job fails, the parcel shipped
    return job_id


def _job(job_id: int) -> PrintJob:
    db.session.expire_all()
    return db.session.get(PrintJob, job_id)


def test_a_failed_label_is_printed_once_by_the_watch_when_the_printer_answers_again(
        app, world, out, printer_off):
    job_id = _shipped_with_failed_label(world, out, printer_off.url)
    assert _job(job_id).state == "failed" and waiting_stations() == ["PACK-W"]
    clock = Clock()
    watch = PrintWatch(first=2.0, longest=8.0, clock=clock)

    assert watch.round() == {}  # still off: asked once, then left for the backoff
    assert watch.backoff["PACK-W"].delay == 2.0
    attempts = _job(job_id).attempts
    assert attempts == 1  # the watch asks the printer; it does not burn a send on a silent one
    printer = printer_off.start()
    clock.now += 1.0
    assert watch.round() == {}  # back on, but the station's wait has not run out
    assert printer.jobs == []
    clock.now += 1.5
    assert watch.round() == {"PACK-W": [job_id]}
    assert len(printer.wait_for_jobs(1)) == 1
    job = _job(job_id)
    assert (job.state, job.attempts, job.last_error_code) == ("printed", 2, None)

    # Never twice: later rounds find nothing to print, and the printer got one label.
    clock.now += 60
    assert watch.round() == {} and waiting_stations() == []
    assert len(printer.jobs) == 1 and "PACK-W" not in watch.backoff


def test_the_watch_backs_off_a_printer_that_stays_off(app, world, out, printer_off):
    _shipped_with_failed_label(world, out, printer_off.url)
    clock = Clock()
    watch = PrintWatch(first=1.0, longest=4.0, clock=clock)
    delays = []
    for _ in range(5):
        watch.round()
        delays.append(watch.backoff["PACK-W"].delay)
        clock.now = watch.backoff["PACK-W"].due
    assert delays == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_a_label_printed_by_the_retry_meanwhile_is_left_alone_by_the_watch(app, world, out, printer_off):
    job_id = _shipped_with_failed_label(world, out, printer_off.url)
    clock = Clock()
    watch = PrintWatch(clock=clock)
    watch.round()
    printer = printer_off.start()
    print_queue.retry_job(world.user("shipper"), job_id)
    assert print_queue.deliver("PACK-W") == [job_id]  # "print again" pressed
    clock.now += 60
    assert watch.round() == {}
    assert len(printer.wait_for_jobs(1)) == 1 and _job(job_id).state == "printed"


def test_the_retry_answers_the_job_as_it_is_after_the_resend(app, api, world, printer_off):
    with app.app_context():
        from tests.wms.shipping.conftest import Outbound

        job_id = _shipped_with_failed_label(world, Outbound(world), printer_off.url)
    still_off = api.as_("shipper").post(f"{BASE}/print-jobs/{job_id}/retry", key="r-1")
    assert still_off.status_code == 202, still_off.get_json()
    assert (still_off.get_json()["state"], still_off.get_json()["attempts"]) == ("failed", 2)
    printer = printer_off.start()
    back = api.as_("shipper").post(f"{BASE}/print-jobs/{job_id}/retry", key="r-2")
    assert back.status_code == 202, back.get_json()
    assert (back.get_json()["state"], back.get_json()["attempts"], back.get_json()["error_code"]) == (
        "printed", 3, None)
    assert len(printer.wait_for_jobs(1)) == 1
