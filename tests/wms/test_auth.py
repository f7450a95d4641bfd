"""Users and roles: login, tokens, per-operation permissions, 401 everywhere (throttling: test_login_throttling)."""

from __future__ import annotations

import re

import pytest

from tests.factories import GTIN_1, PASSWORDS, stock_in
from wms.api.security import PUBLIC_ENDPOINTS


def _concrete(rule: str) -> str:
    return re.sub(r"<(?:int:)?[^>]+>", "1", rule)


def test_every_api_endpoint_but_login_health_and_docs_needs_authentication(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_concrete(rule.rule), method=method, json={})
            assert response.status_code == 401, f"{method} {rule.rule} -> {response.status_code}"
            assert response.get_json()["code"] == "authentication_required"
            checked += 1
    assert checked > 20


def test_public_endpoints_are_only_login_health_and_docs(client):
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200
    assert client.delete("/api/v1/auth/session").status_code == 401


def test_token_login_and_me(api, world):
    me = api.as_("picker").get("/api/v1/auth/me").get_json()
    assert me["username"] == "picker" and "pick" in me["permissions"]
    assert "user.manage" not in me["permissions"]


def test_wrong_password_is_refused_and_garbage_token_gets_401(client, world):
    bad = client.post("/api/v1/auth/token", json={"username": "picker", "password": "nope"})
    assert bad.status_code == 401 and bad.get_json()["code"] == "invalid_credentials"
    unknown = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "nope"})
    assert unknown.get_json()["code"] == "invalid_credentials"
    garbage = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer abc.def"})
    assert garbage.status_code == 401


def test_expired_token_is_refused(app, api, world):
    token = api.token("picker")
    app.config["TOKEN_MAX_AGE"] = -1
    response = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.get_json()["code"] == "token_expired"


def test_a_token_checked_before_still_expires_and_a_forged_one_never_passes(app, api, world):
    token = api.token("picker")
    me = lambda t: api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {t}"})  # noqa: E731
    assert me(token).status_code == 200  # its signature is now checked and remembered
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert me(forged).get_json()["code"] == "authentication_required"
    app.config["SECRET_KEY"] = "another-secret"  # a new key: what the old one signed is void
    assert me(token).get_json()["code"] == "authentication_required"
    app.config["SECRET_KEY"] = "test-secret"
    app.config["TOKEN_MAX_AGE"] = -1
    assert me(token).get_json()["code"] == "token_expired"


def test_revoke_logs_out_every_token(api, world):
    picker = api.as_("picker")
    assert picker.post("/api/v1/auth/revoke").status_code == 204
    assert picker.get("/api/v1/auth/me").status_code == 401


def test_deactivated_user_is_locked_out_at_once(api, world):
    picker = api.as_("picker")
    assert picker.get("/api/v1/auth/me").status_code == 200
    changed = api.as_("admin").patch(f"/api/v1/users/{world.users['picker']}", json={"active": False})
    assert changed.status_code == 200
    assert picker.get("/api/v1/auth/me").status_code == 401


def test_session_login_needs_csrf_header_for_changes(client, world, app):
    login = client.post("/api/v1/auth/session", json={"username": "admin", "password": PASSWORDS["admin"]})
    assert login.status_code == 201
    csrf = login.get_json()["csrf_token"]
    assert client.get("/api/v1/auth/me").status_code == 200
    body = {"code": "SUP-9", "name": "新供应商"}
    refused = client.post("/api/v1/suppliers", json=body)
    assert refused.status_code == 403 and refused.get_json()["code"] == "csrf_failed"
    created = client.post("/api/v1/suppliers", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    assert client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


# Each role is refused what it may not do (and allowed what it may, so the test can fail).
ROLE_CASES = [
    # (role, method, url, body, expected status)
    ("picker", "post", "/api/v1/items", {"sku": "X-1", "name": "x"}, 403),
    ("receiver", "post", "/api/v1/suppliers", {"code": "S-X", "name": "x"}, 403),
    ("clerk", "post", "/api/v1/stock/moves",
     {"item": GTIN_1, "from_location": "A-01-01", "to_location": "B-01-01", "quantity": 1}, 403),
    ("shipper", "post", "/api/v1/stock/moves",
     {"item": GTIN_1, "from_location": "A-01-01", "to_location": "B-01-01", "quantity": 1}, 403),
    ("supervisor", "post", "/api/v1/users", {"username": "u1", "password": "password-1", "role": "picker"}, 403),
    ("picker", "get", "/api/v1/ledger", None, 403),
    ("receiver", "get", "/api/v1/ledger/verify", None, 403),
    ("picker", "post", "/api/v1/ledger/movements/abc/reversal", {"reason": "x"}, 403),
    ("receiver", "post", "/api/v1/stock/adjustments",
     {"item_id": 1, "lot_id": 1, "location_id": 5, "owner_id": 1, "quantity_change": 1, "reason": "x"}, 403),
    ("admin", "post", "/api/v1/users", {"username": "u1", "password": "password-1", "role": "picker"}, 201),
    ("supervisor", "post", "/api/v1/items", {"sku": "X-1", "name": "x"}, 201),
    ("picker", "post", "/api/v1/stock/moves",
     {"item": GTIN_1, "from_location": "A-01-01", "to_location": "B-01-01", "quantity": 1}, 201),
    ("clerk", "get", "/api/v1/ledger", None, 200),
    ("clerk", "get", "/api/v1/ledger/verify", None, 200),
    ("picker", "get", "/api/v1/stock", None, 200),
]


@pytest.mark.parametrize("role,method,url,body,expected", ROLE_CASES)
def test_each_role_is_refused_what_it_may_not_do(app, api, world, role, method, url, body, expected):
    with app.app_context():
        stock_in(world, "SKU-1", 5, "A-01-01")
    caller = api.as_(role)
    response = caller.get(url) if method == "get" else getattr(caller, method)(url, json=body)
    assert response.status_code == expected, response.get_json()
    if expected == 403:
        assert response.get_json()["code"] == "permission_denied"


def test_every_mutation_records_who_did_it(app, api, world):
    with app.app_context():
        stock_in(world, "SKU-1", 5, "A-01-01")
    api.as_("picker").post("/api/v1/stock/moves", json={
        "item": GTIN_1, "from_location": "A-01-01", "to_location": "B-01-01", "quantity": 1})
    entries = api.as_("clerk").get("/api/v1/ledger?kind=move").get_json()
    assert {e["user_id"] for e in entries} == {world.users["picker"]}


def test_a_deactivated_user_is_refused_like_a_wrong_password(api, world, client):
    api.as_("admin").patch(f"/api/v1/users/{world.users['picker']}", json={"active": False})
    response = client.post("/api/v1/auth/token", json={"username": "picker", "password": PASSWORDS["picker"]})
    assert response.status_code == 401 and response.get_json()["code"] == "invalid_credentials"


def test_csrf_header_with_any_characters_is_refused_cleanly(client, world):
    login = client.post("/api/v1/auth/session", json={"username": "admin", "password": PASSWORDS["admin"]})
    assert login.status_code == 201
    response = client.post("/api/v1/suppliers", json={"code": "S-9", "name": "x"},
                           headers={"X-CSRF-Token": "é"})
    assert response.status_code == 403 and response.get_json()["code"] == "csrf_failed"
