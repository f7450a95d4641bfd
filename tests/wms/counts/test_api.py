"""R8 cycle counts through the API and the night job's command: a supervisor orders a
count, a picker counts it blind (never told the book), another recounts, the supervisor
approves, and the day's difference report gives book, bin card and physical."""

from __future__ import annotations

import json

from tests.factories import stock_in

BASE = "/api/v1/shipping/cycle-counts"


def test_r8_a_count_ordered_counted_blind_recounted_approved_and_reported(api, app, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    refused = api.as_("picker").post(BASE, json={"scope": "bin", "location": "A-01-01", "reason": "spot"})
    assert refused.status_code == 403
    created = api.as_("supervisor").post(BASE, json={"scope": "bin", "location": "A-01-01", "reason": "spot"})
    assert created.status_code == 201, created.get_json()
    [task] = created.get_json()
    assert (task["location"], task["sku"], task["status"], task["origin"]) == ("A-01-01", "SKU-1", "open", "supervisor")

    wrong = api.as_("picker").post(f"{BASE}/{task['id']}/start", json={"location": "B-01-01"})
    assert (wrong.status_code, wrong.get_json()["code"]) == (422, "pick_wrong_location")
    started = api.as_("picker").post(f"{BASE}/{task['id']}/start", json={"location": "A-01-01"}).get_json()
    assert started["status"] == "started" and "book_quantity" not in started

    first = api.as_("picker").post(f"{BASE}/{task['id']}/count",
                                   json={"location": "A-01-01", "item": "SKU-1", "counted_quantity": 6})
    assert first.get_json() == {"id": task["id"], "status": "recount", "difference_found": True}
    again = api.as_("picker").post(f"{BASE}/{task['id']}/count",
                                   json={"location": "A-01-01", "item": "SKU-1", "counted_quantity": 6})
    assert (again.status_code, again.get_json()["code"]) == (409, "recount_needs_other_counter")
    listed = api.as_("shipper").get(BASE, query_string={"status": "recount", "location": "A-01-01"}).get_json()
    assert [t["id"] for t in listed] == [task["id"]] and "book_quantity" not in listed[0]
    second = api.as_("shipper").post(f"{BASE}/{task['id']}/count",
                                     json={"location": "A-01-01", "item": "SKU-1", "counted_quantity": 6})
    assert second.get_json()["status"] == "counted"

    report = api.as_("clerk").get(f"{BASE}/differences").get_json()
    assert [(r["task_id"], r["book"], r["bin_card"], r["counted"], r["difference"], r["status"]) for r in report] == [
        (task["id"], 10, 10, 6, -4, "counted")]
    assert api.as_("picker").get(f"{BASE}/differences").status_code == 403
    assert api.as_("clerk").post(f"{BASE}/{task['id']}/approve").status_code == 403

    approved = api.as_("supervisor").post(f"{BASE}/{task['id']}/approve").get_json()
    assert (approved["status"], approved["difference"], approved["decided_by"]) == ("done", -4, "supervisor")
    stock = api.as_("supervisor").get("/api/v1/stock", query_string={"location": "A-01-01", "item": "SKU-1"})
    assert [row["quantity"] for row in stock.get_json()] == [6]
    twice = api.as_("supervisor").post(f"{BASE}/{task['id']}/approve")
    assert (twice.status_code, twice.get_json()["code"]) == (409, "illegal_transition")
    [row] = api.as_("clerk").get(f"{BASE}/differences").get_json()
    assert (row["status"], row["movement_id"]) == ("done", approved["movement_id"])


def test_r8_the_night_job_plans_counts_and_a_second_run_creates_none(app, world, runner):
    app.config.update(COUNT_PLAN_RULE="bins")
    with app.app_context():
        stock_in(world, "SKU-1", 3, "A-01-01")
    first = runner.invoke(args=["counts", "plan", "--date", "2026-12-03"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {"warehouse": "WH1", "day": "2026-12-03", "rule": "bins", "created": 3}
    second = runner.invoke(args=["counts", "plan", "--date", "2026-12-03"])
    assert json.loads(second.output)["created"] == 0
    unknown = runner.invoke(args=["counts", "plan", "--warehouse", "NOPE"])
    assert unknown.exit_code == 1
