"""What a packing station reads from the service: the verify's per-line counts (S2 step 2),
the holds in force with their reasons (S4), a supervisor's weight override, packaging
names in both languages, and the ship step's two handovers (in person, onto a manifest).
"""

from __future__ import annotations

from tests.factories import stock_in

BASE = "/api/v1/shipping"
SIGNED = {"weight": "1.2", "weight_unit": "kg", "weight_source": "scale", "shipper_signature": "王"}


def _counted(api, app, world, number="SO-1", lines=(("SKU-1", 2), ("SKU-2", 1))):
    with app.app_context():
        for sku, _quantity in lines:
            stock_in(world, sku, 10, "A-01-01")
    made = api.as_("clerk").post(f"{BASE}/orders", json={
        "number": number, "recipient_name": "张三丰", "recipient_phone": "13800138000",
        "recipient_address": "浙江省杭州市西湖区文三路1号", "customer_code": "CUS-1",
        "lines": [{"item": sku, "quantity": quantity} for sku, quantity in lines]})
    assert made.status_code == 201, made.get_json()
    assert api.as_("supervisor").post(f"{BASE}/orders/{number}/approve").status_code == 200
    assert api.as_("supervisor").post(f"{BASE}/orders/{number}/allocate").get_json()["fully_allocated"]
    for task in api.as_("picker").get(f"{BASE}/orders/{number}/pick-list").get_json():
        counted = api.as_("picker").post(f"{BASE}/tasks/{task['task_id']}/count", json={
            "location": task["location"], "item": task["sku"], "lot": task["lot"], "counted_quantity": 10})
        assert counted.status_code == 200, counted.get_json()
    return number


def _verified(api, app, world, number="SO-1"):
    _counted(api, app, world, number, (("SKU-1", 1),))
    scanned = api.as_("shipper").post(f"{BASE}/orders/{number}/verify-scans", json={"item": "SKU-1"})
    assert scanned.get_json()["complete"], scanned.get_json()
    return number


def _per_line(answer: dict) -> dict:
    return {line["sku"]: (line["quantity"], line["scanned"], line["missing"]) for line in answer["lines"]}


# --- S2 step 2: the verify's counts per line ---------------------------------------------------


def test_s2_the_verify_answers_scanned_and_missing_units_per_line_and_a_reload_reads_them_again(
        api, app, world):
    number = _counted(api, app, world)
    shipper = api.as_("shipper")
    before = shipper.get(f"{BASE}/orders/{number}/verify-scans")
    assert before.status_code == 200, before.get_json()
    assert (before.get_json()["remaining"], before.get_json()["complete"]) == (3, False)
    assert _per_line(before.get_json()) == {"SKU-1": (2, 0, 2), "SKU-2": (1, 0, 1)}

    answer = shipper.post(f"{BASE}/orders/{number}/verify-scans", json={"item": "SKU-1"}).get_json()
    assert (answer["remaining"], answer["complete"]) == (2, False)
    assert _per_line(answer) == {"SKU-1": (2, 1, 1), "SKU-2": (1, 0, 1)}
    assert {line["item_name"] for line in answer["lines"]} == {"保温杯 500ml", "帆布袋"}
    reloaded = shipper.get(f"{BASE}/orders/{number}/verify-scans").get_json()  # the station reloads
    assert (reloaded["remaining"], _per_line(reloaded)) == (2, _per_line(answer))

    shipper.post(f"{BASE}/orders/{number}/verify-scans", json={"item": "SKU-1"})
    done = shipper.post(f"{BASE}/orders/{number}/verify-scans", json={"item": "SKU-2"}).get_json()
    assert (done["complete"], done["stage"], _per_line(done)) == (
        True, "verified", {"SKU-1": (2, 2, 0), "SKU-2": (1, 1, 0)})
    after = shipper.get(f"{BASE}/orders/{number}/verify-scans").get_json()
    assert (after["complete"], after["remaining"]) == (True, 0)


def test_s2_reading_the_verify_changes_nothing_and_needs_a_packers_role(api, app, world):
    number = _counted(api, app, world)
    assert api.as_("clerk").get(f"{BASE}/orders/{number}/verify-scans").status_code == 403
    assert api.as_("shipper").get(f"{BASE}/orders/SO-NONE/verify-scans").get_json()["code"] == "order_not_found"
    assert api.as_("supervisor").get(f"{BASE}/orders/{number}").get_json()["stage"] == "counted"


# --- S4: the holds the station is stopped by, with their reasons ----------------------------------


def test_s4_validity_names_the_holds_in_force_with_their_reasons(api, app, world):
    number = _verified(api, app, world)
    shipper = api.as_("shipper")
    assert shipper.get(f"{BASE}/orders/{number}/validity").get_json()["holds"] == []
    order_hold = api.as_("supervisor").post(f"{BASE}/holds", json={
        "scope": "order", "order_number": number, "reason": "客户来电暂停发货"}).get_json()
    item_hold = api.as_("supervisor").post(f"{BASE}/holds", json={
        "scope": "item", "item": "SKU-1", "reason": "批次待质检"}).get_json()
    answer = shipper.get(f"{BASE}/orders/{number}/validity").get_json()
    assert (answer["valid"], answer["code"]) == (False, "order_on_hold")
    assert [(h["number"], h["scope"], h["reason"]) for h in answer["holds"]] == [
        (order_hold["number"], "order", "客户来电暂停发货"), (item_hold["number"], "item", "批次待质检")]
    assert sorted(answer["details"]["holds"]) == sorted([order_hold["number"], item_hold["number"]])


# --- the weight override, told to the station ----------------------------------------------------


def test_the_station_is_told_of_a_supervisors_weight_override_until_a_ship_uses_it(api, app, world):
    number = _verified(api, app, world)
    shipper = api.as_("shipper")
    assert shipper.get(f"{BASE}/orders/{number}/validity").get_json()["weight_override"] is None
    api.as_("supervisor").post(f"{BASE}/orders/{number}/weight-override", json={"reason": "礼盒包装，比内容重"})
    answer = shipper.get(f"{BASE}/orders/{number}/validity").get_json()
    override = answer["weight_override"]
    assert answer["valid"] is True
    assert (override["reason"], override["approved_by"], override["order_number"]) == (
        "礼盒包装，比内容重", "supervisor", number)
    assert override["approved_by_name"]
    shipped = shipper.post(f"{BASE}/orders/{number}/ship", json={
        **SIGNED, "carrier": "SF", "tracking_number": "SF0000000000101", "carrier_signature": "李"})
    assert shipped.status_code == 200, shipped.get_json()
    assert shipper.get(f"{BASE}/orders/{number}/validity").get_json()["weight_override"] is None


# --- packaging types in both languages ----------------------------------------------------------


def test_packaging_types_are_named_in_chinese_and_english(api, app, world):
    from wms.extensions import db
    from wms.models import PackagingType
    from wms.services.uow import transaction

    with app.app_context(), transaction():
        db.session.add_all([PackagingType(code="BOX-1", name="1号纸箱", name_en="Carton no. 1", tare_grams=120),
                            PackagingType(code="BAG-X", name="无英文名袋", tare_grams=10)])
    listed = api.as_("shipper").get(f"{BASE}/packaging-types").get_json()
    assert [(p["code"], p["name"], p["name_en"]) for p in listed] == [
        ("BAG-X", "无英文名袋", None), ("BOX-1", "1号纸箱", "Carton no. 1")]


def test_the_demo_packaging_presets_have_english_names():
    from wms.demo.parcels import PACKAGING_PRESETS

    assert all(name and name_en and name != name_en for _, name, name_en, _ in PACKAGING_PRESETS)


# --- S2 step 3: in person, or onto the courier's manifest ----------------------------------------


def test_s2_a_parcel_for_the_couriers_manifest_ships_without_the_couriers_signature(api, app, world):
    number = _verified(api, app, world)
    shipper = api.as_("shipper")
    shipped = shipper.post(f"{BASE}/orders/{number}/ship", json={
        **SIGNED, "carrier": "SF", "tracking_number": "SF0000000000102", "handover": "manifest"})
    assert shipped.status_code == 200, shipped.get_json()
    handover = api.as_("supervisor").get(f"{BASE}/orders/{number}").get_json()["handover"]
    assert (handover["handover_mode"], handover["tracking_number"]) == ("manifest", "SF0000000000102")
    # the driver signs for it on the pickup's manifest
    manifest = shipper.post(f"{BASE}/manifests", json={"courier": "SF"}).get_json()["number"]
    added = shipper.post(f"{BASE}/manifests/{manifest}/parcels", json={"tracking_number": "SF0000000000102"})
    assert added.status_code == 200 and added.get_json()["parcel_count"] == 1, added.get_json()


def test_s2_a_parcel_handed_over_in_person_still_needs_the_couriers_signature(api, app, world):
    number = _verified(api, app, world)
    shipper = api.as_("shipper")
    for body in ({"handover": "in_person"}, {}, {"handover": "in_person", "carrier_signature": "  "}):
        refused = shipper.post(f"{BASE}/orders/{number}/ship", json={
            **SIGNED, "carrier": "SF", "tracking_number": "SF0000000000103", **body})
        assert (refused.status_code, refused.get_json()["code"]) == (422, "invalid_input"), refused.get_json()
        assert refused.get_json()["errors"] == {"field": "carrier_signature"}, refused.get_json()
    bad = shipper.post(f"{BASE}/orders/{number}/ship", json={
        **SIGNED, "carrier": "SF", "tracking_number": "SF0000000000103", "handover": "by_drone",
        "carrier_signature": "李"})
    assert (bad.status_code, bad.get_json()["code"]) == (422, "validation_failed"), bad.get_json()
    assert "handover" in bad.get_json()["errors"]["json"]
    assert api.as_("supervisor").get(f"{BASE}/orders/{number}").get_json()["stage"] == "verified"

    # the call as it always was: the courier's signature, no handover named
    shipped = shipper.post(f"{BASE}/orders/{number}/ship", json={
        **SIGNED, "carrier": "SF", "tracking_number": "SF0000000000103", "carrier_signature": "顺丰李"})
    assert shipped.status_code == 200, shipped.get_json()
    handover = api.as_("supervisor").get(f"{BASE}/orders/{number}").get_json()["handover"]
    assert handover["handover_mode"] == "in_person"


def test_s2_signatures_needed_by_handover_mode():
    from wms.domain.shipping import HandoverMode, required_signatures

    assert required_signatures(HandoverMode.IN_PERSON) == ("shipper_signature", "carrier_signature")
    assert required_signatures("manifest") == ("shipper_signature",)
