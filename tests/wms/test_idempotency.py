"""Idempotency-Key semantics: PDAs on flaky Wi-Fi retry, and nothing happens twice."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import GTIN_1, stock_in
from wms.extensions import db
from wms.models import LedgerEntry

MOVE = {"item": GTIN_1, "from_location": "RCV-01", "to_location": "A-01-01", "quantity": 2}


def ledger_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()


def test_retry_with_same_key_replays_first_response_and_moves_once(app, api, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "RCV-01")
    receiver = api.as_("receiver")
    first = receiver.post("/api/v1/stock/moves", json=MOVE, key="scan-0001")
    entries = ledger_count(app)
    again = receiver.post("/api/v1/stock/moves", json=MOVE, key="scan-0001")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert ledger_count(app) == entries
    stock = receiver.get("/api/v1/stock?item=SKU-1&location=RCV-01").get_json()
    assert stock[0]["quantity"] == 8


def test_same_key_with_other_payload_is_refused_with_422(app, api, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "RCV-01")
    receiver = api.as_("receiver")
    assert receiver.post("/api/v1/stock/moves", json=MOVE, key="k-1").status_code == 201
    other = receiver.post("/api/v1/stock/moves", json={**MOVE, "quantity": 3}, key="k-1")
    assert other.status_code == 422
    assert other.get_json()["code"] == "idempotency_key_reused"


def test_refusal_is_replayed_even_after_stock_arrives(app, api, world):
    """A retry must see what the first attempt saw, not a second, different outcome."""
    receiver = api.as_("receiver")
    first = receiver.post("/api/v1/stock/moves", json=MOVE, key="k-2")
    assert first.status_code == 409 and first.get_json()["code"] == "insufficient_stock"
    with app.app_context():
        stock_in(world, "SKU-1", 10, "RCV-01")
    again = receiver.post("/api/v1/stock/moves", json=MOVE, key="k-2")
    assert again.status_code == 409
    assert again.get_json() == first.get_json()
    fresh = receiver.post("/api/v1/stock/moves", json=MOVE, key="k-3")
    assert fresh.status_code == 201


def test_keys_are_per_user(app, api, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "RCV-01")
    assert api.as_("receiver").post("/api/v1/stock/moves", json=MOVE, key="shared").status_code == 201
    second = api.as_("picker").post("/api/v1/stock/moves", json=MOVE, key="shared")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers


def test_invalid_key_is_refused_with_400(app, api, world):
    response = api.as_("receiver").post("/api/v1/stock/moves", json=MOVE, key="x" * 300)
    assert response.status_code == 400
    assert response.get_json()["code"] == "idempotency_key_invalid"


def test_retry_while_first_is_running_gets_409(app, api, world):
    """On PostgreSQL a second request with a key still being processed is told to wait."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        import pytest

        pytest.skip("SQLite runs writers one at a time: a retry waits and then replays")
    from wms.models.idempotency import advisory_lock_id

    with app.app_context():
        stock_in(world, "SKU-1", 10, "RCV-01")
        # Another worker holds the key: take its advisory lock in a separate transaction.
        with db.engine.connect() as other:
            other.begin()
            other.execute(sa.select(sa.func.pg_advisory_xact_lock(advisory_lock_id(world.users["receiver"], "busy"))))
            response = api.as_("receiver").post("/api/v1/stock/moves", json=MOVE, key="busy")
            other.rollback()
    assert response.status_code == 409
    assert response.get_json()["code"] == "idempotency_in_flight"
    assert api.as_("receiver").post("/api/v1/stock/moves", json=MOVE, key="busy").status_code == 201


def test_every_mutating_api_endpoint_honours_idempotency_keys(app):
    public = {"auth.Token", "auth.Session"}  # logins: no user yet to scope a key to
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            if rule.endpoint in public and method == "POST":
                continue
            handler = getattr(view_class, method.lower(), None) if view_class else view
            if not getattr(handler, "idempotent", False):
                missing.append(f"{method} {rule.rule}")
    assert not missing, missing


def test_a_record_written_meanwhile_makes_the_use_case_run_again(app, world):
    """If the first request commits between our lookup and our insert, we retry and replay."""
    import pytest

    from wms.services.idempotency import CallRecord, RecordWrittenMeanwhile, store
    from wms.services.uow import is_retryable, transaction

    call = CallRecord(world.users["picker"], "raced", "f" * 64, "POST", "/api/v1/stock/moves")
    with app.app_context():
        with transaction():
            store(call, 201, "{}")
        with pytest.raises(RecordWrittenMeanwhile) as raced:
            with transaction():
                store(call, 201, "{}")
    assert is_retryable(raced.value)


def test_every_mutating_call_is_recorded_with_who_made_it(app, api, world):
    """Calls without a key are not replayable, but they are on record like the others."""
    from wms.models import IdempotencyRecord

    admin = api.as_("admin")
    assert admin.post("/api/v1/suppliers", json={"code": "S-A", "name": "甲"}).status_code == 201
    assert admin.post("/api/v1/suppliers", json={"code": "S-B", "name": "乙"}, key="k-b").status_code == 201
    refused = api.as_("picker").post("/api/v1/suppliers", json={"code": "S-C", "name": "丙"})
    assert refused.status_code == 403
    with app.app_context():
        records = db.session.execute(sa.select(IdempotencyRecord).order_by(IdempotencyRecord.id)).scalars().all()
        assert [(r.user_id, r.method, r.path, r.key, r.response_status) for r in records] == [
            (world.users["admin"], "POST", "/api/v1/suppliers", None, 201),
            (world.users["admin"], "POST", "/api/v1/suppliers", "k-b", 201),
        ]
