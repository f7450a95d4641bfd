"""The receiving API: typed refusals that post nothing, idempotent scans, imports, views."""

from __future__ import annotations

import io

import pytest

from tests.wms.receiving.helpers import HANDOVER
from tests.wms.receiving.test_import import GOOD, csv_bytes

BASE = "/api/v1"


def create_po(api, number="PO-API-1", lines=None, kind="purchase_order", **extra):
    body = {"number": number, "kind": kind, "supplier": "SUP-1",
            "lines": lines or [{"item": "SKU-1", "quantity": 10}], **extra}
    response = api.as_("clerk").post(f"{BASE}/inbound-documents", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def start(api, number):
    response = api.as_("receiver").post(f"{BASE}/receipts", json={"document": number})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ledger_total(api) -> int:
    response = api.as_("clerk").get(f"{BASE}/ledger?page_size=100")
    assert response.status_code == 200, response.get_json()
    return len(response.get_json())


def test_every_mutating_receiving_endpoint_is_idempotent(app):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("receiving."):
            continue
        view_class = app.view_functions[rule.endpoint].view_class
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            assert getattr(getattr(view_class, method.lower()), "idempotent", False), (rule, method)


@pytest.mark.parametrize(
    ("document", "code", "status"),
    [(None, "no_open_document", 409), ("", "no_open_document", 409), ("PO-NONE", "no_open_document", 409)],
)
def test_r1_receipt_without_open_document_is_refused_with_a_stable_code(api, document, code, status):
    response = api.as_("receiver").post(f"{BASE}/receipts", json={"document": document})
    assert (response.status_code, response.get_json()["code"]) == (status, code)


def test_r1_scanning_a_cancelled_document_is_refused(api):
    document = create_po(api)
    cancel = api.as_("clerk").post(f"{BASE}/inbound-documents/{document['id']}/status",
                                   json={"status": "cancelled"})
    assert cancel.status_code == 200
    response = api.as_("receiver").get(f"{BASE}/inbound-documents/by-number/{document['number']}")
    assert (response.status_code, response.get_json()["code"]) == (409, "document_not_open")
    # The client is told the state the step needs, as every transition table refusal does.
    assert response.get_json()["errors"] | {"expected": ["open"], "document_status": "cancelled"} \
        == response.get_json()["errors"]


def test_r2_and_item_refusals_post_nothing(api):
    create_po(api)
    receipt = start(api, "PO-API-1")
    lines_url = f"{BASE}/receipts/{receipt['id']}/lines"
    over = api.as_("receiver").post(lines_url, json={"code": "SKU-1", "quantity": 11})
    assert (over.status_code, over.get_json()["code"]) == (409, "over_receipt")
    assert over.get_json()["errors"]["remaining"] == 10
    other = api.as_("receiver").post(lines_url, json={"code": "SKU-2", "quantity": 1})
    assert (other.status_code, other.get_json()["code"]) == (422, "item_not_on_document")
    document = api.as_("receiver").get(f"{BASE}/inbound-documents/by-number/PO-API-1").get_json()
    assert document["lines"][0]["received"] == 0
    assert ledger_total(api) == 0


def test_r2_a_retried_scan_with_the_same_key_counts_once(api):
    create_po(api)
    receipt = start(api, "PO-API-1")
    url = f"{BASE}/receipts/{receipt['id']}/lines"
    first = api.as_("receiver").post(url, json={"code": "SKU-1", "quantity": 6}, key="scan-1")
    again = api.as_("receiver").post(url, json={"code": "SKU-1", "quantity": 6}, key="scan-1")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    document = api.as_("receiver").get(f"{BASE}/inbound-documents/by-number/PO-API-1").get_json()
    assert (document["lines"][0]["received"], document["lines"][0]["remaining"]) == (6, 4)


def test_r4_packaging_state_is_validated(api):
    create_po(api)
    receipt = start(api, "PO-API-1")
    response = api.as_("receiver").post(f"{BASE}/receipts/{receipt['id']}/lines",
                                        json={"code": "SKU-1", "quantity": 1, "packaging": "wet"})
    assert response.status_code == 422


def test_r3_submit_without_signature_is_refused(api):
    create_po(api)
    receipt = start(api, "PO-API-1")
    api.as_("receiver").post(f"{BASE}/receipts/{receipt['id']}/lines", json={"code": "SKU-1", "quantity": 2})
    response = api.as_("receiver").post(f"{BASE}/receipts/{receipt['id']}/submit",
                                        json=HANDOVER | {"deliverer_signature": "aGVsbG8="})
    assert (response.status_code, response.get_json()["code"]) == (422, "handover_incomplete")


def test_import_over_http(api):
    response = api.as_("clerk").post(
        f"{BASE}/inbound-documents/import", key="import-1",
        data={"file": (io.BytesIO(csv_bytes(GOOD)), "erp.csv")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["lines"] == 3
    bad = api.as_("clerk").post(
        f"{BASE}/inbound-documents/import", data={"file": (io.BytesIO(csv_bytes(GOOD)), "erp.csv")},
        content_type="multipart/form-data")
    assert (bad.status_code, bad.get_json()["code"]) == (422, "import_rejected")
    assert {e["row"] for e in bad.get_json()["errors"]["rows"]} == {2, 5}
    listed = api.as_("clerk").get(f"{BASE}/inbound-documents?status=open").get_json()
    assert len(listed) == 2


def test_r6_customer_return_over_http(api):
    create_po(api, "RMA-API-1", kind="customer_return", supplier=None, customer="CUS-1",
              lines=[{"item": "SKU-2", "quantity": 2}])
    receipt = start(api, "RMA-API-1")
    line = api.as_("receiver").post(f"{BASE}/receipts/{receipt['id']}/lines",
                                    json={"code": "INT-2", "quantity": 2}).get_json()
    api.as_("receiver").post(f"{BASE}/receipts/{receipt['id']}/submit", json=HANDOVER)
    classified = api.as_("receiver").post(f"{BASE}/receipt-lines/{line['id']}/return-classification",
                                          json={"resellable": 1, "missing_parts": 1})
    assert classified.status_code == 200, classified.get_json()
    assert (classified.get_json()["accepted_quantity"], classified.get_json()["rejected_quantity"]) == (1, 1)
    posted = api.as_("clerk").post(f"{BASE}/receipts/{receipt['id']}/post")
    assert posted.get_json()["status"] == "posted"


def test_r8_posting_a_draft_names_the_state_it_needs_in_the_default_chinese(api):
    create_po(api)
    receipt = start(api, "PO-API-1")
    response = api.as_("clerk").post(f"{BASE}/receipts/{receipt['id']}/post")
    body = response.get_json()
    assert (response.status_code, body["code"], body["errors"]["expected"]) == (409, "receipt_wrong_state",
                                                                                 ["submitted"])
    assert body["message"] == f"收货单 {receipt['number']} 当前状态为 draft，此操作需要状态为 submitted。"
