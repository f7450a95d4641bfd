"""Error bodies the service really sends validate against the OpenAPI document's schemas.

Each kind of refusal (a warehouse rule with details, the schema with field messages, the
JSON reader, the router, the body limits, the Idempotency-Key, a device's decoder) is
sent for real and its body checked against the schema its operation documents for that
status, whose code enum must hold the code sent; in both languages.
"""

from __future__ import annotations

import json

import pytest
from flask_smorest.spec.plugins import FlaskPlugin
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from tests.factories import PASSWORDS
from wms.api.error_codes import OPERATION_ERRORS


@pytest.fixture
def spec(client):
    document = client.get("/api/openapi.json").get_json()
    validate(document)
    return document


def documented_schema(spec, path: str, method: str, status: int) -> dict:
    """The schema an operation documents for an error status, with the document's components."""
    responses = spec["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def error_schema(spec) -> dict:
    return {"$ref": "#/components/schemas/Error", "components": spec["components"]}


def _login(client, role: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", json={"username": role, "password": PASSWORDS[role]}).get_json()
    return {"Authorization": f"Bearer {token['token']}"}


def sent_errors(client):
    """(path template, method, response) of refusals of every kind."""
    picker, admin = _login(client, "picker"), _login(client, "admin")
    item = {"sku": "SKU-NEW", "name": "new"}
    yield "/api/v1/auth/me", "get", client.get("/api/v1/auth/me")
    yield "/api/v1/auth/token", "post", client.post("/api/v1/auth/token", json={"username": 5})
    yield "/api/v1/auth/token", "post", client.post("/api/v1/auth/token",
                                                     json={"username": "picker", "password": "wrong-guess"})
    yield "/api/v1/items", "post", client.post("/api/v1/items", json=item, headers=picker)
    yield "/api/v1/items", "post", client.post("/api/v1/items", json={"sku": "SKU-1", "name": "x"}, headers=admin)
    yield "/api/v1/items", "post", client.post("/api/v1/items", data="{", content_type="application/json",
                                                headers=admin)
    yield "/api/v1/items", "post", client.post("/api/v1/items", data=json.dumps({"name": "x" * 1_100_000}),
                                                content_type="application/json", headers=admin)
    yield "/api/v1/items", "post", client.post("/api/v1/items", json={"sku": "A\x00", "name": "x"}, headers=admin)
    yield "/api/v1/items", "get", client.get("/api/v1/items?q=a%00", headers=picker)
    yield "/api/v1/items/by-code/{code}", "get", client.get("/api/v1/items/by-code/NO-SUCH", headers=picker)
    yield "/api/v1/items/{record_id}", "get", client.get("/api/v1/items/2147483648", headers=picker)
    key = {**admin, "Idempotency-Key": "same-key"}
    client.post("/api/v1/items", json=item, headers=key)
    yield "/api/v1/items", "post", client.post("/api/v1/items", json={**item, "name": "other"}, headers=key)
    yield "/api/v1/auth/me", "patch", client.patch("/api/v1/auth/me", json={"language": "fr"}, headers=picker)
    yield "/api/v1/devices/decode", "post", client.post("/api/v1/devices/decode", data=b"not an image",
                                                         content_type="application/octet-stream", headers=picker)
    yield "/api/v1/i18n/{language}", "get", client.get("/api/v1/i18n/fr")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_error_bodies_sent_validate_against_their_documented_schema(spec, client, world, language):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    seen = set()
    for path, method, response in sent_errors(client):
        body = response.get_json()
        assert response.status_code >= 400, (path, method, body)
        OAS30Validator(documented_schema(spec, path, method, response.status_code)).validate(body)
        assert body["status"] == response.status_code
        seen.add(body["code"])
    # the kinds the walk must have met, or it proves less than it says
    assert {"authentication_required", "validation_failed", "invalid_credentials", "permission_denied",
            "already_exists", "bad_request", "payload_too_large", "invalid_text", "unknown_barcode",
            "not_found", "idempotency_key_reused", "not_an_image"} <= seen


def test_the_errors_shapes_are_objects_the_schema_admits(spec, client, world):
    admin = _login(client, "admin")
    field_errors = client.post("/api/v1/items", json={"sku": 5}, headers=admin).get_json()
    assert isinstance(field_errors["errors"]["json"]["sku"], list)  # webargs: location -> field -> messages
    rule_errors = client.post("/api/v1/items", json={"sku": "SKU-1", "name": "x"}, headers=admin).get_json()
    assert rule_errors["errors"] == {"field": "sku", "value": "SKU-1"}  # a rule's facts
    plain = client.get("/api/v1/auth/me").get_json()
    assert plain["errors"] == {}  # no details is an empty object, never null
    for body in (field_errors, rule_errors, plain):
        OAS30Validator(error_schema(spec)).validate(body)


def test_router_refusals_have_the_error_schema(spec, client):
    for response in (client.get("/api/v1/no-such-thing"), client.delete("/api/v1/auth/me"),
                     client.put("/api/v1/health")):
        body = response.get_json()
        OAS30Validator(error_schema(spec)).validate(body)
        assert body["code"] in {"not_found", "method_not_allowed"}


def test_every_operation_documents_its_error_codes(spec, app):
    """Each operation has at least one documented error status, each with a non-empty code enum."""
    undocumented = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = spec["paths"][FlaskPlugin.flaskpath2openapi(rule.rule)][method.lower()]
            enums = [r["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"]["enum"]
                     for status, r in operation["responses"].items() if status[0] in "45"]
            listed = set(OPERATION_ERRORS[f"{rule.endpoint} {method}"])
            if not enums or not all(enums) or not listed <= {c for e in enums for c in e}:
                undocumented.append(f"{method} {rule.rule}")
    assert undocumented == []
