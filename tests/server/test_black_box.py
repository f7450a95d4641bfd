"""The server the README starts keeps every request to itself (identity, freshness, keys).

Every test here talks HTTP to ``wms serve`` (two gunicorn workers) with several users
interleaved on the same workers, as a warehouse's handhelds do. Rules: the ledger books
every movement to its caller (L1), a token that was revoked or whose user was switched
off moves nothing, a retry with the same Idempotency-Key never takes effect twice.
"""

from __future__ import annotations

import itertools
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.server.conftest import WORKERS

pytestmark = pytest.mark.slow

_probes = itertools.count()


def probe(name: str) -> str:
    """A unique User-Agent, to find the request's worker in the access log."""
    return f"probe-{name}-{next(_probes)}-{uuid.uuid4().hex[:6]}"


def movable_stock(served, count: int, min_available: int = 10) -> list[dict]:
    """``count`` stock rows in storage bins with free stock to move."""
    rows = served.as_("supervisor").get("/api/v1/stock", params={"page_size": 100}).json()
    rows = [r for r in rows if r["location_code"].startswith(("A", "B", "C", "D")) and r["available"] >= min_available]
    assert len(rows) >= count, "the demo has too little free stock in storage"
    return rows[:count]


def scan(row: dict, to_location: str, quantity: int = 1) -> dict:
    """The body of a handheld's scanned move of ``row``'s stock."""
    return {"item": row["sku"], "from_location": row["location_code"], "to_location": to_location,
            "quantity": quantity, "lot": row["lot_code"], "owner": row["owner_code"]}


def storage_bins(served) -> list[str]:
    rows = served.as_("supervisor").get("/api/v1/locations", params={"page_size": 100}).json()
    return [r["code"] for r in rows if r["type"] == "storage"]


def test_l1_the_ledger_books_every_movement_to_its_caller_across_workers(served):
    """Pickers, supervisors and a clerk interleaved on two workers: the ledger's user is the caller."""
    rows = movable_stock(served, 3)
    bins = storage_bins(served)
    me = {name: served.as_(name).get("/api/v1/auth/me").json()["id"] for name in ("picker", "supervisor", "admin")}

    def one_round(i: int):
        row = rows[i % len(rows)]
        target = next(b for b in bins if b != row["location_code"])
        results = []
        for name in ("picker", "clerk", "supervisor", "admin", "clerk"):
            answer = served.as_(name).post("/api/v1/stock/moves", json=scan(row, target), probe=probe(name))
            results.append((name, answer.status_code, answer.json()))
            back = {**scan(row, row["location_code"]), "from_location": target}
            if answer.status_code == 201:
                undo = served.as_(name).post("/api/v1/stock/moves", json=back)
                results.append((name, undo.status_code, undo.json()))
        return results

    with ThreadPoolExecutor(max_workers=4) as pool:
        rounds = list(pool.map(one_round, range(12)))

    booked = 0
    for name, status, body in (r for one in rounds for r in one):
        if name == "clerk":
            # A clerk may not move stock, whoever used the worker before.
            assert (status, body["code"]) == (403, "permission_denied"), body
            assert "'clerk'" in body["message"] or "clerk" in str(body), body
            continue
        assert status == 201, body
        entries = served.as_("supervisor").get("/api/v1/ledger", params={"movement_id": body["movement_id"]}).json()
        assert len(entries) == 2
        assert {e["user_id"] for e in entries} == {me[name]}, (name, entries)
        booked += 1
    assert booked == 12 * 3 * 2
    assert served.as_("clerk").get("/api/v1/ledger/verify").json()["ok"] is True


def test_a_revoked_token_moves_nothing_on_any_worker(served):
    admin = served.as_("admin")
    username = f"picker-{uuid.uuid4().hex[:6]}"
    created = admin.post("/api/v1/users", json={"username": username, "password": "revoke-me-1234",
                                                "role": "picker"})
    assert created.status_code == 201, created.text
    token = served.login(username, "revoke-me-1234")
    row = movable_stock(served, 1)[0]
    target = next(b for b in storage_bins(served) if b != row["location_code"])
    moved = served.call("POST", "/api/v1/stock/moves", token, json=scan(row, target))
    assert moved.status_code == 201, moved.text
    # Warm both workers with the token, so that a cache of it would be seen.
    for _ in range(2 * WORKERS):
        assert served.call("GET", "/api/v1/auth/me", token).status_code == 200

    assert served.call("POST", "/api/v1/auth/revoke", token).status_code in (200, 204)
    before = served.as_("supervisor").get("/api/v1/stock", params={"location": target, "item": row["sku"]}).json()
    refused = served.on_every_worker(
        lambda p: served.call("POST", "/api/v1/stock/moves", token, probe=p, json=scan(row, target)), "revoked")
    assert {(r.status_code, r.json()["code"]) for r in refused} == {(401, "authentication_required")}
    after = served.as_("supervisor").get("/api/v1/stock", params={"location": target, "item": row["sku"]}).json()
    assert after == before
    # A fresh login works at once, on every worker.
    fresh = served.login(username, "revoke-me-1234")
    answers = served.on_every_worker(lambda p: served.call("GET", "/api/v1/auth/me", fresh, probe=p), "fresh")
    assert {r.status_code for r in answers} == {200}


def test_a_deactivated_users_token_is_refused_on_every_worker(served):
    admin = served.as_("admin")
    username = f"leaver-{uuid.uuid4().hex[:6]}"
    user = admin.post("/api/v1/users", json={"username": username, "password": "leaving-1234", "role": "picker"})
    assert user.status_code == 201, user.text
    token = served.login(username, "leaving-1234")
    for _ in range(2 * WORKERS):
        assert served.call("GET", "/api/v1/auth/me", token).status_code == 200
    switched_off = admin.patch(f"/api/v1/users/{user.json()['id']}", json={"active": False})
    assert switched_off.status_code == 200, switched_off.text
    row = movable_stock(served, 1)[0]
    target = next(b for b in storage_bins(served) if b != row["location_code"])
    refused = served.on_every_worker(
        lambda p: served.call("POST", "/api/v1/stock/moves", token, probe=p, json=scan(row, target)), "inactive")
    assert {r.status_code for r in refused} == {401}


def test_a_read_after_a_committed_write_sees_it_on_every_worker(served):
    row = movable_stock(served, 1, min_available=30)[0]
    target = next(b for b in storage_bins(served) if b != row["location_code"])
    supervisor, picker = served.as_("supervisor"), served.as_("picker")
    query = {"location": row["location_code"], "item": row["sku"], "lot": row["lot_code"]}

    def on_hand(p: str) -> int:
        rows = supervisor.get("/api/v1/stock", params=query, probe=p).json()
        return sum(r["quantity"] for r in rows)

    expected = on_hand(probe("start"))
    probes = []
    for _ in range(6):
        moved = picker.post("/api/v1/stock/moves", json=scan(row, target))
        assert moved.status_code == 201, moved.text
        expected -= 1
        round_probes = [probe("read") for _ in range(2 * WORKERS)]
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            seen = list(pool.map(on_hand, round_probes))
        assert seen == [expected] * len(round_probes)
        ledger = supervisor.get("/api/v1/ledger", params={"movement_id": moved.json()["movement_id"]}).json()
        assert len(ledger) == 2
        probes += round_probes
    assert len(set(served.workers_of(probes).values())) == WORKERS


def test_same_key_with_another_payload_is_refused_and_a_retry_takes_effect_once(served):
    rows = movable_stock(served, 2)
    target = next(b for b in storage_bins(served) if b not in {r["location_code"] for r in rows})
    picker = served.as_("picker")
    key = f"scan-{uuid.uuid4()}"
    first = picker.post("/api/v1/stock/moves", json=scan(rows[0], target), headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    others = served.on_every_worker(lambda p: picker.post(
        "/api/v1/stock/moves", json=scan(rows[1], target), probe=p, headers={"Idempotency-Key": key}), "reuse")
    assert {(o.status_code, o.json()["code"]) for o in others} == {(422, "idempotency_key_reused")}
    agains = served.on_every_worker(lambda p: picker.post(
        "/api/v1/stock/moves", json=scan(rows[0], target), probe=p, headers={"Idempotency-Key": key}), "again")
    assert {(a.status_code, a.headers.get("Idempotent-Replayed")) for a in agains} == {(201, "true")}
    assert all(a.json() == first.json() for a in agains)
    # Another user's same key is another request altogether.
    other_user = served.as_("supervisor").post("/api/v1/stock/moves", json=scan(rows[1], target),
                                               headers={"Idempotency-Key": key})
    assert other_user.status_code == 201, other_user.text


def test_the_same_keyed_scan_sent_at_once_from_many_handhelds_takes_effect_once(served):
    row = movable_stock(served, 1, min_available=20)[0]
    target = next(b for b in storage_bins(served) if b != row["location_code"])
    picker = served.as_("picker")
    query = {"location": target, "item": row["sku"], "lot": row["lot_code"]}
    before = sum(r["quantity"] for r in served.as_("supervisor").get("/api/v1/stock", params=query).json())
    key = f"burst-{uuid.uuid4()}"

    def send(_):
        return picker.post("/api/v1/stock/moves", json=scan(row, target, 3), headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(16)))
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    assert all(a.json()["code"] == "idempotency_in_flight" for a in answers if a.status_code == 409)
    movements = {a.json()["movement_id"] for a in answers if a.status_code == 201}
    assert len(movements) == 1
    after = sum(r["quantity"] for r in served.as_("supervisor").get("/api/v1/stock", params=query).json())
    assert after == before + 3


def test_a_request_that_fails_in_the_database_leaves_its_worker_unharmed(served):
    """An on-hand overflow fails inside the transaction (PostgreSQL: integer out of range,
    SQLite: the check constraint); the next request on the same worker must not inherit it."""
    supervisor = served.as_("supervisor")
    row = movable_stock(served, 1)[0]
    adjustment = {k: row[k] for k in ("item_id", "lot_id", "location_id", "owner_id")}
    adjustment.update(quantity_change=10**9, reason="counted more than expected")
    while True:  # fill the row up to just below the column's limit
        answer = supervisor.post("/api/v1/stock/adjustments", json=adjustment)
        if answer.status_code != 201:
            break
    assert (answer.status_code, answer.json()["code"]) == (422, "value_out_of_range"), answer.text
    bins = [b for b in storage_bins(served) if b != row["location_code"]]

    def fail_then_work(p: str):
        refused = supervisor.post("/api/v1/stock/adjustments", json=adjustment, probe=p)
        # Straight after, on whichever worker: a read and a write go through.
        read = supervisor.get("/api/v1/stock", params={"item": row["sku"]})
        moved = supervisor.post("/api/v1/stock/moves", json=scan(row, bins[0]))
        return refused, read, moved

    rounds = served.on_every_worker(fail_then_work, "fails")
    assert {(f.status_code, f.json()["code"]) for f, _, _ in rounds} == {(422, "value_out_of_range")}
    assert {(r.status_code, m.status_code) for _, r, m in rounds} == {(200, 201)}
    assert served.as_("clerk").get("/api/v1/ledger/verify").json()["ok"] is True
