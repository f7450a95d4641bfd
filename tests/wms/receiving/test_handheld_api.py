"""What the receiving handheld needs in one call: open documents to keep offline (R1),
every code that scans to a line's item, and inspection screens that need no second call (R5, R6)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import GTIN_1, GTIN_2
from tests.wms.receiving.helpers import HANDOVER
from tests.wms.receiving.test_api import BASE, create_po, start
from wms.extensions import db


def test_r1_the_open_documents_of_every_kind_newest_first_with_codes_per_line(api):
    create_po(api, "PO-OPEN-1", lines=[{"item": "SKU-1", "quantity": 10}, {"item": "SKU-2", "quantity": 4}])
    create_po(api, "RMA-OPEN-1", kind="customer_return", supplier=None, customer="CUS-1",
              lines=[{"item": "SKU-2", "quantity": 1}])
    create_po(api, "CSG-OPEN-1", kind="consignment", supplier=None, owner="CSG-01",
              lines=[{"item": "SKU-LOT", "quantity": 3}])
    closed = create_po(api, "PO-CLOSED-1")
    api.as_("clerk").post(f"{BASE}/inbound-documents/{closed['id']}/status", json={"status": "cancelled"})

    response = api.as_("receiver").get(f"{BASE}/inbound-documents/open")
    assert response.status_code == 200, response.get_json()
    documents = response.get_json()
    assert [d["number"] for d in documents] == ["CSG-OPEN-1", "RMA-OPEN-1", "PO-OPEN-1"]
    by_number = {d["number"]: d for d in documents}
    po = by_number["PO-OPEN-1"]
    assert (po["kind"], po["party_kind"], po["party_code"], po["party_name"]) == (
        "purchase_order", "supplier", "SUP-1", "义乌日用品厂")
    assert by_number["RMA-OPEN-1"]["party_kind"] == "customer"
    assert (by_number["CSG-OPEN-1"]["party_kind"], by_number["CSG-OPEN-1"]["party_code"]) == ("consignor", "CSG-01")
    first, second = po["lines"]
    assert {k: first[k] for k in ("line_no", "sku", "item_name", "codes", "ordered", "received", "remaining")} == {
        "line_no": 1, "sku": "SKU-1", "item_name": "保温杯 500ml", "codes": [GTIN_1, "SKU-1"],
        "ordered": 10, "received": 0, "remaining": 10}
    assert second["codes"] == [GTIN_2, "INT-2", "SKU-2"]
    # The scanned document answers the same lines with the same codes.
    scanned = api.as_("receiver").get(f"{BASE}/inbound-documents/by-number/PO-OPEN-1").get_json()
    assert scanned == po


def test_r1_the_open_documents_need_a_receiver_and_cost_one_query_per_table(api, app):
    for n in range(6):
        create_po(api, f"PO-MANY-{n}", lines=[{"item": "SKU-1", "quantity": 5}, {"item": "SKU-2", "quantity": 5}])
    assert api.as_("picker").get(f"{BASE}/inbound-documents/open").status_code == 403
    assert api.as_("supervisor").get(f"{BASE}/inbound-documents/open").status_code == 200
    caller = api.as_("receiver")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        documents = caller.get(f"{BASE}/inbound-documents/open").get_json()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(documents) == 6 and all(len(d["lines"]) == 2 for d in documents)
    about_lines = [s for s in statements if "inbound_line" in s]
    about_barcodes = [s for s in statements if "item_barcode" in s]
    assert (len(about_lines), len(about_barcodes)) == (1, 1), statements


def test_a_sku_that_is_another_items_barcode_is_not_a_code_of_its_own_item(ctx, world):
    from wms.models import Item, ItemBarcode
    from wms.services.receiving import item_codes

    shadowed = Item(sku="SHADOW", name="x")
    db.session.add(shadowed)
    db.session.flush()
    db.session.add(ItemBarcode(item_id=world.items["SKU-1"], code="SHADOW"))
    db.session.flush()
    codes = item_codes([shadowed.id, world.items["SKU-1"]])
    assert codes[shadowed.id] == []  # scanning SHADOW names SKU-1: a barcode wins over a SKU
    assert "SHADOW" in codes[world.items["SKU-1"]]


INSPECTION_SCREEN = {"kind", "rate_percent", "sample_size", "required_units", "units_inspected", "defects",
                     "remaining_units", "expanded", "outcome", "state", "reason", "reason_code", "reason_params"}


def _submitted(api, number, code, quantity, **line):
    receipt = start(api, number)
    posted = api.as_("receiver").post(f"{BASE}/receipts/{receipt['id']}/lines",
                                      json={"code": code, "quantity": quantity, **line})
    assert posted.status_code == 201, posted.get_json()
    submitted = api.as_("receiver").post(f"{BASE}/receipts/{receipt['id']}/submit", json=HANDOVER)
    assert submitted.status_code == 200, submitted.get_json()
    return receipt["id"], posted.get_json()["id"]


def test_r5_the_receipt_gives_an_inspection_screen_everything_and_a_round_answers_the_line(api):
    create_po(api, "PO-INSP-1", lines=[{"item": "SKU-1", "quantity": 100}])
    receipt_id, line_id = _submitted(api, "PO-INSP-1", "SKU-1", 100)
    line = api.as_("receiver").get(f"{BASE}/receipts/{receipt_id}").get_json()["lines"][0]
    inspection = line["inspection"]
    assert INSPECTION_SCREEN <= set(inspection)
    assert {k: inspection[k] for k in ("kind", "rate_percent", "sample_size", "required_units", "remaining_units",
                                       "reason_code", "reason_params", "outcome")} == {
        "kind": "sample", "rate_percent": 10, "sample_size": 10, "required_units": 10, "remaining_units": 10,
        "reason_code": "first_delivery", "reason_params": {"rate": 10}, "outcome": "pending"}
    assert (line["state"], line["item_name"]) == ("pending", "保温杯 500ml")

    # A defect expands the sample (R5): the answer carries the line, no second call needed.
    first = api.as_("receiver").post(f"{BASE}/receipt-lines/{line_id}/inspection",
                                     json={"units_inspected": 10, "defects": 1})
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert (body["expanded"], body["required_units"], body["remaining_units"]) == (True, 30, 20)
    assert (body["line"]["id"], body["line"]["state"], body["receipt_status"]) == (line_id, "pending", "submitted")
    done = api.as_("receiver").post(f"{BASE}/receipt-lines/{line_id}/inspection",
                                    json={"units_inspected": 20, "defects": 0}).get_json()
    assert (done["outcome"], done["line"]["state"], done["required_units"]) == ("accepted", "accepted", 30)


def test_r6_a_classification_answers_the_line_and_says_it_is_a_return_classification(api):
    create_po(api, "RMA-INSP-1", kind="customer_return", supplier=None, customer="CUS-1",
              lines=[{"item": "SKU-2", "quantity": 3}])
    receipt_id, line_id = _submitted(api, "RMA-INSP-1", "INT-2", 3)
    inspection = api.as_("receiver").get(f"{BASE}/receipts/{receipt_id}").get_json()["lines"][0]["inspection"]
    assert (inspection["kind"], inspection["reason_code"], inspection["required_units"]) == (
        "return_classification", "customer_return_classified", 3)
    body = api.as_("receiver").post(f"{BASE}/receipt-lines/{line_id}/return-classification",
                                    json={"resellable": 2, "damaged": 1}).get_json()
    assert (body["line"]["resellable"], body["line"]["damaged"], body["line"]["state"]) == (2, 1, "accepted")


def test_r4_damaged_packaging_is_a_full_inspection_with_its_reason_code(api):
    create_po(api, "PO-DAMP-1", lines=[{"item": "SKU-1", "quantity": 8}])
    receipt_id, _ = _submitted(api, "PO-DAMP-1", "SKU-1", 8, packaging="damp")
    inspection = api.as_("receiver").get(f"{BASE}/receipts/{receipt_id}").get_json()["lines"][0]["inspection"]
    assert (inspection["kind"], inspection["reason_code"], inspection["reason_params"]) == (
        "full", "damaged_packaging", {"packaging": "damp", "rate": 100})


def test_r5_supplier_quality_gives_the_reason_code(api, world):
    body = api.as_("supervisor").get(f"{BASE}/supplier-quality/{world.supplier_id}").get_json()
    assert (body["reason_code"], body["reason_params"]) == ("no_history", {})


def test_putaway_screen_gets_the_item_the_quantity_waiting_the_owner_and_the_bin_in_one_call(api, app, world):
    from tests.factories import stock_in

    with app.app_context():
        stock_in(world, "SKU-1", 6, "RCV-01", lot="LOT-PUT-1")
    response = api.as_("receiver").get(f"{BASE}/putaway/suggestion", query_string={"lot": "LOT-PUT-1"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "lot": "LOT-PUT-1", "item_id": world.items["SKU-1"], "sku": "SKU-1", "item_name": "保温杯 500ml",
        "quantity": 6, "from_location": "RCV-01", "owner_code": "OWN", "owner_name": "OWN", "owner_kind": "own",
        "bin": "A-01-01", "reason": response.get_json()["reason"], "reason_code": "emptiest"}
    assert response.get_json()["reason"]
