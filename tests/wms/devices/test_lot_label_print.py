"""A lot's label printed at a chosen station from the lot's own data, through the print
queue (queued in the transaction, sent after the commit), on a real printer simulator."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from devices.printers import tspl, zpl
from devices.printers.labels import LotLabel
from tests.factories import GTIN_1, stock_in
from wms.extensions import db
from wms.models import Lot, PrintJob

BUILDERS = {"zpl": zpl, "tspl": tspl}


def _lot(app, world, sku="SKU-1", code="L2026-42", expiry=dt.date(2027, 3, 1)):
    with app.app_context():
        lot_id = stock_in(world, sku, 24, "RCV-01" if "RCV-01" in world.locations else "A-01-01", lot=code,
                          expiry=expiry, received_at=dt.datetime(2026, 11, 30, 18, 30, tzinfo=dt.timezone.utc))
        return db.session.get(Lot, lot_id).code


@pytest.mark.parametrize("language", ["zpl", "tspl"])
def test_a_lot_label_is_built_on_the_server_from_the_lots_own_data(api, app, world, make_station, simulators,
                                                                  language):
    sim = simulators.printer(language, "tcp")
    station = make_station(printer_url=sim.url, printer_language=language)["code"]
    code = _lot(app, world)
    response = api.as_("receiver").post(f"/api/v1/lots/{code}/label/print", key="lot-lbl-1",
                                        json={"station": station, "copies": 2})
    body = response.get_json()
    assert response.status_code == 202, body
    # The receipt day is the warehouse's (Asia/Shanghai): 18:30 UTC on 30 November is 1 December there.
    expected = BUILDERS[language].lot_label(LotLabel("0" + GTIN_1, "L2026-42", dt.date(2027, 3, 1),
                                                     "SKU-1 保温杯 500ml", "", dt.date(2026, 12, 1)))
    assert sim.wait_for_jobs(2) == [expected.strip(b"\r\n") + (b"\r\n" if language == "tspl" else b"")] * 2
    assert (body["label"], body["copies"], body["state"], body["document_type"], body["document_number"]) == (
        "lot", 2, "queued", "lot", "L2026-42")  # as queued in the transaction; sent after it
    printed = api.as_("receiver").get(f"/api/v1/print-jobs/{body['id']}").get_json()
    assert printed["state"] == "printed"
    # A retry after lost Wi-Fi answers the first job and prints nothing more.
    replay = api.as_("receiver").post(f"/api/v1/lots/{code}/label/print", key="lot-lbl-1",
                                      json={"station": station, "copies": 2})
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.get_json() == body
    time.sleep(0.2)
    assert len(sim.wait_for_jobs(3, timeout=0.3)) == 2


def test_a_lot_label_is_queued_even_when_the_printer_is_off_and_kept_to_retry(api, app, world, make_station):
    station = make_station(printer_url="tcp://127.0.0.1:9", printer_language="zpl",
                           printer_options={"timeout": 0.2})["code"]
    code = _lot(app, world)
    response = api.as_("picker").post(f"/api/v1/lots/{code}/label/print", json={"station": station})
    assert response.status_code == 202, response.get_json()
    job = api.as_("picker").get(f"/api/v1/print-jobs/{response.get_json()['id']}").get_json()
    assert (job["state"], job["document_number"]) == ("failed", code)  # kept, with the printer's error
    with app.app_context():
        assert db.session.query(PrintJob).filter_by(document_number=code).count() == 1


def test_a_lot_label_refusals_are_typed(api, app, world, make_station, simulators):
    sim = simulators.printer("zpl", "tcp")
    station = make_station(printer_url=sim.url, printer_language="zpl")["code"]
    no_gtin = _lot(app, world, sku="SKU-LOT", code="LOT-NOGTIN")
    no_expiry = _lot(app, world, code="LOT-NOEXP", expiry=None)
    for code, status, error in [("NO-SUCH-LOT", 404, "unknown_lot"), (no_gtin, 422, "label_error"),
                                (no_expiry, 422, "label_error")]:
        response = api.as_("receiver").post(f"/api/v1/lots/{code}/label/print", json={"station": station})
        assert (response.status_code, response.get_json()["code"]) == (status, error), code
    good = _lot(app, world, code="LOT-OK")
    missing = api.as_("receiver").post(f"/api/v1/lots/{good}/label/print", json={"station": "NOPE"})
    assert missing.get_json()["code"] == "station_not_found"
    assert api.as_("clerk").post(f"/api/v1/lots/{good}/label/print",
                                 json={"station": station}).status_code == 403
    assert sim.wait_for_jobs(1, timeout=0.2) == []


def test_a_lot_code_two_items_share_needs_the_item(api, app, world, make_station, simulators):
    sim = simulators.printer("zpl", "tcp")
    station = make_station(printer_url=sim.url, printer_language="zpl")["code"]
    code = _lot(app, world, code="LOT-BOTH")
    _lot(app, world, sku="SKU-2", code="LOT-BOTH")
    refused = api.as_("receiver").post(f"/api/v1/lots/{code}/label/print", json={"station": station})
    assert (refused.status_code, refused.get_json()["code"]) == (422, "lot_required")
    chosen = api.as_("receiver").post(f"/api/v1/lots/{code}/label/print", json={"station": station, "item": "INT-2"})
    assert chosen.status_code == 202, chosen.get_json()
    assert len(sim.wait_for_jobs(1)) == 1
