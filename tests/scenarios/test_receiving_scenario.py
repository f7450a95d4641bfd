"""A purchase order from creation to put-away, through the HTTP API only (R1-R9).

The clerk writes the order; the receiver scans it at the dock, counts two items (one
by a GS1 code carrying batch and expiry, one in a damp carton), signs the handover
with the deliverer; the inspector samples, finds a defect, expands the sample and
the lot is accepted less the defective units; the end-of-day list shows the receipt
waiting for posting; the clerk posts it; the receiver puts the goods away to the
suggested bins; the supplier's quality view shows the two inspections.
"""

from __future__ import annotations

from tests.factories import GTIN_1
from tests.wms.receiving.helpers import HANDOVER

BASE = "/api/v1"


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_receiving_scenario_purchase_order_to_putaway(api, world):
    clerk, receiver = api.as_("clerk"), api.as_("receiver")

    # The ledger clerk enters the purchase order (R1: the document comes first).
    po = ok(clerk.post(f"{BASE}/inbound-documents", key="po-1", json={
        "number": "PO-20261122-001", "kind": "purchase_order", "supplier": "SUP-1",
        "lines": [{"item": "SKU-1", "quantity": 100}, {"item": "SKU-2", "quantity": 20}],
    }), 201)
    assert po["status"] == "open"

    # At the dock: an unknown document is refused, the real one opens.
    refused = receiver.post(f"{BASE}/receipts", key="rc-0", json={"document": "PO-NOT-WRITTEN"})
    assert (refused.status_code, refused.get_json()["code"]) == (409, "no_open_document")
    scanned = ok(receiver.get(f"{BASE}/inbound-documents/by-number/PO-20261122-001"))
    assert [line["remaining"] for line in scanned["lines"]] == [100, 20]
    receipt = ok(receiver.post(f"{BASE}/receipts", key="rc-1", json={"document": "PO-20261122-001"}), 201)
    lines_url = f"{BASE}/receipts/{receipt['id']}/lines"

    # Counting: a GS1 label fills batch and expiry; a second scan adds to the same line.
    cups = ok(receiver.post(lines_url, key="scan-1", json={
        "code": f"(01)0{GTIN_1}(10)BATCH-77(17)281231", "quantity": 60}), 201)
    assert (cups["batch"], cups["expiry_date"]) == ("BATCH-77", "2028-12-31")
    cups = ok(receiver.post(lines_url, key="scan-2", json={
        "code": f"(01)0{GTIN_1}(10)BATCH-77(17)281231", "quantity": 40}), 201)
    assert cups["quantity"] == 100
    over = receiver.post(lines_url, key="scan-3", json={"code": "SKU-2", "quantity": 21})
    assert over.get_json()["code"] == "over_receipt"  # R2
    bags = ok(receiver.post(lines_url, key="scan-4", json={
        "code": "INT-2", "quantity": 20, "packaging": "damp", "packaging_note": "外箱受潮"}), 201)
    assert bags["packaging_replacement_requested"] is True  # R4

    # Handover: delivery note, names, signatures (R3); inspections are planned (R5).
    submitted = ok(receiver.post(f"{BASE}/receipts/{receipt['id']}/submit", key="sign-1", json=HANDOVER))
    plans = {line["sku"]: line["inspection"] for line in submitted["lines"]}
    assert (plans["SKU-1"]["rate_percent"], plans["SKU-1"]["sample_size"]) == (10, 10)
    assert "first delivery" in plans["SKU-1"]["reason"]
    assert (plans["SKU-2"]["sample_size"], plans["SKU-2"]["state"]) == (20, "full")  # damp carton (R4)

    # Posting before inspection is refused.
    early = clerk.post(f"{BASE}/receipts/{receipt['id']}/post", key="post-0")
    assert (early.status_code, early.get_json()["code"]) == (409, "inspection_pending")

    # Inspection: 2 defects in the 10-unit sample expand it to 30 units (R5).
    step = ok(receiver.post(f"{BASE}/receipt-lines/{cups['id']}/inspection", key="qc-1",
                            json={"units_inspected": 10, "defects": 2}))
    assert (step["outcome"], step["expanded"], step["remaining_units"]) == ("pending", True, 20)
    step = ok(receiver.post(f"{BASE}/receipt-lines/{cups['id']}/inspection", key="qc-2",
                            json={"units_inspected": 20, "defects": 1}))
    assert (step["outcome"], step["accepted_quantity"], step["rejected_quantity"]) == ("accepted", 97, 3)
    step = ok(receiver.post(f"{BASE}/receipt-lines/{bags['id']}/inspection", key="qc-3",
                            json={"units_inspected": 20, "defects": 0}))
    assert step["outcome"] == "accepted"

    # End of day: the receipt is listed as waiting for the clerk (R8).
    unposted = ok(clerk.get(f"{BASE}/receipts/unposted"))
    assert [(r["number"], r["waiting_for"]) for r in unposted] == [
        (receipt["number"], "posting by the ledger clerk")]

    # The ledger clerk posts: accepted to receiving, rejected to quarantine (R9).
    posted = ok(clerk.post(f"{BASE}/receipts/{receipt['id']}/post", key="post-1"))
    assert posted["status"] == "posted"
    assert ok(clerk.get(f"{BASE}/receipts/unposted")) == []
    assert ok(clerk.get(f"{BASE}/inbound-documents/{po['id']}"))["status"] == "closed"
    entries = ok(clerk.get(f"{BASE}/ledger?document_id={receipt['number']}&page_size=100"))
    assert sorted((e["kind"], e["quantity"]) for e in entries if e["quantity"] > 0) == [
        ("receipt", 20), ("receipt", 97), ("rejection", 3)]
    assert ok(clerk.get(f"{BASE}/ledger/verify"))["ok"] is True

    # Put-away: scan the lot label, take the suggested bin.
    lots = {line["sku"]: line["lot_code"] for line in posted["lines"]}
    assert lots["SKU-1"] == "BATCH-77"
    for sku in ("SKU-1", "SKU-2"):
        suggestion = ok(receiver.get(f"{BASE}/putaway/suggestion?lot={lots[sku]}"))
        ok(receiver.post(f"{BASE}/putaway", key=f"put-{sku}",
                         json={"lot": lots[sku], "bin": suggestion["bin"]}), 201)
    stock = ok(receiver.get(f"{BASE}/stock?item=SKU-1"))
    assert {(r["location_code"], r["quantity"]) for r in stock} == {("A-01-01", 97), ("QA-01", 3)}
    stock = ok(receiver.get(f"{BASE}/stock?item=SKU-2"))
    assert {(r["location_code"], r["quantity"]) for r in stock} == {("A-01-02", 20)}

    # The supplier's quality view shows both inspections and the switching state.
    quality = ok(clerk.get(f"{BASE}/supplier-quality/{world.supplier_id}"))
    assert (quality["state"], quality["rate_percent"]) == ("normal", 10)
    assert quality["totals"] == {"lots": 2, "rejected_lots": 0, "units_inspected": 50, "defects": 3,
                                 "defect_rate_percent": "6.00"}
    assert len(quality["history"]) == 2
