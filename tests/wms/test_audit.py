"""The audit trail (issue 12, the supervisor's screens): who did what, when, from which device.

Each mutating call leaves one row in its own transaction (user, action in the warehouse's
words, document, device from X-Device-Id/X-Device-Name, outcome); a refusal (S4's
second person) is on record too; logins and logouts are; a malformed device header is
refused before anything runs; only supervisors (and admins) search, newest first.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.factories import GTIN_1, PASSWORDS, stock_in
from tests.wms.receiving.helpers import make_document
from wms.domain.audit import (
    ACTION_NAMES,
    ACTIONS,
    ActionSpec,
    action_spec,
    document_reference,
    valid_device_id,
)
from wms.extensions import db
from wms.models import AuditEntry, LedgerEntry
from wms.models.types import utcnow

PDA = "3f9a1c2e-7b4d-4e8a-9c1f-0a2b3c4d5e6f"
AUDIT = "/api/v1/audit"


def headers(api, role: str, *, device: str | None = PDA, name: str | None = "PDA-07", key: str | None = None):
    result = {"Authorization": f"Bearer {api.token(role)}"}
    if device is not None:
        result["X-Device-Id"] = device
    if name is not None:
        result["X-Device-Name"] = quote(name)
    if key is not None:
        result["Idempotency-Key"] = key
    return result


def entries(app) -> list[AuditEntry]:
    with app.app_context():
        return db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()


def search(api, role: str = "supervisor", **filters):
    response = api.client.get(AUDIT, query_string=filters, headers=headers(api, role))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_action_names_a_mutating_operation_and_others_keep_their_endpoints_name(app):
    """The table names real operations; one not in it yet is still recorded, under its endpoint."""
    mutating = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}:
            if rule.rule.startswith("/api/"):
                mutating.add(f"{rule.endpoint} {method}")
    assert sorted(set(ACTIONS) - mutating) == [], "an action of an operation that is gone"
    assert sorted(mutating - set(ACTIONS)) == [], "an operation without its action in the warehouse's words"
    assert all(name.islower() and " " not in name for name in ACTION_NAMES)
    assert action_spec("reports.DayClose POST") == ActionSpec("reports.dayclose.post")


def test_the_document_comes_from_the_path_or_the_answer():
    order = ActionSpec("order.ship", "order")
    assert document_reference(order, {"number": "SO-1"}, {"number": "ignored"}) == "SO-1"
    receipt = ActionSpec("receipt.post", "inbound", "document_number")
    assert document_reference(receipt, {"receipt_id": 7}, {"document_number": "PO-9"}) == "PO-9"
    assert document_reference(receipt, {"receipt_id": 7}, None) == "7"
    created = ActionSpec("hold.issue", "hold")
    assert document_reference(created, {}, {"number": "HOLD-000001"}) == "HOLD-000001"
    assert document_reference(ActionSpec("stock.move"), {}, {"number": "x"}) is None
    assert valid_device_id(PDA) and not valid_device_id("short") and not valid_device_id("a b c d e f g h")


def test_a_receivers_calls_are_recorded_with_device_and_document(app, api, world):
    """Start a receipt, receive a line (the receipt names its inbound document, R3)."""
    with app.app_context():
        document = make_document(world, {"SKU-1": 5}, number="PO-AUDIT-1")
    receipt = api.client.post("/api/v1/receipts", json={"document": document.number},
                              headers=headers(api, "receiver", name="拣货-07", key="r-1"))
    assert receipt.status_code == 201, receipt.get_json()
    line = api.client.post(f"/api/v1/receipts/{receipt.get_json()['id']}/lines",
                           json={"code": "SKU-1", "quantity": 5, "packaging": "intact"},
                           headers=headers(api, "receiver", name="拣货-07"))
    assert line.status_code == 201, line.get_json()
    rows = [e for e in entries(app) if e.action.startswith("receipt.")]
    assert [(r.action, r.document_type, r.document_number, r.device_id, r.device_name, r.status) for r in rows] == [
        ("receipt.start", "inbound", "PO-AUDIT-1", PDA, "拣货-07", 201),
        ("receipt.receive_line", "receipt", str(receipt.get_json()["id"]), PDA, "拣货-07", 201),
    ]
    assert rows[0].user_id == world.users["receiver"] and rows[0].idempotency_key == "r-1"
    # a replay of the keyed call is the same action: no second row
    again = api.client.post("/api/v1/receipts", json={"document": document.number},
                            headers=headers(api, "receiver", name="拣货-07", key="r-1"))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len([e for e in entries(app) if e.action == "receipt.start"]) == 1


def test_a_scan_move_and_a_hold_are_recorded_and_searchable(app, api, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "RCV-01")
    move = api.client.post("/api/v1/stock/moves", json={
        "item": GTIN_1, "from_location": "RCV-01", "to_location": "A-01-01", "quantity": 2},
        headers=headers(api, "receiver", key="scan-1"))
    assert move.status_code == 201, move.get_json()
    hold = api.client.post("/api/v1/shipping/holds", json={"scope": "item", "item": "SKU-2", "reason": "召回"},
                           headers=headers(api, "supervisor", device="DESK-0001", name="主管台"))
    assert hold.status_code == 201, hold.get_json()
    number = hold.get_json()["number"]
    found = search(api, document=number)["entries"]
    assert [(e["action"], e["username"], e["device_name"], e["status"]) for e in found] == [
        ("hold.issue", "supervisor", "主管台", 201)]
    moves = search(api, action="stock.move", device="PDA-07")["entries"]
    assert [(e["username"], e["device_id"], e["document_number"]) for e in moves] == [("receiver", PDA, None)]
    with app.app_context():  # the move and its row were written together
        assert db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one() >= 2


def test_a_refusal_is_recorded_with_its_code_and_changes_nothing_else(app, api, world):
    """S4: the writer of a release notice may not confirm it; that refusal is on the trail."""
    hold = api.client.post("/api/v1/shipping/holds", json={"scope": "item", "item": "SKU-2", "reason": "召回"},
                           headers=headers(api, "supervisor")).get_json()
    release = api.client.post("/api/v1/shipping/releases", json={"hold": hold["number"], "reason": "查明"},
                              headers=headers(api, "supervisor")).get_json()
    refused = api.client.post(f"/api/v1/shipping/releases/{release['number']}/confirm",
                              headers=headers(api, "supervisor"))
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "release_needs_second_person"
    keyed = api.client.post(f"/api/v1/shipping/releases/{release['number']}/confirm",
                            headers=headers(api, "supervisor", key="confirm-1"))
    assert keyed.get_json()["code"] == "release_needs_second_person"
    rows = search(api, action="release.confirm")["entries"]
    assert [(r["status"], r["error_code"], r["document_number"]) for r in rows] == [
        (refused.status_code, "release_needs_second_person", release["number"])] * 2
    # a denied caller's call is on record too, by the caller who tried
    denied = api.client.post("/api/v1/shipping/holds", json={"scope": "item", "item": "SKU-2", "reason": "x"},
                             headers=headers(api, "picker"))
    assert denied.status_code == 403
    assert [(r["username"], r["error_code"]) for r in search(api, action="hold.issue", user="picker")["entries"]] == [
        ("picker", "permission_denied")]


def test_logins_and_logouts_are_on_the_trail(app, api, world, client):
    response = client.post("/api/v1/auth/session", json={"username": "receiver", "password": PASSWORDS["receiver"]},
                           headers={"X-Device-Id": PDA, "X-Device-Name": "PDA-07"})
    assert response.status_code == 201
    csrf = response.get_json()["csrf_token"]
    out = client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": csrf, "X-Device-Id": PDA})
    assert out.status_code == 204
    wrong = client.post("/api/v1/auth/token", json={"username": "receiver", "password": "wrong"})
    assert wrong.status_code == 401
    rows = search(api, user="receiver", device=PDA)["entries"]
    assert [r["action"] for r in rows] == ["auth.logout", "auth.login"]  # newest first; a failure is not a row
    assert rows[1]["device_name"] == "PDA-07" and rows[1]["status"] == 201


@pytest.mark.parametrize(("name", "value"), [
    ("X-Device-Id", "short"), ("X-Device-Id", "has spaces in it"), ("X-Device-Id", "x" * 65),
    ("X-Device-Name", "%FF%FE"), ("X-Device-Name", "x" * 41), ("X-Device-Name", "%0A"),
])
def test_a_malformed_device_header_is_refused_and_nothing_happens(app, api, world, name, value):
    call = headers(api, "supervisor")
    before = len(entries(app))
    call[name] = value
    response = api.client.post("/api/v1/shipping/holds", json={"scope": "item", "item": "SKU-2", "reason": "x"},
                               headers=call)
    assert response.status_code == 400
    assert response.get_json()["code"] == "device_header_invalid"
    assert response.get_json()["errors"] == {"header": name}
    assert len(entries(app)) == before
    assert api.client.get("/api/v1/shipping/holds", headers=headers(api, "supervisor")).get_json() == []
    login = api.client.post("/api/v1/auth/token", json={"username": "receiver", "password": PASSWORDS["receiver"]},
                            headers={name: value})
    assert login.status_code == 400 and login.get_json()["code"] == "device_header_invalid"


def test_a_call_without_device_headers_is_recorded_with_none(app, api, world):
    assert api.as_("admin").post("/api/v1/suppliers", json={"code": "S-A", "name": "甲"}).status_code == 201
    row = entries(app)[-1]
    assert (row.action, row.document_number, row.device_id, row.device_name) == ("supplier.create", "S-A", None, None)


def test_only_supervisors_search_and_the_filters_hold(app, api, world):
    for code in ("S-1", "S-2", "S-3"):
        assert api.client.post("/api/v1/suppliers", json={"code": code, "name": code},
                               headers=headers(api, "admin", name="OFFICE-1")).status_code == 201
    for role in ("receiver", "picker", "shipper", "clerk"):
        denied = api.client.get(AUDIT, headers=headers(api, role))
        assert denied.status_code == 403 and denied.get_json()["code"] == "permission_denied"
    assert api.client.get(AUDIT).status_code == 401
    everything = search(api, action="supplier")
    assert [e["document_number"] for e in everything["entries"]] == ["S-3", "S-2", "S-1"]  # newest first
    page = search(api, action="supplier", limit=2)
    assert [e["document_number"] for e in page["entries"]] == ["S-3", "S-2"] and page["more"] is True
    rest = search(api, action="supplier", limit=2, offset=2)
    assert [e["document_number"] for e in rest["entries"]] == ["S-1"] and rest["more"] is False
    assert search(api, user="admin", device="OFFICE-1", document="S-2")["entries"][0]["action"] == "supplier.create"
    assert search(api, user="nobody")["entries"] == []
    now = utcnow()
    later = (now + timedelta(hours=1)).isoformat()
    assert search(api, **{"from": later, "action": "supplier"})["entries"] == []
    assert len(search(api, **{"to": later, "action": "supplier"})["entries"]) == 3
    assert search(api, role="admin", action="supplier.create", limit=1)["entries"][0]["document_number"] == "S-3"
    bad = api.client.get(AUDIT, query_string={"limit": 0}, headers=headers(api, "supervisor"))
    assert bad.status_code == 422


def test_the_search_walks_an_index(app, world):
    """Each filter has an index led by its column and ending in the time (newest first)."""
    with app.app_context():
        indexes = {tuple(c.name for c in index.columns) for index in AuditEntry.__table__.indexes}
    for column in ("user_id", "action", "document_number", "device_id", "device_name"):
        assert (column, "at") in indexes
    assert ("at",) in indexes


def test_days_are_the_warehouses(app, api, world):
    """A day filter is the warehouse's day (Asia/Shanghai), not UTC's."""
    assert api.as_("admin").post("/api/v1/suppliers", json={"code": "S-D", "name": "丁"}).status_code == 201
    with app.app_context():
        from wms.services.warehouse_day import warehouse_today
        today = warehouse_today()
    page = search(api, from_date=today.isoformat(), to_date=today.isoformat(), action="supplier")
    assert [e["document_number"] for e in page["entries"]] == ["S-D"] and page["time_zone"] == "Asia/Shanghai"
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert search(api, from_date=tomorrow, action="supplier")["entries"] == []
    assert search(api, to_date=(today - timedelta(days=1)).isoformat(), action="supplier")["entries"] == []
