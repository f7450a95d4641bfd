"""The scan's fast path on PostgreSQL answers exactly as the general path does (L1, S5, R7).

``POST /stock/moves`` tries ``wms.services.scan_fast_path`` first on PostgreSQL and falls
back to the general path for anything but the plain case. These tests run the same
scans both ways and compare what was written and answered; on SQLite the fast path is
never tried, and the tests check the general path gives the same answers there.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import jsonify

from tests.conftest import ON_POSTGRES
from tests.factories import GTIN_1, PASSWORDS, stock_in
from wms.api.schemas import MovementResultSchema
from wms.api.stock.routes import render_movement_result
from wms.extensions import db
from wms.models import IdempotencyRecord, LedgerEntry, StockQuant, User
from wms.models.types import utcnow
from wms.services import scan_fast_path
from wms.services.stock import MovementResult, verify_ledger

MOVE = {"item": GTIN_1, "from_location": "A-01-01", "to_location": "B-01-01", "quantity": 3}
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="the fast path runs on PostgreSQL only")


@pytest.fixture
def fast_path_answers(monkeypatch):
    """Record what each fast path attempt answered: a body, or None (fell back)."""
    answers: list[str | None] = []
    attempt = scan_fast_path.try_move_by_scan

    def spy(call, render):
        answer = attempt(call, render)
        answers.append(answer)
        return answer

    monkeypatch.setattr(scan_fast_path, "try_move_by_scan", spy)
    return answers


@pytest.fixture
def general_path_only(monkeypatch):
    monkeypatch.setattr(scan_fast_path, "try_move_by_scan", lambda call, render: None)


def _scan_entries(app) -> int:
    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.document_type == "scan")
        ).scalar_one()


def _written(app, user_id: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Ledger entries, on-hand rows and call records, without ids and times."""
    with app.app_context():
        entries = db.session.execute(
            sa.select(LedgerEntry.kind, LedgerEntry.item_id, LedgerEntry.lot_id, LedgerEntry.location_id,
                      LedgerEntry.owner_id, LedgerEntry.quantity, LedgerEntry.document_type,
                      LedgerEntry.document_id, LedgerEntry.user_id, LedgerEntry.reason,
                      LedgerEntry.reverses_entry_id)
            .where(LedgerEntry.document_type == "scan").order_by(LedgerEntry.id)
        ).all()
        quants = db.session.execute(
            sa.select(StockQuant.item_id, StockQuant.lot_id, StockQuant.location_id, StockQuant.owner_id,
                      StockQuant.quantity, StockQuant.reserved).order_by(StockQuant.location_id)
        ).all()
        records = db.session.execute(
            sa.select(IdempotencyRecord.user_id, IdempotencyRecord.key, IdempotencyRecord.fingerprint,
                      IdempotencyRecord.method, IdempotencyRecord.path, IdempotencyRecord.response_status)
            .where(IdempotencyRecord.user_id == user_id).order_by(IdempotencyRecord.id)
        ).all()
        return [tuple(r) for r in entries], [tuple(r) for r in quants], [tuple(r) for r in records]


def test_fast_body_is_the_byte_for_byte_body_of_the_general_path(app):
    result = MovementResult("0f" * 16, [41, 42], utcnow())
    with app.test_request_context():
        general = jsonify(MovementResultSchema().dump(result)).get_data(as_text=True)
        assert render_movement_result(result) == general


@postgres_only
def test_plain_scan_takes_the_fast_path_and_writes_movement_and_record(app, api, world, fast_path_answers):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    picker = api.as_("picker")
    response = picker.post("/api/v1/stock/moves", json=MOVE, key="scan-1")
    assert response.status_code == 201
    assert fast_path_answers == [response.get_data(as_text=True)]
    body = response.get_json()
    with app.test_request_context():  # the bytes the general path would have sent
        general = jsonify(MovementResultSchema().dump(MovementResult(
            body["movement_id"], body["entry_ids"], datetime.fromisoformat(body["created_at"])))).get_data()
    assert response.get_data() == general
    with app.app_context():
        entries = db.session.execute(
            sa.select(LedgerEntry).where(LedgerEntry.movement_id == body["movement_id"]).order_by(LedgerEntry.id)
        ).scalars().all()
        assert [e.id for e in entries] == body["entry_ids"]
        assert [(e.location_id, e.quantity, e.kind) for e in entries] == [
            (world.locations["A-01-01"], -3, "move"), (world.locations["B-01-01"], 3, "move")]
        record = db.session.execute(
            sa.select(IdempotencyRecord).where(IdempotencyRecord.key == "scan-1")
        ).scalar_one()
        assert (record.response_status, record.response_body) == (201, response.get_data(as_text=True))
        assert verify_ledger().ok
    # A retry replays the stored answer and moves nothing (the general path answers it).
    again = picker.post("/api/v1/stock/moves", json=MOVE, key="scan-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == response.get_data()
    assert fast_path_answers[-1] is None


@postgres_only
@pytest.mark.parametrize("key", ["same-key", None])
def test_fast_and_general_path_write_the_same(app, api, world, monkeypatch, fast_path_answers, key):
    """L1: the same scans, once each way, leave the same ledger, on-hand and records."""
    scans = [MOVE, {**MOVE, "from_location": "RCV-01", "to_location": "A-01-02", "quantity": 2}]
    written = []
    for way in ("fast", "general"):
        with app.app_context():
            with db.engine.begin() as conn:
                # Triggers off for this cleanup only: the ledger refuses TRUNCATE otherwise (L1).
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                conn.exec_driver_sql("TRUNCATE ledger_entry, stock_quant, idempotency_record CASCADE")
            stock_in(world, "SKU-1", 10, "A-01-01", lot="L-1")
            stock_in(world, "SKU-1", 5, "RCV-01", lot="L-1")
        if way == "general":
            monkeypatch.setattr(scan_fast_path, "try_move_by_scan", lambda call, render: None)
        picker = api.as_("picker")
        bodies = [picker.post("/api/v1/stock/moves", json=scan, key=key and f"{key}-{n}")
                  for n, scan in enumerate(scans)]
        assert [b.status_code for b in bodies] == [201, 201]
        if way == "fast":
            assert fast_path_answers == [b.get_data(as_text=True) for b in bodies]
        written.append(_written(app, world.users["picker"]))
    assert written[0] == written[1]
    assert [e[0] for e in written[0][0]] == ["move", "move", "putaway", "putaway"]


@pytest.mark.parametrize(("scan", "status", "code"), [
    ({**MOVE, "quantity": 11}, 409, "insufficient_stock"),
    ({**MOVE, "from_location": "QA-01"}, 403, "permission_denied"),
    ({**MOVE, "to_location": "CS-01"}, 422, "invalid_movement"),  # R7: own stock stays out of consignment
    ({**MOVE, "to_location": "A-01-01"}, 422, "invalid_movement"),
    ({**MOVE, "to_location": "NOWHERE"}, 404, "unknown_location"),
    ({**MOVE, "item": "SKU-1"}, 201, None),  # a SKU instead of a barcode: resolved step by step
    ({**MOVE, "item": "0000000000000"}, 404, "unknown_barcode"),
    ({**MOVE, "lot": "NO-SUCH-LOT"}, 404, "unknown_lot"),
])
def test_anything_but_the_plain_case_gets_the_general_answer(app, api, world, fast_path_answers, scan, status,
                                                               code):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
        stock_in(world, "SKU-1", 4, "QA-01")
    response = api.as_("picker").post("/api/v1/stock/moves", json=scan, key="k")
    assert (response.status_code, response.get_json().get("code")) == (status, code), response.get_json()
    assert all(answer is None for answer in fast_path_answers)
    if code is not None:
        # The refusal is recorded and replayed like any other (idempotency).
        again = api.as_("picker").post("/api/v1/stock/moves", json=scan, key="k")
        assert again.status_code == status and again.headers["Idempotent-Replayed"] == "true"


def test_two_lots_need_the_lot_scanned_on_both_paths(app, api, world):
    with app.app_context():
        stock_in(world, "SKU-1", 2, "A-01-01", lot="L-OLD")
        stock_in(world, "SKU-1", 2, "A-01-01", lot="L-NEW")
    picker = api.as_("picker")
    refused = picker.post("/api/v1/stock/moves", json=MOVE)
    assert refused.get_json()["code"] == "lot_required"
    moved = picker.post("/api/v1/stock/moves", json={**MOVE, "quantity": 2, "lot": "L-NEW"})
    assert moved.status_code == 201


def test_a_deactivated_user_is_locked_out_at_once_on_the_scan(app, api, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
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
    with app.app_context():
        stock_in(world, "SKU-1", stock, "A-01-01")
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


def _racing(app, statement: str, params: dict, request) -> object:
    """Send ``request`` while another transaction has run ``statement`` and not yet committed.

    The scan's statement waits on that transaction's row or index entry and sees its
    effect once it commits, as a real race between two handhelds would play out.
    """
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


@postgres_only
def test_a_key_used_by_a_racing_request_takes_effect_once(app, api, world, fast_path_answers):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    picker = api.as_("picker")
    response = _racing(
        app, "INSERT INTO idempotency_record (user_id, key, fingerprint, method, path, response_status, "
        "response_body, created_at) VALUES (:user_id, 'race', :fingerprint, 'POST', '/api/v1/stock/moves', 201, "
        "'{\"first\": true}', now())",
        {"user_id": world.users["picker"], "fingerprint": _fingerprint(app, MOVE)},
        lambda: picker.post("/api/v1/stock/moves", json=MOVE, key="race"),
    )
    assert fast_path_answers == [None]  # the record's unique index failed the statement whole
    assert response.get_json() == {"first": True} and response.headers["Idempotent-Replayed"] == "true"
    assert _scan_entries(app) == 0
    with app.app_context():
        assert verify_ledger().ok


@postgres_only
def test_stock_taken_by_a_racing_request_is_refused_by_the_guard(app, api, world, fast_path_answers):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    picker = api.as_("picker")
    response = _racing(
        app, "UPDATE stock_quant SET reserved = 9 WHERE location_id = :bin", {"bin": world.locations["A-01-01"]},
        lambda: picker.post("/api/v1/stock/moves", json=MOVE, key="late"),
    )
    assert fast_path_answers == [None]
    assert (response.status_code, response.get_json()["code"]) == (409, "insufficient_stock")
    assert _scan_entries(app) == 0


def _fingerprint(app, body: dict) -> str:
    from wms.api.idempotency import request_fingerprint

    with app.test_request_context("/api/v1/stock/moves", method="POST", json=body):
        return request_fingerprint()


@postgres_only
def test_the_statement_applies_exactly_the_rules_of_plan_scan_move(app):
    """Every role, place types, owner kind, number of lots, active flags, same place."""
    from itertools import product
    from types import SimpleNamespace

    from wms.domain.locations import OWNER_KINDS, LocationType
    from wms.domain.permissions import Permission, Role, require
    from wms.errors import DomainError
    from wms.services.stock import Place, StockChange, plan_scan_move, prepare_movement

    roles = [role.value for role in Role] + ["nobody"]
    types = [t.value for t in LocationType]
    expected = set()
    for role, source_type, destination_type, owner_kind, lots, source_active, destination_active, same in product(
            roles, types, types, OWNER_KINDS, (0, 1, 2), (True, False), (True, False), (True, False)):
        source = Place(1, source_type, "FROM", source_active)
        destination = Place(1 if same else 2, destination_type, "TO", destination_active)
        candidates = [SimpleNamespace(lot_id=10 + n, owner_id=1, lot_code=f"L{n}", owner_code="O",
                                      owner_kind=owner_kind) for n in range(lots)]
        try:
            require(role, Permission.STOCK_MOVE)
            chosen, kind = plan_scan_move(role, source, destination, candidates, "CODE", 1)
            prepare_movement(1, kind, [StockChange(1, chosen.lot_id, 1, source, destination, 1)])
        except DomainError:
            continue
        expected.add((role, source_type, destination_type, owner_kind, lots, source_active, destination_active,
                      same, kind))
    rules = scan_fast_path.rule_parameters()
    with app.app_context():
        found = db.session.execute(sa.text(f"""
            SELECT s.role, s.source_type, s.destination_type, s.owner_kind, s.lots, s.source_active,
                   s.destination_active, s.source_id = s.destination_id, {scan_fast_path.kind_sql(rules)}
            FROM (SELECT role, source_type, destination_type, owner_kind, lots, source_active, destination_active,
                         1 AS source_id, destination_id
                  FROM unnest(CAST(:roles AS text[])) AS role, unnest(CAST(:types AS text[])) AS source_type,
                       unnest(CAST(:types AS text[])) AS destination_type,
                       unnest(CAST(:kinds AS text[])) AS owner_kind, unnest(ARRAY[0, 1, 2]) AS lots,
                       unnest(ARRAY[true, false]) AS source_active, unnest(ARRAY[true, false]) AS destination_active,
                       unnest(ARRAY[1, 2]) AS destination_id) AS s
            WHERE {scan_fast_path.allowed_sql(rules)}
        """), {"roles": roles, "types": types, "kinds": list(OWNER_KINDS)}).all()
    assert {tuple(row) for row in found} == expected
    assert len(expected) > 50  # the plain cases exist: the comparison is not of two empty sets


def test_the_scan_statement_stays_within_the_drivers_parse_cache():
    """Longer, psycopg parses the 4 kB statement on every scan instead of once."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    assert len(scan_fast_path.SCAN_SQL.encode()) <= MAX_CACHED_STATEMENT_LENGTH


_BODY = json.dumps(MOVE)


@pytest.mark.parametrize("raw", [
    b"\xef\xbb\xbf" + _BODY.encode(),
    _BODY.encode("utf-16"),
    _BODY.replace(GTIN_1, "\\ud800").encode(),
    _BODY.replace("}", ', "owner": "\\udfff"}').encode(),
], ids=["byte-order-mark", "utf-16", "lone-surrogate-item", "lone-surrogate-owner"])
def test_a_body_the_api_cannot_read_is_refused_whole_on_both_paths(app, api, world, fast_path_answers, raw):
    """Bad input gets a typed 400 and changes nothing; the fast path reads bodies as the general path does."""
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    response = api.client.post("/api/v1/stock/moves", data=raw, content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token('picker')}", "Idempotency-Key": "b"})
    assert (response.status_code, response.get_json()["code"]) == (400, "bad_request")
    assert all(answer is None for answer in fast_path_answers)
    assert _scan_entries(app) == 0


@postgres_only
def test_a_connection_lost_mid_scan_with_a_key_falls_back_and_posts_once(app, api, world, fast_path_answers):
    """The key's record commits with the effect, so the general path may safely run or replay."""
    import time

    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
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
            time.sleep(0.2)  # the general path now waits on the row in its turn
            other.commit()
        racer.join(timeout=30)
    finally:
        admin.dispose()
    assert fast_path_answers == [None]
    assert answer[0].status_code == 201
    again = picker.post("/api/v1/stock/moves", json=MOVE, key="dropped")
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_data() == answer[0].get_data()
    assert _scan_entries(app) == 2
    with app.app_context():
        assert verify_ledger().ok
