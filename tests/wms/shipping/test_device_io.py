"""No device I/O inside a write transaction: weighing and printing never block another handheld.

Real threads with their own sessions on the real database (a SQLite file in WAL mode,
where one writer at a time holds the lock, or PostgreSQL), a scale that takes seconds
to settle and a printer that takes seconds to answer. Print jobs survive a printer that
is off and are sent again until printed.
"""

from __future__ import annotations

import threading
import time

import pytest

from devices.simulators.printer import PrinterSimulator
from devices.simulators.scale import ScaleSimulator
from tests.factories import stock_in
from tests.wms.shipping.conftest import Outbound
from wms.extensions import db
from wms.models import PrintJob
from wms.print_queue_cli import print_queue_group
from wms.services import print_queue, shipping, stations
from wms.services.stock import move_by_scan

#: A write that waited on the station's transaction would take the device's seconds.
QUICK = 1.0
SETTLE, PRINTER_ANSWER = 2.5, 2.5


def _station(world, code: str, scale: ScaleSimulator | None, printer: PrinterSimulator | str) -> None:
    devices = {"printer_url": printer if isinstance(printer, str) else printer.url, "printer_language": "zpl",
               "printer_options": {"timeout": 8}}
    if scale is not None:
        devices |= {"scale_url": scale.url, "scale_protocol": "mt-sics"}
    stations.save_station(code, {"name": "打包台", "kind": "packing", "warehouse_id": world.warehouse_id,
                                 **devices})


@pytest.fixture
def slow_devices():
    scale = ScaleSimulator("mt-sics", "tcp", stability_timeout=10)
    scale.set_weight("1.500", stable=False)  # the parcel still swings on the pan
    scale.start()
    printer = PrinterSimulator("zpl", "tcp", answer_delay=PRINTER_ANSWER).start()
    yield scale, printer
    scale.stop()
    printer.stop()


def test_another_handhelds_write_goes_through_while_a_station_weighs_and_prints(app, world, slow_devices):
    scale, printer = slow_devices
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
        stock_in(world, "SKU-2", 10, "B-01-01")
        out = Outbound(world)
        out.order("SO-1", [("SKU-1", 2)])
        out.ready_to_ship("SO-1")
        _station(world, "PACK-9", scale, printer)
        db.session.remove()
    weighing, shipped, done = threading.Event(), threading.Event(), threading.Event()
    outcome: dict = {}

    def packing_station() -> None:
        with app.app_context():
            shipper = world.user("shipper")
            db.session.close()
            try:
                weighing.set()
                reading = stations.weigh_parcel(shipper, "PACK-9")
                result = shipping.ship_order(
                    shipper, "SO-1", carrier="SF", tracking_number="SF0000000090001", reading=reading,
                    shipper_signature="王", carrier_signature="李", label_station="PACK-9")
                shipped.set()
                outcome["printed"] = print_queue.deliver("PACK-9")
                outcome["result"] = result
            except Exception as exc:  # noqa: BLE001 - reported below, fails the test
                outcome["error"] = exc
            finally:
                done.set()
                db.session.remove()

    threading.Timer(SETTLE, scale.set_stable, [True]).start()
    station = threading.Thread(target=packing_station)
    station.start()
    writes = []
    with app.app_context():
        picker = world.user("supervisor")
        db.session.close()
        weighing.wait(5)
        time.sleep(0.3)
        for phase, gate in (("weighing", None), ("printing", shipped)):
            if gate is not None:
                assert gate.wait(10), outcome
                time.sleep(0.3)  # the label job is at the printer, which takes its seconds
            started = time.monotonic()
            move_by_scan(picker, item_code="SKU-2", from_location="B-01-01", to_location="A-01-02", quantity=1)
            writes.append((phase, time.monotonic() - started, done.is_set()))
            db.session.remove()
    station.join(30)
    assert "error" not in outcome, outcome
    assert all(not finished for _, _, finished in writes), writes  # the station was still busy
    assert all(seconds < QUICK for _, seconds, _ in writes), writes
    job = outcome["result"].label_job
    assert outcome["printed"] == [job.id] and outcome["result"].weight_grams == 1500
    assert outcome["result"].weight_source == "scale" and outcome["result"].station == "PACK-9"
    assert len(printer.wait_for_jobs(1)) == 1


def test_a_label_printed_by_the_station_shows_the_apis_masked_recipient(app, world, out):
    printer = PrinterSimulator("zpl", "tcp", answer_delay=0).start()
    try:
        stock_in(world, "SKU-1", 5, "A-01-01")
        out.order("SO-1", [("SKU-1", 1)])
        out.ready_to_ship("SO-1")
        _station(world, "PACK-1", None, printer)
        shipped = out.ship("SO-1", label_station="PACK-1")
        print_queue.deliver("PACK-1")
        label = printer.wait_for_jobs(1)[0].decode()
        api_view = shipping.shipping_label(out.actor("shipper"), "SO-1")
        for masked in (api_view.recipient_name, api_view.recipient_phone, api_view.recipient_address):
            assert masked in label
        assert "13800138000" not in label and "张三丰" not in label and "文三路" not in label
        assert shipped.label_job.document_number == "SO-1"
    finally:
        printer.stop()


def test_print_jobs_survive_a_printer_that_is_off_and_are_retried_until_printed(app, world, out):
    printer = PrinterSimulator("zpl", "tcp").start()
    url = printer.url
    printer.stop()  # switched off
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 1)])
    out.ready_to_ship("SO-1")
    _station(world, "PACK-2", None, url)
    job_id = out.ship("SO-1", label_station="PACK-2").label_job.id  # the shipment does not wait
    assert print_queue.deliver("PACK-2") == []
    assert print_queue.deliver("PACK-2") == []  # the station's next try: still off
    job = db.session.get(PrintJob, job_id)
    assert (job.state, job.attempts, job.last_error_code) == ("failed", 2, "device_disconnected")
    assert shipping.order_view(out.actor("supervisor"), "SO-1").status == "shipped"

    runner = app.test_cli_runner()
    still_off = runner.invoke(print_queue_group, ["retry", "--station", "PACK-2"])
    assert still_off.exit_code == 1 and str(job_id) in still_off.output
    back = PrinterSimulator("zpl", "tcp", port=int(url.rsplit(":", 1)[1])).start()
    try:
        printed = runner.invoke(print_queue_group, ["retry"])
        assert printed.exit_code == 0, printed.output
        assert len(back.wait_for_jobs(1)) == 1
        db.session.expire_all()
        job = db.session.get(PrintJob, job_id)
        assert (job.state, job.attempts, job.last_error_code) == ("printed", 4, None)
        listed = runner.invoke(print_queue_group, ["list", "--station", "PACK-2"])
        assert f"{job_id}\tprinted\tshipping\tSO-1\tattempts=4" in listed.output
    finally:
        back.stop()
