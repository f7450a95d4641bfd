"""The OpenAPI document tells the truth about errors: their format, codes and the key header.

``OPERATION_ERRORS`` lists the warehouse's refusals per operation. Here it is held to
what the use cases can raise, found by following each view's calls through the
``wms`` package the way Python resolves them: a refusal added to a service without
documenting it fails this test.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import types

import wms.errors as errors
from wms.api.error_codes import DEVICE_OPERATIONS, OPERATION_ERRORS, status_of_code

DOMAIN_ERRORS = {c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.DomainError)}
#: Raised for every logged-in operation before its use case; documented for all of them.
GENERIC = {"authentication_required", "permission_denied"}


def _resolve(expr, scope):
    if isinstance(expr, ast.Name):
        return scope[expr.id] if expr.id in scope else None
    if isinstance(expr, ast.Attribute):
        base = _resolve(expr.value, scope)
        if isinstance(base, types.ModuleType | type):
            return getattr(base, expr.attr, None)
    return None


#: Modules whose refusals belong to every mutating call, not to one operation.
UNIT_OF_WORK = ("wms.services.uow", "wms.services.idempotency")


def raisable_codes(function, seen=None) -> set[str]:
    """The DomainError codes ``function`` raises, itself or through the wms functions it calls."""
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    if function in seen or not getattr(function, "__module__", "").startswith("wms"):
        return set()
    if function.__module__ in UNIT_OF_WORK:
        return set()  # its refusals (the Idempotency-Key's) are documented with the key's header
    seen.add(function)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError):
        return set()
    scope, found = dict(function.__globals__), set()
    for node in ast.walk(tree):  # imports inside the function (kept local to start fast)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = importlib.import_module(node.module)
            for alias in node.names:
                if hasattr(module, alias.name):
                    scope[alias.asname or alias.name] = getattr(module, alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(scope.get(node.id), tuple):
            # a rule list applied in a loop (wms.domain.movements.SCAN_RULES)
            for rule in scope[node.id]:
                if isinstance(rule, types.FunctionType):
                    found |= raisable_codes(rule, seen)
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = _resolve(node.exc.func if isinstance(node.exc, ast.Call) else node.exc, scope)
            if raised in DOMAIN_ERRORS:
                found.add(raised.code)
        elif isinstance(node, ast.Call):
            called = _resolve(node.func, scope)
            if getattr(called, "__name__", "") == "require":
                found.add("permission_denied")
            elif isinstance(called, types.FunctionType):
                found |= raisable_codes(called, seen)
            for argument in node.args:  # a use case handed to the unit of work: partial(use_case, ...)
                passed = _resolve(argument, scope)
                if isinstance(passed, types.FunctionType):
                    found |= raisable_codes(passed, seen)
    return found


def _operations(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            handler = getattr(view_class, method.lower()) if view_class is not None else view
            yield rule, f"{rule.endpoint} {method}", handler


def test_the_table_names_every_operation_and_only_known_codes(app):
    keys = {key for _, key, _ in _operations(app)}
    assert set(OPERATION_ERRORS) == keys
    assert DEVICE_OPERATIONS <= keys
    known = status_of_code()
    assert {c for codes in OPERATION_ERRORS.values() for c in codes} <= set(known)


def test_every_refusal_a_use_case_can_raise_is_documented_for_its_operation(app):
    undocumented = {}
    for _, key, handler in _operations(app):
        missing = raisable_codes(handler) - GENERIC - set(OPERATION_ERRORS[key])
        if missing:
            undocumented[key] = sorted(missing)
    assert undocumented == {}


def test_the_analysis_sees_a_refusal_deep_in_a_use_case(app):
    # It must find what it claims to find: a stock move reaches S5's guarded decrement.
    handler = next(h for _, key, h in _operations(app) if key == "stock.StockMoves POST")
    assert {"insufficient_stock", "lot_required", "unknown_barcode"} <= raisable_codes(handler)


def test_documented_errors_match_what_the_service_sends(api, world, client):
    spec = client.get("/api/openapi.json").get_json()
    error_schema = spec["components"]["schemas"]["Error"]
    assert error_schema["properties"]["code"]["type"] == "string"
    assert error_schema["properties"]["status"]["type"] == "integer"
    assert set(error_schema["required"]) == {"code", "status", "message", "errors"}
    sent = api.as_("picker").post("/api/v1/stock/moves", json={
        "item": "NO-SUCH", "from_location": "A-01-01", "to_location": "A-01-02", "quantity": 1})
    body = sent.get_json()
    assert isinstance(body["code"], str) and body["status"] == sent.status_code == 404
    documented = spec["paths"]["/api/v1/stock/moves"]["post"]["responses"]["404"]
    assert body["code"] in documented["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"]["enum"]


def test_every_idempotent_operation_documents_the_idempotency_key(app, client):
    spec = client.get("/api/openapi.json").get_json()
    from flask_smorest.spec.plugins import FlaskPlugin

    for rule, key, handler in _operations(app):
        method = key.rsplit(" ", 1)[1].lower()
        operation = spec["paths"][FlaskPlugin.flaskpath2openapi(rule.rule)][method]
        headers = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "header"}
        assert ("Idempotency-Key" in headers) == bool(getattr(handler, "idempotent", False)), key
        if method in {"post", "put", "patch", "delete"} and key not in {"auth.Token POST", "auth.Session POST",
                                                                       "auth.Session DELETE"}:
            assert "Idempotency-Key" in headers, f"{key} changes something and takes no key"
