"""Master data through the API: validation, typed errors, pagination, scan lookup."""

from __future__ import annotations

import json

from tests.factories import GTIN_1
from wms.domain.barcodes import is_valid_gtin, with_check_digit


def test_gtin_check_digits():
    assert is_valid_gtin(GTIN_1)
    assert is_valid_gtin("4006381333931")
    assert not is_valid_gtin("4006381333932")
    assert not is_valid_gtin("40063813339")
    assert with_check_digit("400638133393") == "4006381333931"


def test_create_item_with_barcodes_and_find_it_by_scan(api, world):
    admin = api.as_("admin")
    gtin = with_check_digit("690000000001")
    created = admin.post("/api/v1/items", json={
        "sku": "NEW-1", "name": "新品", "barcodes": [{"code": gtin, "kind": "gtin"}]})
    assert created.status_code == 201, created.get_json()
    found = api.as_("picker").get(f"/api/v1/items/by-code/{gtin}")
    assert found.status_code == 200 and found.get_json()["sku"] == "NEW-1"
    assert api.as_("picker").get("/api/v1/items/by-code/NEW-1").get_json()["id"] == created.get_json()["id"]
    missing = api.as_("picker").get("/api/v1/items/by-code/000")
    assert missing.status_code == 404 and missing.get_json()["code"] == "unknown_barcode"


def test_bad_gtin_is_refused_and_nothing_is_created(api, world):
    admin = api.as_("admin")
    response = admin.post("/api/v1/items", json={
        "sku": "BAD-1", "name": "x", "barcodes": [{"code": "6901234567890", "kind": "gtin"}]})
    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_input"
    assert admin.get("/api/v1/items?q=BAD-1").get_json() == []


def test_duplicate_codes_are_refused_with_409(api, world):
    admin = api.as_("admin")
    dup_sku = admin.post("/api/v1/items", json={"sku": "SKU-1", "name": "x"})
    assert dup_sku.status_code == 409 and dup_sku.get_json()["code"] == "already_exists"
    dup_barcode = admin.post("/api/v1/items", json={
        "sku": "NEW-2", "name": "x", "barcodes": [{"code": GTIN_1, "kind": "gtin"}]})
    assert dup_barcode.status_code == 409


def test_schema_violations_use_the_one_error_format(api, world):
    response = api.as_("admin").post("/api/v1/locations", json={"code": "", "type": "attic"})
    body = response.get_json()
    assert response.status_code == 422
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["code"] == "validation_failed"
    assert {"code", "type", "name", "warehouse_id"} <= set(body["errors"]["json"])


def test_location_needs_an_existing_warehouse(api, world):
    response = api.as_("admin").post("/api/v1/locations", json={
        "warehouse_id": 999, "code": "Z-1", "name": "z", "type": "storage"})
    assert response.status_code == 404


def test_lists_are_paged_with_x_pagination(api, world):
    response = api.as_("picker").get("/api/v1/locations?page=2&page_size=4")
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 11 and pagination["page"] == 2
    assert len(response.get_json()) == 4
    storage = api.as_("picker").get("/api/v1/locations?type=storage").get_json()
    assert {loc["code"] for loc in storage} == {"A-01-01", "A-01-02", "B-01-01"}


def test_patch_changes_only_given_fields(api, world):
    admin = api.as_("admin")
    item_id = world.items["SKU-2"]
    changed = admin.patch(f"/api/v1/items/{item_id}", json={"name": "帆布袋 大号"})
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["name"] == "帆布袋 大号" and body["sku"] == "SKU-2" and len(body["barcodes"]) == 2
    fefo = admin.patch(f"/api/v1/items/{item_id}", json={"fefo": True})
    assert fefo.status_code == 422


def test_users_are_created_and_listed_by_admin(api, world):
    admin = api.as_("admin")
    created = admin.post("/api/v1/users", json={"username": "li.lei", "password": "secret-123",
                                               "role": "picker", "display_name": "李雷"})
    assert created.status_code == 201 and "password" not in created.get_json()
    short = admin.post("/api/v1/users", json={"username": "x", "password": "short", "role": "picker"})
    assert short.status_code == 422
    names = [u["username"] for u in admin.get("/api/v1/users?page_size=50").get_json()]
    assert "li.lei" in names
    login = api.client.post("/api/v1/auth/token", json={"username": "li.lei", "password": "secret-123"})
    assert login.status_code == 201


def _verify(api) -> dict:
    return api.as_("clerk").get("/api/v1/ledger/verify").get_json()


def test_l1_a_used_locations_type_and_warehouse_cannot_change(api, world, app):
    """A bin that turned virtual would drop its stock from the books while on-hand stays (L1)."""
    from tests.factories import stock_in

    with app.app_context():
        stock_in(world, "SKU-1", 3, "A-01-01")
    admin = api.as_("admin")
    bin_id = world.locations["A-01-01"]
    for change in ({"type": "supplier"}, {"type": "customer"}, {"type": "quarantine"},
                   {"type": "consignment"}, {"warehouse_id": _another_warehouse(admin)}):
        refused = admin.patch(f"/api/v1/locations/{bin_id}", json=change)
        assert refused.status_code == 409, (change, refused.get_json())
        assert refused.get_json()["code"] == "record_in_use"
        assert admin.get(f"/api/v1/locations/{bin_id}").get_json()["type"] == "storage"
    # The supplier the stock came from was used too: it cannot become a bin.
    refused = admin.patch(f"/api/v1/locations/{world.locations['SUP']}", json={"type": "storage"})
    assert refused.status_code == 409
    assert _verify(api)["ok"] is True
    # What does not change the meaning of the entries still changes; an unused bin may change type.
    renamed = admin.patch(f"/api/v1/locations/{bin_id}", json={"name": "A-01-01 上层", "type": "storage"})
    assert renamed.status_code == 200
    assert admin.patch(f"/api/v1/locations/{world.locations['B-01-01']}",
                       json={"type": "quarantine"}).status_code == 200


def test_r7_a_used_owners_kind_cannot_change(api, world, app):
    from tests.factories import stock_in

    with app.app_context():
        stock_in(world, "SKU-1", 2, "A-01-01")
    admin = api.as_("admin")
    refused = admin.patch(f"/api/v1/owners/{world.owners['OWN']}", json={"kind": "consignor"})
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "record_in_use"
    assert admin.patch(f"/api/v1/owners/{world.owners['CSG-01']}", json={"kind": "own"}).status_code == 200


def _another_warehouse(admin) -> int:
    created = admin.post("/api/v1/warehouses", json={"code": "WH2", "name": "二号仓"})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]
