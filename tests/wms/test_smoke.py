"""The service starts, answers health without login and serves its API document."""


def test_health_needs_no_login(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_move_scan_round_trip(api, world, app):
    from tests.factories import GTIN_1, stock_in

    with app.app_context():
        stock_in(world, "SKU-1", 10, "RCV-01")
    response = api.as_("receiver").post("/api/v1/stock/moves", json={
        "item": GTIN_1, "from_location": "RCV-01", "to_location": "A-01-01", "quantity": 4})
    assert response.status_code == 201, response.get_json()
    rows = api.as_("receiver").get("/api/v1/stock?item=SKU-1").get_json()
    assert {r["location_code"]: r["quantity"] for r in rows} == {"RCV-01": 6, "A-01-01": 4}
