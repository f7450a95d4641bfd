"""Rule L2 over the API and the command line: list, close and reopen a day; a dated adjustment."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from tests.factories import stock_in
from wms.extensions import db
from wms.models import User
from wms.models.audit import AuditEntry
from wms.services import warehouse_day


def warehouse_today():
    return warehouse_day.utcnow().astimezone(warehouse_day.ZoneInfo("Asia/Shanghai")).date()


def test_l2_the_clerk_closes_a_day_and_only_a_supervisor_reopens_it(app, api, world):
    today = warehouse_today().isoformat()
    listed = api.as_("clerk").get("/api/v1/days?days=3")
    assert listed.status_code == 200, listed.get_json()
    assert [(d["day"], d["closed"], d["open_day"]) for d in listed.get_json()] == [
        (today, False, True), ((warehouse_today() - timedelta(days=1)).isoformat(), False, False),
        ((warehouse_today() - timedelta(days=2)).isoformat(), False, False)]
    closed = api.as_("clerk").post(f"/api/v1/days/{today}/close", json={"warehouse": "WH1"}, key="close-1")
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["closed"] and closed.get_json()["closed_by"] == "clerk"
    again = api.as_("clerk").post(f"/api/v1/days/{today}/close", json={"warehouse": "WH1"}, key="close-1")
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    twice = api.as_("clerk").post(f"/api/v1/days/{today}/close", json={}, key="close-2")
    assert twice.status_code == 409 and twice.get_json()["code"] == "day_not_closable"
    refused = api.as_("clerk").post(f"/api/v1/days/{today}/reopen", json={"reason": "typo"}, key="r-1")
    assert refused.status_code == 403
    reopened = api.as_("supervisor").post(f"/api/v1/days/{today}/reopen", json={"reason": "typo"}, key="r-2")
    assert reopened.status_code == 200, reopened.get_json()
    assert [e["action"] for e in reopened.get_json()["events"]] == ["close", "reopen"]
    assert reopened.get_json()["events"][1]["reason"] == "typo"
    bad = api.as_("clerk").post("/api/v1/days/2026-13-01/close", json={}, key="close-3")
    assert bad.status_code == 422 and bad.get_json()["code"] == "invalid_input"
    unknown = api.as_("clerk").post(f"/api/v1/days/{today}/close", json={"warehouse": "NOPE"}, key="close-4")
    assert unknown.status_code == 404


def test_l2_an_adjustment_dated_into_a_closed_day_is_refused_over_the_api(app, api, world):
    with app.app_context():
        lot = stock_in(world, "SKU-1", 5)
    yesterday = (warehouse_today() - timedelta(days=1)).isoformat()
    assert api.as_("clerk").post(f"/api/v1/days/{yesterday}/close", json={}, key="c").status_code == 200
    body = {"item_id": world.items["SKU-1"], "lot_id": lot, "location_id": world.locations["A-01-01"],
            "owner_id": world.owners["OWN"], "quantity_change": -1, "reason": "broken",
            "business_day": yesterday}
    refused = api.client.post("/api/v1/stock/adjustments", json=body, headers={
        "Authorization": f"Bearer {api.token('supervisor')}", "Idempotency-Key": "a-1", "Accept-Language": "zh-CN"})
    assert refused.status_code == 409 and refused.get_json()["code"] == "day_closed"
    assert "已结账" in refused.get_json()["message"]
    body["business_day"] = warehouse_today().isoformat()
    assert api.as_("supervisor").post("/api/v1/stock/adjustments", json=body, key="a-2").status_code == 201
    entries = api.as_("clerk").get(f"/api/v1/ledger?business_day={body['business_day']}").get_json()
    assert len(entries) == 4 and {e["business_day"] for e in entries} == {body["business_day"]}
    assert api.as_("clerk").get(f"/api/v1/ledger?business_day={yesterday}").get_json() == []


def test_l2_the_night_job_closes_the_day_from_the_command_line(app, world, runner):
    today = warehouse_today().isoformat()
    result = runner.invoke(args=["day", "close", "--date", today])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["closed"] is True
    result = runner.invoke(args=["day", "close", "--date", today])
    assert result.exit_code == 1 and "day_not_closable" in result.output
    result = runner.invoke(args=["day", "reopen", "--date", today, "--reason", "late receipt", "--user", "clerk"])
    assert result.exit_code == 1 and "permission_denied" in result.output
    result = runner.invoke(args=["day", "reopen", "--date", today, "--reason", "late receipt",
                                 "--user", "supervisor"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["day", "list", "--days", "2"])
    assert result.exit_code == 0
    assert [json.loads(line)["closed"] for line in result.output.splitlines()] == [False, False]
    assert runner.invoke(args=["day", "close", "--date", "not-a-day"]).exit_code == 2
    with app.app_context():  # the trail names who closed and reopened it from the command line
        rows = db.session.execute(sa.select(AuditEntry.action, AuditEntry.document_number, AuditEntry.method,
                                            AuditEntry.device_name, User.username)
                                  .join(User, User.id == AuditEntry.user_id).order_by(AuditEntry.id)).all()
    assert [tuple(r) for r in rows] == [("day.close", today, "CLI", "command line", "admin"),
                                        ("day.reopen", today, "CLI", "command line", "supervisor")]
