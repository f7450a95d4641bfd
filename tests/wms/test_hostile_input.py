"""Hostile input gets a typed 4xx in the one error format and changes nothing.

Deep JSON, NUL and control characters, integers beyond any column, strings beyond
their column, oversized bodies and lists, unknown paths and methods: each is answered
with a stable code before or instead of reaching the database, on SQLite and
PostgreSQL alike, and the ledger is unchanged afterwards (L1).
"""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from tests.factories import GTIN_1, stock_in


@pytest.fixture
def stocked(app, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01", lot="L-HOSTILE")
    return world


def _ledger_size(api) -> int:
    check = api.as_("clerk").get("/api/v1/ledger/verify").get_json()
    assert check["ok"] is True, check
    return check["entries"]


def _error(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert (body["code"], body["status"]) == (code, status), body
    return body


def _scan(**changes) -> dict:
    return {"item": GTIN_1, "from_location": "A-01-01", "to_location": "A-01-02", "quantity": 1, **changes}


def test_json_nested_thousands_deep_is_refused_on_every_endpoint(api, stocked):
    before = _ledger_size(api)
    deep = "[" * 5000 + "]" * 5000
    nested_object = '{"a":' * 3000 + "1" + "}" * 3000
    for path in ("/api/v1/stock/moves", "/api/v1/items", "/api/v1/auth/token", "/api/v1/ledger/movements/x/reversal"):
        for body in (deep, nested_object):
            answer = api.as_("admin").post(path, data=body, content_type="application/json")
            assert answer.status_code in (400, 422), (path, answer.get_json())
            assert answer.get_json()["code"] in ("request_too_complex", "bad_request"), answer.get_json()
    nested = 1
    for _ in range(40):
        nested = [nested]
    moderately = json.dumps({**_scan(), "x": nested})
    _error(api.as_("picker").post("/api/v1/stock/moves", data=moderately, content_type="application/json"),
           400, "request_too_complex")
    assert _ledger_size(api) == before


def test_a_nul_in_the_body_query_or_path_is_refused_alike_on_both_databases(api, stocked):
    before = _ledger_size(api)
    picker = api.as_("picker")
    _error(picker.post("/api/v1/stock/moves", json=_scan(item=GTIN_1 + "\x00")), 422, "invalid_text")
    _error(picker.post("/api/v1/stock/moves", json=_scan(lot="L-HOSTILE\x00")), 422, "invalid_text")
    _error(api.as_("admin").post("/api/v1/items", json={"sku": "NUL\x00SKU", "name": "x"}), 422, "invalid_text")
    _error(api.as_("admin").post("/api/v1/items", json={"sku": "OK-SKU", "name": "x", "\x00": 1}), 422,
           "invalid_text")
    _error(picker.get("/api/v1/stock?item=SKU%00-1"), 422, "invalid_text")
    _error(picker.get("/api/v1/items/by-code/SKU%00-1"), 422, "invalid_text")
    _error(picker.get("/api/v1/stock?x%00y=1"), 422, "invalid_text")
    assert _ledger_size(api) == before
    assert api.as_("admin").get("/api/v1/items?page_size=100").get_json()[-1]["sku"] != "NUL\x00SKU"


@pytest.mark.parametrize("bad", ["\x01", "\x1b[2J", "\x7f", "\x85", "\x9b", "\u2028"])
def test_control_characters_in_scanned_codes_lot_codes_and_document_numbers_are_refused(api, stocked, bad):
    before = _ledger_size(api)
    picker = api.as_("picker")
    _error(picker.post("/api/v1/stock/moves", json=_scan(item=GTIN_1 + bad)), 422, "validation_failed")
    _error(picker.post("/api/v1/stock/moves", json=_scan(lot="L" + bad)), 422, "validation_failed")
    _error(picker.post("/api/v1/stock/moves", json=_scan(to_location="A-01" + bad)), 422, "validation_failed")
    clerk = api.as_("clerk")
    _error(clerk.post("/api/v1/inbound-documents", json={
        "number": "PO" + bad, "kind": "purchase_order", "supplier_id": stocked.supplier_id,
        "lines": [{"item": "SKU-1", "quantity": 1}]}), 422, "validation_failed")
    assert _ledger_size(api) == before


def test_a_gs1_group_separator_stays_allowed_in_a_scanned_code():
    from wms.api.receiving.schemas import ReceiveScanSchema

    # FNC1 arrives as GS (0x1D) from a scanner reading a GS1-128 or DataMatrix label.
    gs1 = "01" + GTIN_1.zfill(14) + "\x1d10L1"
    assert ReceiveScanSchema().load({"code": gs1, "quantity": 1})["code"] == gs1
    with pytest.raises(ValidationError):
        ReceiveScanSchema().load({"code": gs1 + "\x1b", "quantity": 1})


@pytest.mark.parametrize("path", [
    "/api/v1/items/2147483648", "/api/v1/items/99999999999999999999999", "/api/v1/receipts/9223372036854775808",
    "/api/v1/inbound-documents/100000000001", "/api/v1/tasks/4294967296/confirm",
])
def test_ids_beyond_any_column_are_404_not_500(api, stocked, path):
    method = "post" if path.endswith("confirm") else "get"
    answer = getattr(api.as_("admin"), method)(path, **({"json": {}} if method == "post" else {}))
    _error(answer, 404, "not_found")


def test_integers_out_of_range_in_queries_bodies_and_pagination_are_refused(api, stocked):
    before = _ledger_size(api)
    admin = api.as_("admin")
    _error(admin.get("/api/v1/stock?item_id=2147483648"), 422, "validation_failed")
    _error(admin.get("/api/v1/lots?item_id=-2147483649"), 422, "validation_failed")
    _error(admin.get("/api/v1/ledger?owner_id=99999999999999999999"), 422, "validation_failed")
    far = admin.get("/api/v1/suppliers?page=862504432324552960&page_size=59")
    assert far.status_code == 200 and far.get_json() == []
    _error(admin.patch(f"/api/v1/locations/{stocked.locations['B-01-01']}", json={"path_order": -94997998629}),
           422, "validation_failed")
    _error(admin.post("/api/v1/stock/moves", json=_scan(quantity=2**31)), 422, "validation_failed")
    assert _ledger_size(api) == before


def test_repeated_adjustments_never_overflow_a_quantity(api, stocked):
    supervisor = api.as_("supervisor")
    row = supervisor.get("/api/v1/stock?location=A-01-01&lot=L-HOSTILE").get_json()[0]
    adjustment = {k: row[k] for k in ("item_id", "lot_id", "location_id", "owner_id")}
    adjustment.update(quantity_change=10**9, reason="found")
    assert supervisor.post("/api/v1/stock/adjustments", json=adjustment).status_code == 201
    assert supervisor.post("/api/v1/stock/adjustments", json=adjustment).status_code == 201
    before = _ledger_size(api)
    # A third would take on-hand past 2**31 - 1: refused whole, nothing written.
    _error(supervisor.post("/api/v1/stock/adjustments", json=adjustment), 422, "value_out_of_range")
    assert _ledger_size(api) == before
    after = supervisor.get("/api/v1/stock?location=A-01-01&lot=L-HOSTILE").get_json()[0]
    assert after["quantity"] == 10 + 2 * 10**9


def test_strings_longer_than_their_column_are_refused_alike_on_both_databases(api, stocked):
    admin = api.as_("admin")
    _error(admin.post("/api/v1/items", json={"sku": "S" * 65, "name": "x"}), 422, "validation_failed")
    _error(admin.post("/api/v1/items", json={"sku": "LONG-NAME", "name": "名" * 201}), 422, "validation_failed")
    _error(admin.post("/api/v1/suppliers", json={"code": "SUP-LONG", "name": "x" * 201}), 422, "validation_failed")
    assert admin.get("/api/v1/items/by-code/LONG-NAME").status_code == 404


def test_a_body_over_the_limit_is_413_and_long_lists_are_refused(api, stocked, app):
    picker = api.as_("picker")
    path = "/api/v1/shipping/orders/X/verify-scans/batch"
    huge = json.dumps({"scans": [{"item": "6901234567892"}] * 400_000})
    assert len(huge) > app.config["MAX_CONTENT_LENGTH"]
    _error(picker.post(path, data=huge, content_type="application/json"), 413, "payload_too_large")
    _error(picker.post(path, json={"scans": [{"item": "6901234567892"}] * 20_001}), 422, "validation_failed")
    # A list without a bound of its own is bounded too (wms.api.guards.LIST_MAX).
    barcodes = [{"code": f"B{i}"} for i in range(1001)]
    _error(api.as_("admin").post("/api/v1/items", json={"sku": "MANY", "name": "x", "barcodes": barcodes}),
           422, "validation_failed")


def test_unknown_api_paths_are_404_and_unsupported_methods_405_before_login(client):
    _error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    _error(client.get("/api/nothing"), 404, "not_found")
    _error(client.put("/api/v1/stock/moves", json={}), 405, "method_not_allowed")
    _error(client.delete("/api/v1/health"), 405, "method_not_allowed")
    _error(client.get("/api/v1/stock"), 401, "authentication_required")


def test_every_text_a_request_writes_has_a_length_bound(app):
    """A string longer than its column fails on PostgreSQL and is kept on SQLite: the schema
    refuses it first, alike on both (query filters only compare and need no bound)."""
    from marshmallow import Schema, fields, validate

    unbounded = []

    def walk(schema: Schema, where: str) -> None:
        for name, field in schema.fields.items():
            if field.dump_only:
                continue
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Nested) and isinstance(inner.schema, Schema):
                walk(inner.schema, f"{where}.{name}")
            elif isinstance(inner, fields.String) and not any(
                    isinstance(v, validate.Length | validate.OneOf) for v in inner.validators):
                unbounded.append(f"{where}.{name}")

    for rule in app.url_map.iter_rules():
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        for method in ("post", "put", "patch"):
            handler = getattr(view_class, method, None)
            for argument in getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", []):
                if isinstance(argument.get("schema"), Schema) and argument.get("location") in (None, "json"):
                    walk(argument["schema"], f"{rule.endpoint} {method}")
    # The station's protocol and language are checked against the devices registry first.
    assert sorted(unbounded) == sorted(f"devices.{view} {m}.{f}" for view, m in (("Stations", "post"),
                                       ("Station", "patch")) for f in ("scale_protocol", "printer_language"))
