"""Security headers on every response, and the web UI's session cookie."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timezone
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from werkzeug.http import parse_date

from tests.factories import PASSWORDS
from wms import create_app
from wms.api.headers import CONTENT_SECURITY_POLICY
from wms.config import Defaults, load_environment
from wms.extensions import db
from wms.models.types import utcnow
from wms.services import auth


def _assert_security_headers(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("role,method,url,body,status", [
    (None, "get", "/api/v1/health", None, 200),
    (None, "get", "/api/v1/auth/me", None, 401),
    (None, "post", "/api/v1/auth/token", {}, 422),
    (None, "post", "/api/v1/auth/token", {"username": "picker", "password": "wrong-guess"}, 401),
    ("picker", "get", "/api/v1/auth/me", None, 200),
    ("picker", "post", "/api/v1/items", {"sku": "X-1", "name": "x"}, 403),
    ("picker", "delete", "/api/v1/auth/me", None, 405),
    ("picker", "get", "/api/v1/no-such-thing", None, 404),
    (None, "get", "/", None, 200),
    (None, "get", "/app/js/main.js", None, 200),
    (None, "get", "/sw.js", None, 200),
    (None, "get", "/no-such-page", None, 404),
    (None, "get", "/api/openapi.json", None, 200),
    (None, "get", "/api/docs", None, 200),
    (None, "get", "/api/docs/static/swagger-ui-bundle.js", None, 200),
    (None, "get", "/api/docs/static/swagger-ui.css", None, 200),
])
def test_every_kind_of_response_carries_the_security_headers(client, api, role, method, url, body, status):
    caller = api.as_(role) if role else client
    response = getattr(caller, method)(url, json=body)
    response.close()  # a static file is sent from an open file
    assert response.status_code == status
    _assert_security_headers(response)


def test_an_internal_error_carries_the_security_headers(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    _assert_security_headers(response)


def test_a_rate_limited_login_carries_the_security_headers_and_retry_after(app, client, world, monkeypatch):
    frozen = utcnow()
    monkeypatch.setattr(auth, "utcnow", lambda: frozen)  # no real second may pass between tries
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        response = client.post("/api/v1/auth/token", json={"username": "picker", "password": "wrong-guess"})
    assert response.status_code == 429 and response.get_json()["code"] == "login_rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    _assert_security_headers(response)


def test_the_policy_is_same_origin_with_no_inline_script_or_eval(client):
    policy = client.get("/api/v1/health").headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in policy and "script-src" not in policy  # scripts: 'self' only
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy


def test_the_docs_page_admits_exactly_its_own_inline_script_by_hash(client):
    response = client.get("/api/docs")
    page, policy = response.get_data(as_text=True), response.headers["Content-Security-Policy"]
    inline = re.findall(r"<script>(.*?)</script>", page, re.DOTALL)
    assert inline, "the Swagger UI page starts itself with an inline script"
    hashes = {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in inline}
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"] + [f"'sha256-{h}'" for h in sorted(hashes)]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert policy.startswith(CONTENT_SECURITY_POLICY)  # otherwise as strict as everything else
    # Its other scripts and styles come from this origin.
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert src.startswith("/api/docs/static/"), src


def _session_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_session_cookie_is_secure_http_only_and_lasts_one_shift(app, client, world):
    login = client.post("/api/v1/auth/session", json={"username": "admin", "password": PASSWORDS["admin"]})
    attributes = [part.strip() for part in _session_cookie(login).split(";")]
    assert "Secure" in attributes and "HttpOnly" in attributes and "SameSite=Lax" in attributes
    expires = parse_date(next(a for a in attributes if a.startswith("Expires=")).split("=", 1)[1])
    lifetime = (expires - datetime.now(timezone.utc)).total_seconds()
    assert abs(lifetime - app.config["TOKEN_MAX_AGE"]) < 60
    assert app.config["TOKEN_MAX_AGE"] == 12 * 3600


def test_a_session_ends_one_shift_after_login_however_busy(app, client, world, monkeypatch):
    client.post("/api/v1/auth/session", json={"username": "admin", "password": PASSWORDS["admin"]})
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert not me.headers.getlist("Set-Cookie")  # using the UI does not renew the login
    shift_later = itsdangerous.timed.time.time() + app.config["TOKEN_MAX_AGE"] + 1
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: shift_later))
    assert client.get("/api/v1/auth/me").status_code == 401


def test_session_lifetime_is_the_token_lifetime_by_default_and_from_the_environment():
    assert Defaults.PERMANENT_SESSION_LIFETIME == Defaults.TOKEN_MAX_AGE == 12 * 3600
    found = load_environment({"WMS_TOKEN_MAX_AGE": "28800"})
    assert found["TOKEN_MAX_AGE"] == found["PERMANENT_SESSION_LIFETIME"] == 28800


@pytest.mark.parametrize("value,secure", [
    ("0", False), ("false", False), ("No", False), ("off", False),
    ("1", True), ("true", True), ("YES", True), ("on", True),
])
def test_session_cookie_secure_is_read_from_the_environment_as_a_boolean(value, secure):
    assert load_environment({"WMS_SESSION_COOKIE_SECURE": value})["SESSION_COOKIE_SECURE"] is secure


def test_a_session_cookie_secure_setting_that_is_not_a_boolean_stops_the_start():
    with pytest.raises(ValueError, match="WMS_SESSION_COOKIE_SECURE"):
        load_environment({"WMS_SESSION_COOKIE_SECURE": "maybe"})


def _secure_flag_of_an_app(database_url) -> bool:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        db.engine.dispose()
    return app.config["SESSION_COOKIE_SECURE"]


def test_plain_http_development_can_switch_the_secure_flag_off(database_url, monkeypatch):
    monkeypatch.delenv("WMS_SESSION_COOKIE_SECURE", raising=False)
    assert _secure_flag_of_an_app(database_url) is True
    monkeypatch.setenv("WMS_SESSION_COOKIE_SECURE", "0")
    assert _secure_flag_of_an_app(database_url) is False
