"""Scenario: a shop's order from import to the ledger, through the HTTP API only.

The warehouse has one item in three lots across two bins (set up by the factories,
as receiving would leave it). Then, as the people in the warehouse would do it on
their handhelds: the clerk imports the shop's export, the supervisor approves and
allocates (FIFO, S1), the picker walks the pick list and counts each bin (S2 step 1),
the shipper scans every unit against the document (step 2), a hold stops the parcel
at the door until a confirmed release lifts it (S4), the shipper hands it over with
both signatures and the ledger is reduced in the same transaction (steps 3 and 4).
The end-of-day list no longer shows the order (S7) and the ledger verifies.
"""

from __future__ import annotations

import io

from tests.factories import GTIN_1, hours_ago, stock_in

BASE = "/api/v1/shipping"

SHOP_EXPORT = (
    "订单号,收件人,电话,地址,商品编码,数量,客户编码\n"
    "TB20260001,张三丰,13800138000,浙江省杭州市西湖区文三路1号,SKU-1,7,CUS-1\n"
    "TB20260001,张三丰,13800138000,浙江省杭州市西湖区文三路1号,SKU-2,1,CUS-1\n"
)


def test_shipping_scenario_from_import_to_ledger(api, app, world):
    with app.app_context():
        stock_in(world, "SKU-1", 4, "B-01-01", lot="L-OLDEST", received_at=hours_ago(96))
        stock_in(world, "SKU-1", 2, "A-01-02", lot="L-MIDDLE", received_at=hours_ago(48))
        stock_in(world, "SKU-1", 9, "A-01-01", lot="L-NEWEST", received_at=hours_ago(2))
        stock_in(world, "SKU-2", 3, "A-01-02", lot="L-BAG")
    clerk, supervisor, picker, shipper = (api.as_(r) for r in ("clerk", "supervisor", "picker", "shipper"))

    # The clerk imports the shop's export: one order with two lines.
    imported = api.client.post(
        f"{BASE}/orders/import", data={"file": (io.BytesIO(SHOP_EXPORT.encode()), "taobao.csv")},
        headers={"Authorization": f"Bearer {api.token('clerk')}", "Idempotency-Key": "import-1"},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 201, imported.get_json()
    number = imported.get_json()["created"][0]
    assert clerk.get(f"{BASE}/orders/{number}/validity").get_json()["code"] == "order_not_approved"

    # The supervisor approves and allocates: oldest receipt first, across both bins (S1).
    assert supervisor.post(f"{BASE}/orders/{number}/approve", key="approve-1").status_code == 200
    report = supervisor.post(f"{BASE}/orders/{number}/allocate", key="alloc-1").get_json()
    assert report["fully_allocated"] and report["shortage"] == 0
    wave = supervisor.post(f"{BASE}/waves", json={"orders": [number], "picker": "picker"}, key="wave-1").get_json()

    # The picker walks the bins in path order: bin, item, lot, quantity on each task.
    tasks = picker.get(f"{BASE}/waves/{wave['number']}/pick-list").get_json()
    assert [(t["location"], t["sku"], t["lot"], t["quantity"]) for t in tasks] == [
        ("A-01-01", "SKU-1", "L-NEWEST", 1),
        ("A-01-02", "SKU-1", "L-MIDDLE", 2),
        ("A-01-02", "SKU-2", "L-BAG", 1),
        ("B-01-01", "SKU-1", "L-OLDEST", 4),
    ]
    book = {"L-NEWEST": 9, "L-MIDDLE": 2, "L-BAG": 3, "L-OLDEST": 4}
    for n, task in enumerate(tasks):
        wrong_bin = picker.post(f"{BASE}/tasks/{task['task_id']}/count", json={
            "location": "QA-01", "item": task["barcode"] or task["sku"], "counted_quantity": 1})
        assert wrong_bin.get_json()["code"] == "pick_wrong_location"
        counted = picker.post(f"{BASE}/tasks/{task['task_id']}/count", key=f"count-{n}", json={
            "location": task["location"], "item": task["barcode"] or task["sku"], "lot": task["lot"],
            "counted_quantity": book[task["lot"]]})
        assert counted.status_code == 200, counted.get_json()
    assert counted.get_json()["count_complete"] is True

    # The shipper scans every unit against the document (S2 step 2).
    scans = [({"item": GTIN_1, "lot": "L-OLDEST", "quantity": 4}),
             ({"item": GTIN_1, "lot": "L-MIDDLE", "quantity": 2}),
             ({"item": "SKU-2", "quantity": 1}),
             ({"item": GTIN_1, "lot": "L-NEWEST", "quantity": 1})]
    for n, scan in enumerate(scans):
        result = shipper.post(f"{BASE}/orders/{number}/verify-scans", json=scan, key=f"verify-{n}")
        assert result.status_code == 201, result.get_json()
    assert result.get_json()["complete"] is True

    # A hold notice arrives before the handover: the parcel stays (S4) ...
    hold = supervisor.post(f"{BASE}/holds", key="hold-1", json={
        "scope": "customer", "customer_code": "CUS-1", "reason": "客户来电要求改地址"}).get_json()
    handover = {"carrier": "SF", "tracking_number": "SF1234567890123", "weight": "2.345", "weight_unit": "kg",
                "weight_source": "scale", "shipper_signature": "发货员-王", "carrier_signature": "快递员-李"}
    refused = shipper.post(f"{BASE}/orders/{number}/ship", json=handover, key="ship-1")
    assert (refused.status_code, refused.get_json()["code"]) == (409, "order_on_hold")
    # ... until a release referencing it is written and confirmed by a second person (S4).
    release = supervisor.post(f"{BASE}/releases", json={"hold": hold["number"], "reason": "地址已确认"},
                              key="release-1").get_json()
    own = supervisor.post(f"{BASE}/releases/{release['number']}/confirm", key="confirm-0")
    assert (own.status_code, own.get_json()["code"]) == (409, "release_needs_second_person")
    assert api.as_("admin").post(f"{BASE}/releases/{release['number']}/confirm", key="confirm-1").status_code == 200

    # Ship and deduct in one transaction (S2 steps 3 and 4).
    shipped = shipper.post(f"{BASE}/orders/{number}/ship", json=handover, key="ship-2")
    assert shipped.status_code == 200, shipped.get_json()
    assert (shipped.get_json()["status"], shipped.get_json()["stage"]) == ("shipped", "deducted")
    order = supervisor.get(f"{BASE}/orders/{number}").get_json()
    assert [(s["step"], s["user"]) for s in order["steps"]] == [
        ("count", "picker"), ("verify", "shipper"), ("ship", "shipper"), ("deduct", "shipper")]
    label = shipper.get(f"{BASE}/orders/{number}/label").get_json()
    assert (label["tracking_number"], label["recipient_name"], label["weight"]["kg"]) == (
        "SF1234567890123", "张**", "2.345")

    # The ledger: every unit left its bin for the customer against the document.
    entries = api.as_("admin").get("/api/v1/ledger?kind=ship&document_id=" + number).get_json()
    assert sum(e["quantity"] for e in entries if e["location_id"] == world.locations["CUS"]) == 8
    stock = {(r["location_code"], r["lot_code"]): (r["quantity"], r["reserved"])
             for r in api.as_("admin").get("/api/v1/stock?include_empty=true").get_json()}
    assert stock == {("B-01-01", "L-OLDEST"): (0, 0), ("A-01-02", "L-MIDDLE"): (0, 0),
                     ("A-01-01", "L-NEWEST"): (8, 0), ("A-01-02", "L-BAG"): (2, 0)}
    check = api.as_("admin").get("/api/v1/ledger/verify").get_json()
    assert check["ok"] is True, check
    assert api.as_("clerk").get(f"{BASE}/open-documents").get_json() == []
