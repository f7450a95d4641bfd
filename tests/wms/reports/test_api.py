"""Rule L2: GET /api/v1/reports/day, its drill-down and its export."""

from __future__ import annotations

import io

import pytest

from tests.wms.reports.conftest import CUSTOMER_NAME, PHONE, RECIPIENT_NAME, craft_day

URL = "/api/v1/reports/day"


@pytest.fixture
def crafted_api(app, world, api):
    with app.app_context():
        crafted = craft_day(world)
    return crafted


def _check_l2_report_json(crafted_api, api):
    day = crafted_api.day.isoformat()
    response = api.as_("clerk").get(f"{URL}?warehouse=WH1&date={day}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"warehouse", "date", "closed", "generated_at", "stock", "totals", "movements_by_hour",
                         "documents", "uncleared", "inspections", "holds", "count_differences", "reconciliation"}
    assert body["warehouse"] == {"code": "WH1", "name": "杭州一号仓", "time_zone": "Asia/Shanghai"}
    assert body["date"] == day and body["closed"] is None
    sku1 = next(s for s in body["stock"] if s["item_sku"] == "SKU-1" and s["owner_code"] == "OWN")
    assert {k: sku1[k] for k in ("opening", "in", "out", "closing")} == {"opening": 0, "in": 20, "out": 6,
                                                                         "closing": 14}
    assert set(body["totals"]) == {"opening", "in", "out", "closing"}
    assert len(body["movements_by_hour"]) == 24 and set(body["movements_by_hour"][0]) == {"hour", "in", "out"}
    assert {"type": "sales_order", "count": 3} in body["documents"]
    assert {u["number"] for u in body["uncleared"]} >= {"SO-OPEN", "SO-DRAFT"}
    assert set(body["uncleared"][0]) == {"type", "number", "day", "age_days", "waiting_for_code"}
    inspections = body["inspections"]
    assert (inspections["lots"], inspections["accepted"], inspections["rejected"]) == (3, 1, 2)
    assert inspections["switching"][0]["to_level"] == "tightened"
    assert len(body["holds"]["issued"]) == 2 and len(body["holds"]["released"]) == 1
    count = body["count_differences"][0]
    assert {k: count[k] for k in ("book", "in_totes", "bin_card", "counted", "difference", "status")} == {
        "book": 16, "in_totes": 1, "bin_card": 17, "counted": 14, "difference": -1, "status": "counted"}
    assert [d["reference"] for d in body["reconciliation"]] == ["SF1001", "SO-PAY", "SF1002"]
    assert set(body["reconciliation"][0]) == {"id", "kind", "type", "courier", "reference", "order_number",
                                              "amount", "status", "age_days"}
    assert body["reconciliation"][0]["amount"] == "3.50"
    text = response.get_data(as_text=True)
    for secret in (CUSTOMER_NAME, RECIPIENT_NAME, PHONE):
        assert secret not in text


def _check_l2_warehouse_is_optional_with_one_warehouse_and_date_defaults_to_today(crafted_api, api):
    body = api.as_("supervisor").get(URL).get_json()
    assert body["date"] == crafted_api.day.isoformat() and body["stock"]


def test_l2_report_refusals(world, api):
    assert api.as_("picker").get(URL).status_code == 403
    unknown = api.as_("clerk").get(f"{URL}?warehouse=NOPE")
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "not_found"
    bad_date = api.as_("clerk").get(f"{URL}?date=2026-13-40")
    assert bad_date.status_code == 422 and bad_date.get_json()["code"] == "validation_failed"


def _check_l2_drill_down_totals_equal_the_figure(crafted_api, api):
    day = crafted_api.day.isoformat()
    caller = api.as_("clerk")
    stock = caller.get(f"{URL}?date={day}").get_json()["stock"]
    for line in stock:
        for direction in ("in", "out"):
            body = caller.get(f"{URL}/entries?date={day}&item={line['item_sku']}&owner={line['owner_code']}"
                              f"&direction={direction}&limit=500").get_json()
            assert body["quantity"] == line[direction]
            assert body["total"] == len(body["entries"])
    out = caller.get(f"{URL}/entries?date={day}&item=SKU-1&owner=OWN&direction=out").get_json()
    assert out["quantity"] == 6 and [e["kind"] for e in out["entries"]] == ["ship", "adjustment"]
    entry = out["entries"][0]
    assert set(entry) == {"id", "created_at", "business_day", "kind", "movement_id", "item_sku", "owner_code",
                          "location", "lot", "quantity", "document_type", "document_id", "user"}
    assert entry["quantity"] == -5 and entry["document_type"] == "sales_order"
    refused = caller.get(f"{URL}/entries?direction=up")
    assert refused.status_code == 422
    assert caller.get(f"{URL}/entries?item=NOPE").status_code == 404


def _check_l2_export_endpoint_each_format(crafted_api, api):
    from openpyxl import load_workbook

    caller = api.as_("clerk")
    pdf = caller.get(f"{URL}/export?format=pdf&lang=en&section=documents")
    assert pdf.status_code == 200 and pdf.content_type == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    xlsx = caller.get(f"{URL}/export?format=xlsx")
    assert xlsx.status_code == 200 and "库存" in load_workbook(io.BytesIO(xlsx.data)).sheetnames
    csv = caller.get(f"{URL}/export?format=csv&section=uncleared")
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbf")
    assert "SO-OPEN" in csv.data.decode("utf-8-sig")
    assert caller.get(f"{URL}/export?format=docx").status_code == 422
    assert api.as_("picker").get(f"{URL}/export?format=csv").status_code == 403


def test_l2_report_its_drill_down_and_its_files_over_the_api(crafted_api, api):
    """One crafted day (building it is the slow part), every endpoint checked on it."""
    _check_l2_report_json(crafted_api, api)
    _check_l2_warehouse_is_optional_with_one_warehouse_and_date_defaults_to_today(crafted_api, api)
    _check_l2_drill_down_totals_equal_the_figure(crafted_api, api)
    _check_l2_export_endpoint_each_format(crafted_api, api)
