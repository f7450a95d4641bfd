"""The handheld's scan (POST /stock/moves): each rule lives once and a test fails without it.

The scan reads what it names, ``wms.domain.movements.plan_scan_move`` decides, and one
guarded write posts it: the same code on SQLite and PostgreSQL. Every rule of
``SCAN_RULES`` and ``CHANGE_RULES`` has a case here, run through the API (or the
ledger writer, for what the API's schema already refuses) on both databases; the
meta-test removes each rule from its list and shows its case then goes through.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES
from tests.factories import GTIN_1, PASSWORDS, stock_in
from wms.domain import movements
from wms.errors import DomainError
from wms.extensions import db
from wms.models import IdempotencyRecord, LedgerEntry, Location, StockQuant, User
from wms.services.stock import StockChange, post_movement, verify_ledger

MOVE = {"item": GTIN_1, "from_location": "A-01-01", "to_location": "B-01-01", "quantity": 3}
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL server")


def _scan(api, role: str, **changes) -> tuple[int, str | None]:
    response = api.as_(role).post("/api/v1/stock/moves", json={**MOVE, **changes})
    return response.status_code, (response.get_json() or {}).get("code")


def _post(world, change: dict) -> tuple[int, str | None]:
    """A movement through the ledger writer, as (status, code) like the API's answer."""
    line = {"item_id": world.items["SKU-1"], "owner_id": world.owners["OWN"], "quantity": 1, **change}
    try:
        post_movement(world.user("admin"), "move", [StockChange(**line)])
    except DomainError as refused:
        db.session.rollback()
        return refused.status, refused.code
    return 201, None


def _own_stock(app, world, location: str = "A-01-01", quantity: int = 10, lot: str = "L-A") -> int:
    with app.app_context():
        return stock_in(world, "SKU-1", quantity, location, lot=lot)


def case_caller_may_move_stock(app, api, world):
    _own_stock(app, world)
    return _scan(api, "shipper")  # a shipper verifies and ships; it does not move stock between bins


def case_between_physical_places(app, api, world):
    _own_stock(app, world)
    return _scan(api, "picker", to_location="LF")


def case_quarantine_released_by_a_supervisor(app, api, world):
    _own_stock(app, world, "QA-01")
    return _scan(api, "picker", from_location="QA-01")


def case_of_the_scanned_lot(app, api, world):
    _own_stock(app, world, "A-01-01", lot="L-A")
    _own_stock(app, world, "A-01-02", lot="L-B")
    return _scan(api, "picker", lot="L-B")  # L-B exists, but not here: nothing of it is free at A-01-01


def case_of_the_scanned_owner(app, api, world):
    _own_stock(app, world)
    return _scan(api, "picker", owner="CSG-01")  # a scan naming a consignor never moves own stock


def case_something_is_free(app, api, world):
    return _scan(api, "picker")


def case_one_lot_at_a_time(app, api, world):
    _own_stock(app, world, lot="L-OLD")
    _own_stock(app, world, lot="L-NEW")
    return _scan(api, "picker")


def case_owner_may_be_held_at_the_destination(app, api, world):
    _own_stock(app, world)
    return _scan(api, "picker", to_location="CS-01")  # R7: own stock stays out of consignment


def case_quantity_is_a_positive_whole_number(app, api, world):
    with app.app_context():
        lot = stock_in(world, "SKU-1", 5, "A-01-01")
        return _post(world, {"lot_id": lot, "source": world.place("A-01-01"), "destination": world.place("B-01-01"),
                             "quantity": 0})


def case_places_differ(app, api, world):
    _own_stock(app, world)
    return _scan(api, "picker", to_location="A-01-01")


def case_places_are_in_use(app, api, world):
    _own_stock(app, world)
    with app.app_context():
        db.session.get(Location, world.locations["B-01-01"]).active = False
        db.session.commit()
    return _scan(api, "picker")


def case_reservations_are_physical(app, api, world):
    with app.app_context():
        lot = stock_in(world, "SKU-1", 5, "A-01-01")
        return _post(world, {"lot_id": lot, "source": world.place("SUP"), "destination": world.place("B-01-01"),
                             "from_reserved": True})


#: Each rule, the case it alone refuses, and the refusal (status, code).
RULE_CASES = {
    "caller_may_move_stock": (case_caller_may_move_stock, (403, "permission_denied")),
    "between_physical_places": (case_between_physical_places, (422, "invalid_movement")),
    "quarantine_released_by_a_supervisor": (case_quarantine_released_by_a_supervisor, (403, "permission_denied")),
    "of_the_scanned_lot": (case_of_the_scanned_lot, (409, "insufficient_stock")),
    "of_the_scanned_owner": (case_of_the_scanned_owner, (409, "insufficient_stock")),
    "something_is_free": (case_something_is_free, (409, "insufficient_stock")),
    "one_lot_at_a_time": (case_one_lot_at_a_time, (422, "lot_required")),
    "owner_may_be_held_at_the_destination": (case_owner_may_be_held_at_the_destination, (422, "invalid_movement")),
    "quantity_is_a_positive_whole_number": (case_quantity_is_a_positive_whole_number, (422, "invalid_movement")),
    "places_differ": (case_places_differ, (422, "invalid_movement")),
    "places_are_in_use": (case_places_are_in_use, (409, "location_inactive")),
    "reservations_are_physical": (case_reservations_are_physical, (422, "invalid_movement")),
}


def _rules():
    return [("SCAN_RULES", rule) for rule in movements.SCAN_RULES] + [
        ("CHANGE_RULES", rule) for rule in movements.CHANGE_RULES]


def test_every_rule_of_a_movement_has_a_case():
    assert sorted(RULE_CASES) == sorted(rule.__name__ for _, rule in _rules())


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_each_rule_refuses_its_case(app, api, world, rule):
    case, refusal = RULE_CASES[rule]
    assert case(app, api, world) == refusal
    with app.app_context():
        assert verify_ledger().ok


@pytest.mark.parametrize(("rules", "rule"), [(name, rule.__name__) for name, rule in _rules()],
                         ids=[rule.__name__ for _, rule in _rules()])
def test_without_a_rule_its_case_is_no_longer_refused(app, api, world, monkeypatch, rules, rule):
    """The meta-test: a rule removed from the one place it lives fails its test above."""
    monkeypatch.setattr(movements, rules, tuple(r for r in getattr(movements, rules) if r.__name__ != rule))
    case, refusal = RULE_CASES[rule]
    try:
        outcome = case(app, api, world)
    except Exception as crashed:  # noqa: BLE001 - a crash is also not the refusal
        outcome = type(crashed).__name__
    assert outcome != refusal


def test_unknown_lot_is_named_as_such(app, api, world):
    _own_stock(app, world)
    assert _scan(api, "picker", lot="NO-SUCH-LOT") == (404, "unknown_lot")


@pytest.mark.parametrize(("changes", "status", "code"), [
    ({"quantity": 11}, 409, "insufficient_stock"),  # S5: the writer's guard
    ({"to_location": "NOWHERE"}, 404, "unknown_location"),
    ({"item": "SKU-1"}, 201, None),  # a SKU instead of a barcode: resolved step by step
    ({"item": "0000000000000"}, 404, "unknown_barcode"),
])
def test_a_scan_is_answered_and_its_answer_replayed(app, api, world, changes, status, code):
    _own_stock(app, world)
    response = api.as_("picker").post("/api/v1/stock/moves", json={**MOVE, **changes}, key="k")
    assert (response.status_code, response.get_json().get("code")) == (status, code), response.get_json()
    again = api.as_("picker").post("/api/v1/stock/moves", json={**MOVE, **changes}, key="k")
    assert again.status_code == status and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == response.get_json()


def test_a_scan_writes_its_movement_and_its_record_in_one_transaction(app, api, world):
    _own_stock(app, world)
    picker = api.as_("picker")
    response = picker.post("/api/v1/stock/moves", json=MOVE, key="scan-1")
    assert response.status_code == 201
    body = response.get_json()
    with app.app_context():
        entries = db.session.execute(
            sa.select(LedgerEntry).where(LedgerEntry.movement_id == body["movement_id"]).order_by(LedgerEntry.id)
        ).scalars().all()
        assert [e.id for e in entries] == body["entry_ids"]
        assert [(e.location_id, e.quantity, e.kind) for e in entries] == [
            (world.locations["A-01-01"], -3, "move"), (world.locations["B-01-01"], 3, "move")]
        record = db.session.execute(
            sa.select(IdempotencyRecord).where(IdempotencyRecord.key == "scan-1")).scalar_one()
        assert (record.response_status, record.response_body) == (201, response.get_data(as_text=True))
        assert verify_ledger().ok


def test_a_scan_from_the_dock_is_a_putaway(app, api, world):
    _own_stock(app, world, "RCV-01")
    response = api.as_("picker").post("/api/v1/stock/moves", json={**MOVE, "from_location": "RCV-01"})
    with app.app_context():
        kinds = db.session.execute(sa.select(LedgerEntry.kind).where(
            LedgerEntry.movement_id == response.get_json()["movement_id"])).scalars().all()
    assert kinds == ["putaway", "putaway"]


def test_the_scanned_lot_is_the_one_moved(app, api, world):
    old = _own_stock(app, world, lot="L-OLD")
    new = _own_stock(app, world, lot="L-NEW")
    assert _scan(api, "picker", lot="L-NEW", quantity=2) == (201, None)
    with app.app_context():
        moved = dict(db.session.execute(sa.select(StockQuant.lot_id, StockQuant.quantity).where(
            StockQuant.location_id == world.locations["B-01-01"])).all())
    assert moved == {new: 2} and old not in moved


def test_a_deactivated_user_is_locked_out_at_once_on_the_scan(app, api, world):
    _own_stock(app, world)
    picker = api.as_("picker")
    assert picker.post("/api/v1/stock/moves", json={**MOVE, "quantity": 1}).status_code == 201
    with app.app_context():
        db.session.get(User, world.users["picker"]).active = False
        db.session.commit()
    response = picker.post("/api/v1/stock/moves", json={**MOVE, "quantity": 1})
    assert (response.status_code, response.get_json()["code"]) == (401, "authentication_required")


def test_twenty_handhelds_scanning_the_same_bin_never_oversell(app, world):
    """S5 through the API: 20 threads, each its own client and token, 30 units to take."""
    writers, attempts, stock = 20, 4, 30
    _own_stock(app, world, quantity=stock)
    token = app.test_client().post(
        "/api/v1/auth/token", json={"username": "picker", "password": PASSWORDS["picker"]}
    ).get_json()["token"]
    start = threading.Barrier(writers, timeout=60)
    statuses: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def handheld(n: int) -> None:
        client = app.test_client()
        start.wait()
        for attempt in range(attempts):
            response = client.post(
                "/api/v1/stock/moves", json={**MOVE, "quantity": 1, "to_location": "B-01-01" if n % 2 else "A-01-02"},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"h{n}-{attempt}"},
            )
            with lock:
                statuses.append((response.status_code, (response.get_json() or {}).get("code")))

    threads = [threading.Thread(target=handheld, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert statuses.count((201, None)) == stock, statuses
    assert statuses.count((409, "insufficient_stock")) == writers * attempts - stock, statuses
    with app.app_context():
        on_hand = db.session.execute(
            sa.select(sa.func.sum(StockQuant.quantity), sa.func.min(StockQuant.quantity))
            .where(StockQuant.item_id == world.items["SKU-1"])
        ).one()
        assert tuple(on_hand) == (stock, 0)
        assert verify_ledger().ok
        recorded = db.session.execute(
            sa.select(sa.func.count()).select_from(IdempotencyRecord).where(IdempotencyRecord.key.like("h%"))
        ).scalar_one()
        assert recorded == writers * attempts  # every answer, success or refusal, is on record


def _scan_entries(app) -> int:
    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.document_type == "scan")
        ).scalar_one()


def _racing(app, statement: str, params: dict, request) -> object:
    """Send ``request`` while another transaction has run ``statement`` and not yet committed."""
    answer = []
    with app.app_context(), db.engine.connect() as other:
        other.begin()
        other.execute(sa.text(statement), params)
        racer = threading.Thread(target=lambda: answer.append(request()))
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the scan should wait for the other transaction"
        other.commit()
    racer.join(timeout=30)
    return answer[0]


def _fingerprint(app, body: dict) -> str:
    from wms.api.idempotency import request_fingerprint

    with app.test_request_context("/api/v1/stock/moves", method="POST", json=body):
        return request_fingerprint()


@postgres_only
def test_a_key_used_by_a_racing_request_takes_effect_once(app, api, world):
    _own_stock(app, world)
    picker = api.as_("picker")
    response = _racing(
        app, "INSERT INTO idempotency_record (user_id, key, fingerprint, method, path, response_status, "
        "response_body, created_at) VALUES (:user_id, 'race', :fingerprint, 'POST', '/api/v1/stock/moves', 201, "
        "'{\"first\": true}', now())",
        {"user_id": world.users["picker"], "fingerprint": _fingerprint(app, MOVE)},
        lambda: picker.post("/api/v1/stock/moves", json=MOVE, key="race"),
    )
    assert response.get_json() == {"first": True} and response.headers["Idempotent-Replayed"] == "true"
    assert _scan_entries(app) == 0
    with app.app_context():
        assert verify_ledger().ok


@postgres_only
def test_stock_taken_by_a_racing_request_is_refused_by_the_guard(app, api, world):
    _own_stock(app, world)
    picker = api.as_("picker")
    response = _racing(
        app, "UPDATE stock_quant SET reserved = 9 WHERE location_id = :bin", {"bin": world.locations["A-01-01"]},
        lambda: picker.post("/api/v1/stock/moves", json=MOVE, key="late"),
    )
    assert (response.status_code, response.get_json()["code"]) == (409, "insufficient_stock")
    assert _scan_entries(app) == 0


_BODY = json.dumps(MOVE)


@pytest.mark.parametrize("raw", [
    b"\xef\xbb\xbf" + _BODY.encode(),
    _BODY.encode("utf-16"),
    _BODY.replace(GTIN_1, "\\ud800").encode(),
    _BODY.replace("}", ', "owner": "\\udfff"}').encode(),
], ids=["byte-order-mark", "utf-16", "lone-surrogate-item", "lone-surrogate-owner"])
def test_a_body_the_api_cannot_read_is_refused_whole(app, api, world, raw):
    """Bad input gets a typed 400 and changes nothing."""
    _own_stock(app, world)
    response = api.client.post("/api/v1/stock/moves", data=raw, content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token('picker')}", "Idempotency-Key": "b"})
    assert (response.status_code, response.get_json()["code"]) == (400, "bad_request")
    assert _scan_entries(app) == 0


@postgres_only
def test_a_connection_lost_mid_scan_with_a_key_is_run_again_and_posts_once(app, api, world):
    """The key's record commits with the effect, so the use case may safely run again."""
    import time

    _own_stock(app, world)
    picker = api.as_("picker")
    answer = []
    admin = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    try:
        with app.app_context(), db.engine.connect() as other:
            other.begin()
            other.execute(sa.text("UPDATE stock_quant SET quantity = quantity WHERE location_id = :bin"),
                          {"bin": world.locations["A-01-01"]})  # the scan will wait on this row
            racer = threading.Thread(target=lambda: answer.append(
                picker.post("/api/v1/stock/moves", json=MOVE, key="dropped")))
            racer.start()
            killed = 0
            for _ in range(100):
                time.sleep(0.05)
                with admin.connect() as conn:
                    killed = conn.exec_driver_sql(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'").scalar()
                if killed:
                    break
            assert killed == 1
            time.sleep(0.2)  # the use case runs again and waits on the row in its turn
            other.commit()
        racer.join(timeout=30)
    finally:
        admin.dispose()
    assert answer[0].status_code == 201
    again = picker.post("/api/v1/stock/moves", json=MOVE, key="dropped")
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_data() == answer[0].get_data()
    assert _scan_entries(app) == 2
    with app.app_context():
        assert verify_ledger().ok


# --- PostgreSQL: read once, write once ------------------------------------------------


@contextmanager
def _statements(app, before_write=None):
    """The statements the driver is sent, as (first word, autocommit); ``before_write`` runs
    just before the scan's one write (``WITH ...``) is sent, as if another request came between."""
    import psycopg

    sent: list[tuple[str, bool]] = []
    meanwhile = [before_write] if before_write else []
    running_other = []
    execute = psycopg.Cursor.execute

    def counted(cursor, query, params=None, **kwargs):
        if not running_other:  # not the other request's own statements
            first = (query.decode() if isinstance(query, bytes) else str(query)).split(None, 1)[0].upper()
            if first == "WITH" and meanwhile:
                running_other.append(True)
                try:
                    meanwhile.pop()()
                finally:
                    running_other.clear()
            sent.append((first, cursor.connection.autocommit))
        return execute(cursor, query, params, **kwargs)

    psycopg.Cursor.execute = counted
    try:
        yield sent
    finally:
        psycopg.Cursor.execute = execute


def _meanwhile(app, statement: str, params: dict):
    """Run ``statement`` in a transaction of its own, committed (another request)."""
    def run() -> None:
        with app.app_context(), db.engine.begin() as other:
            other.execute(sa.text(statement), params)
    return run


def _general_path_answered(sent) -> bool:
    """The one write was sent and wrote nothing, and the general path answered after it."""
    return sent[:2] == [("SELECT", True), ("WITH", True)] and len(sent) > 2


def _replayed(picker, body: dict, key: str, first) -> bool:
    again = picker.post("/api/v1/stock/moves", json=body, key=key)
    return again.headers.get("Idempotent-Replayed") == "true" and again.get_data() == first.get_data()


@postgres_only
@pytest.mark.parametrize("key", ["once", None], ids=["keyed", "without-key"])
def test_a_scan_on_postgres_is_read_once_and_written_once(app, api, world, key):
    """The caller with the lookup in one SELECT, the movement with its record in one
    statement, each its own transaction: no BEGIN, no COMMIT, nothing else."""
    _own_stock(app, world)
    picker = api.as_("picker")
    with _statements(app) as sent:
        response = picker.post("/api/v1/stock/moves", json=MOVE, key=key)
    assert response.status_code == 201, response.get_json()
    assert sent == [("SELECT", True), ("WITH", True)]
    with app.app_context():
        record = db.session.execute(sa.select(IdempotencyRecord).where(
            IdempotencyRecord.fingerprint == _fingerprint(app, MOVE))).scalar_one()
        assert (record.key, record.response_status, record.response_body) == (
            key, 201, response.get_data(as_text=True))
        assert verify_ledger().ok
    assert key is None or _replayed(picker, MOVE, key, response)
    assert _scan_entries(app) == 2


@postgres_only
def test_stock_taken_between_the_read_and_the_write_is_refused_as_on_the_general_path(app, api, world):
    _own_stock(app, world)
    picker = api.as_("picker")
    taken = _meanwhile(app, "UPDATE stock_quant SET reserved = 9 WHERE location_id = :bin",
                       {"bin": world.locations["A-01-01"]})
    with _statements(app, before_write=taken) as sent:
        response = picker.post("/api/v1/stock/moves", json=MOVE, key="taken")
    assert (response.status_code, response.get_json()["code"]) == (409, "insufficient_stock")
    assert response.get_json()["errors"]["available"] == 1
    assert _general_path_answered(sent) and _replayed(picker, MOVE, "taken", response)
    assert _scan_entries(app) == 0


@postgres_only
def test_a_bin_taken_out_of_use_between_the_read_and_the_write_is_refused_as_on_the_general_path(app, api, world):
    _own_stock(app, world)
    picker = api.as_("picker")
    closed = _meanwhile(app, "UPDATE location SET active = false WHERE id = :bin",
                        {"bin": world.locations["B-01-01"]})
    with _statements(app, before_write=closed) as sent:
        response = picker.post("/api/v1/stock/moves", json=MOVE, key="closed")
    assert (response.status_code, response.get_json()["code"]) == (409, "location_inactive")
    assert _general_path_answered(sent)
    assert _scan_entries(app) == 0


@postgres_only
def test_a_key_reused_falls_back_to_the_general_path_and_is_answered_as_there(app, api, world):
    _own_stock(app, world)
    picker = api.as_("picker")
    first = picker.post("/api/v1/stock/moves", json=MOVE, key="reused")
    with _statements(app) as sent:
        other = picker.post("/api/v1/stock/moves", json={**MOVE, "quantity": 1}, key="reused")
    assert (other.status_code, other.get_json()["code"]) == (422, "idempotency_key_reused")
    assert _general_path_answered(sent) and _replayed(picker, MOVE, "reused", first)
    assert _scan_entries(app) == 2


@postgres_only
def test_a_key_in_flight_falls_back_to_the_general_path_and_is_answered_as_there(app, api, world):
    from wms.models.idempotency import advisory_lock_id

    _own_stock(app, world)
    picker = api.as_("picker")
    with app.app_context(), db.engine.connect() as other:
        other.begin()  # a request with the key still running holds the key's lock
        other.execute(sa.select(sa.func.pg_advisory_xact_lock(advisory_lock_id(world.users["picker"], "busy"))))
        with _statements(app) as sent:
            response = picker.post("/api/v1/stock/moves", json=MOVE, key="busy")
        other.rollback()
    assert (response.status_code, response.get_json()["code"]) == (409, "idempotency_in_flight")
    assert _general_path_answered(sent)
    assert _scan_entries(app) == 0
    assert picker.post("/api/v1/stock/moves", json=MOVE, key="busy").status_code == 201


@postgres_only
def test_a_login_revoked_is_refused_by_the_scans_own_read(app, api, world):
    _own_stock(app, world)
    picker = api.as_("picker")
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == world.users["picker"])
                           .values(token_version=User.token_version + 1))
        db.session.commit()
    with _statements(app) as sent:
        response = picker.post("/api/v1/stock/moves", json=MOVE, key="revoked")
    assert (response.status_code, response.get_json()["code"]) == (401, "authentication_required")
    assert sent == [("SELECT", True)]
    assert _scan_entries(app) == 0
