"""The outbound API: idempotent changes, stable error codes, roles, uploads."""

from __future__ import annotations

import io

import pytest

from tests.factories import stock_in

BASE = "/api/v1/shipping"


def test_every_mutating_shipping_endpoint_is_idempotent(app):
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("shipping."):
            continue
        view_class = app.view_functions[rule.endpoint].view_class
        for method in ("post", "put", "patch", "delete"):
            handler = getattr(view_class, method, None)
            if handler is not None:
                assert getattr(handler, "idempotent", False), f"{rule} {method} is not @idempotent"
                checked += 1
    assert checked >= 15


def _order(api, number="SO-1", quantity=2, sku="SKU-1"):
    response = api.as_("clerk").post(f"{BASE}/orders", json={
        "number": number, "recipient_name": "张三丰", "recipient_phone": "13800138000",
        "recipient_address": "浙江省杭州市西湖区文三路1号", "customer_code": "CUS-1",
        "lines": [{"item": sku, "quantity": quantity}],
    })
    assert response.status_code == 201, response.get_json()
    assert api.as_("supervisor").post(f"{BASE}/orders/{number}/approve").status_code == 200
    return number


def _to_verify(api, number):
    assert api.as_("supervisor").post(f"{BASE}/orders/{number}/allocate").get_json()["fully_allocated"]
    for task in api.as_("picker").get(f"{BASE}/orders/{number}/pick-list").get_json():
        response = api.as_("picker").post(f"{BASE}/tasks/{task['task_id']}/count", json={
            "location": task["location"], "item": task["barcode"] or task["sku"], "lot": task["lot"],
            "counted_quantity": 10})
        assert response.status_code == 200, response.get_json()


HANDOVER = {"carrier": "SF", "tracking_number": "SF0000000000100", "weight": "1.2", "weight_unit": "kg",
            "weight_source": "scale", "shipper_signature": "王", "carrier_signature": "李"}


def test_s2_errors_reach_the_handheld_with_distinct_codes(api, app, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    number = _order(api)
    response = api.as_("shipper").post(f"{BASE}/orders/{number}/ship", json=HANDOVER)
    assert (response.status_code, response.get_json()["code"]) == (409, "step_out_of_order")
    _to_verify(api, number)
    for scan, code in [({"item": "SKU-2"}, "verify_wrong_item"), ({"item": "SKU-1", "lot": "NOPE"},
                       "verify_wrong_lot"), ({"item": "SKU-1", "quantity": 3}, "verify_too_many")]:
        response = api.as_("shipper").post(f"{BASE}/orders/{number}/verify-scans", json=scan)
        assert (response.status_code, response.get_json()["code"]) == (422, code)


def test_ship_replayed_with_the_same_key_ships_once(api, app, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    number = _order(api)
    _to_verify(api, number)
    api.as_("shipper").post(f"{BASE}/orders/{number}/verify-scans", json={"item": "SKU-1", "quantity": 2})
    first = api.as_("shipper").post(f"{BASE}/orders/{number}/ship", json=HANDOVER, key="ship-1")
    again = api.as_("shipper").post(f"{BASE}/orders/{number}/ship", json=HANDOVER, key="ship-1")
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    label = api.as_("shipper").get(f"{BASE}/orders/{number}/label").get_json()
    assert (label["recipient_phone"], label["weight"]["grams"]) == ("138****8000", 1200)


@pytest.mark.parametrize("role, method, path", [
    ("picker", "post", "/orders/SO-1/approve"),
    ("picker", "post", "/holds"),
    ("clerk", "post", "/orders/SO-1/ship"),
    ("shipper", "get", "/open-documents"),
])
def test_roles_are_checked(api, world, role, method, path):
    body = {"scope": "all", "reason": "x"} if path == "/holds" else HANDOVER
    caller = api.as_(role)
    response = caller.post(BASE + path, json=body) if method == "post" else caller.get(BASE + path)
    assert response.status_code == 403, response.get_json()


def test_import_upload_and_bad_file(api, world):
    csv = "订单号,收件人,商品编码,数量\nTB1,李四,SKU-1,2\n".encode()
    response = api.client.post(f"{BASE}/orders/import", data={"file": (io.BytesIO(csv), "o.csv")},
                               headers={"Authorization": f"Bearer {api.token('clerk')}"},
                               content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created"] == ["TB1"]
    bad = "订单号,收件人,商品编码,数量\nTB2,李四,NOPE,2\n".encode()
    response = api.client.post(f"{BASE}/orders/import", data={"file": (io.BytesIO(bad), "o.csv")},
                               headers={"Authorization": f"Bearer {api.token('clerk')}"},
                               content_type="multipart/form-data")
    body = response.get_json()
    assert (response.status_code, body["code"]) == (422, "order_import_rejected")
    assert body["errors"]["rows"] == [{"row": 2, "errors": {"item": "unknown item"}}]


def test_s4_hold_release_and_picker_view_over_http(api, app, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    number = _order(api)
    api.as_("supervisor").post(f"{BASE}/orders/{number}/allocate")
    wave = api.as_("supervisor").post(f"{BASE}/waves", json={"orders": [number], "picker": "picker"}).get_json()
    hold = api.as_("supervisor").post(f"{BASE}/holds", json={
        "scope": "order", "order_number": number, "reason": "地址待确认"}).get_json()
    mine = api.as_("picker").get(f"{BASE}/holds/mine").get_json()
    assert [(h["number"], h["reason"]) for h in mine] == [(hold["number"], "地址待确认")]
    tasks = api.as_("picker").get(f"{BASE}/waves/{wave['number']}/pick-list").get_json()
    assert tasks[0]["holds"] == [hold["number"]]
    release = api.as_("supervisor").post(f"{BASE}/releases", json={"hold": hold["number"], "reason": "ok"})
    assert release.status_code == 201
    assert api.as_("picker").get(f"{BASE}/holds/mine").get_json() != []  # not yet confirmed
    confirmed = api.as_("admin").post(f"{BASE}/releases/{release.get_json()['number']}/confirm")
    assert confirmed.status_code == 200
    assert api.as_("picker").get(f"{BASE}/holds/mine").get_json() == []


def test_import_can_approve_in_the_same_call(api, world):
    csv = "订单号,收件人,商品编码,数量\nTB9,李四,SKU-1,1\n".encode()
    response = api.client.post(f"{BASE}/orders/import?approve=true", data={"file": (io.BytesIO(csv), "o.csv")},
                               headers={"Authorization": f"Bearer {api.token('supervisor')}"},
                               content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert api.as_("shipper").get(f"{BASE}/orders/TB9/validity").get_json()["valid"] is True


def test_s2_ship_weighs_the_parcel_on_the_station_scale_and_prints_its_label(api, app, world):
    """The station's real scale and printer (simulators on loopback TCP) serve the ship step."""
    from devices.simulators.printer import PrinterSimulator
    from devices.simulators.scale import ScaleSimulator

    scale = ScaleSimulator("mt-sics", "tcp")
    scale.set_weight("2.345")
    scale.start()
    printer = PrinterSimulator("zpl", "tcp").start()
    try:
        station = {"code": "PACK-9", "name": "打包台9", "kind": "packing", "warehouse_id": world.warehouse_id,
                   "scale_url": scale.url, "scale_protocol": "mt-sics", "printer_url": printer.url,
                   "printer_language": "zpl"}
        assert api.as_("admin").post("/api/v1/stations", json=station).status_code == 201
        with app.app_context():
            stock_in(world, "SKU-1", 10, "A-01-01")
        number = _order(api)
        _to_verify(api, number)
        assert api.as_("shipper").post(f"{BASE}/orders/{number}/verify-scans",
                                       json={"item": "SKU-1", "quantity": 2}).status_code == 201
        handover = {k: v for k, v in HANDOVER.items() if k not in ("weight", "weight_unit", "weight_source")}
        no_weight = api.as_("shipper").post(f"{BASE}/orders/{number}/ship", json=handover)
        assert (no_weight.status_code, no_weight.get_json()["code"]) == (422, "invalid_weight")
        shipped = api.as_("shipper").post(f"{BASE}/orders/{number}/ship", json={**handover, "station": "PACK-9"},
                                          key="ship-pack-9")
        body = shipped.get_json()
        assert shipped.status_code == 200, body
        # the parcel has left the scale: a retry of the same request still gets the first answer
        scale.set_weight("0")  # an empty pan reads zero
        again = api.as_("shipper").post(f"{BASE}/orders/{number}/ship", json={**handover, "station": "PACK-9"},
                                        key="ship-pack-9")
        assert (again.status_code, again.get_json()) == (200, body), again.get_json()
        assert again.headers["Idempotent-Replayed"] == "true"
        # nor is the scale read again: with the scale switched off the retry is answered all the same
        scale.stop()
        again = api.as_("shipper").post(f"{BASE}/orders/{number}/ship", json={**handover, "station": "PACK-9"},
                                        key="ship-pack-9")
        assert (again.status_code, again.get_json()) == (200, body), again.get_json()
        assert (body["weight_grams"], body["weight_source"], body["station"]) == (2345, "scale", "PACK-9")
        # the label was queued with the shipment and sent to the station's printer after the commit
        assert (body["label_job"]["state"], body["label_job"]["document_number"]) == ("queued", number)
        job = printer.wait_for_jobs(1, timeout=5)[0]
        assert b"SF0000000000100" in job and b"13800138000" not in job  # tracking printed, phone masked
        state = api.as_("shipper").get(f"/api/v1/print-jobs/{body['label_job']['id']}").get_json()
        assert (state["state"], state["attempts"], state["error_code"]) == ("printed", 1, None)
        label = api.as_("shipper").get(f"{BASE}/orders/{number}/label").get_json()
        assert label["weight_source"] == "scale" and label["weight"]["kg"] == "2.345"
        again = api.as_("shipper").post(f"{BASE}/orders/{number}/label/print", json={"station": "PACK-9"})
        assert again.status_code == 202, again.get_json()
        assert len(printer.wait_for_jobs(2, timeout=5)) == 2
    finally:
        scale.stop()
        printer.stop()


def test_s3_the_validity_answer_says_why_in_the_callers_language(api, app, world):
    """A 200 that carries a refusal's reason takes its words from the catalogue too."""
    from wms.i18n import render

    number = _order(api)
    assert api.as_("supervisor").post(f"{BASE}/orders/{number}/cancel", json={"reason": "客户取消"}).status_code == 200
    token = api.token("shipper")
    answers = {}
    for language in ("zh-CN", "en"):
        response = api.client.get(f"{BASE}/orders/{number}/validity",
                                  headers={"Authorization": f"Bearer {token}", "Accept-Language": language})
        body = response.get_json()
        assert (response.status_code, body["valid"], body["code"]) == (200, False, "order_cancelled")
        answers[language] = body["message"]
        locale = language.replace("-", "_")
        assert body["message"] == render(locale, "order_cancelled", body.get("details") or {}, "")
    assert answers["zh-CN"] != answers["en"]
