"""The picker's handheld at the bin (S2 step 1): scans checked one by one before the count,
short or damaged counts, and blind cycle counts (R8) that never show a picker the book."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import GTIN_1, stock_in
from tests.wms.shipping.test_api import BASE, _order
from wms.extensions import db
from wms.models import CountException, PickTask


def _task(api, app, world, number="SO-H1", quantity=2, stock=10):
    with app.app_context():
        stock_in(world, "SKU-1", stock, "A-01-01", lot="LOT-H1")
    _order(api, number, quantity)
    assert api.as_("supervisor").post(f"{BASE}/orders/{number}/allocate").get_json()["fully_allocated"]
    return api.as_("picker").get(f"{BASE}/orders/{number}/pick-list").get_json()[0]


def _check(api, task_id, **scans):
    return api.as_("picker").get(f"{BASE}/tasks/{task_id}/check", query_string=scans)


def _count(api, task_id, **body):
    return api.as_("picker").post(f"{BASE}/tasks/{task_id}/count", json=body)


# --- S2 step 1: a scan checked at the bin, without a count ---------------------------------


def test_s2_matching_scans_at_the_bin_are_confirmed_one_by_one(api, app, world):
    task = _task(api, app, world)
    for scans, checked in [({}, []), ({"location": "A-01-01"}, ["location"]),
                           ({"location": "A-01-01", "item": GTIN_1}, ["location", "item"]),
                           ({"item": "SKU-1", "lot": "LOT-H1"}, ["item", "lot"])]:
        response = _check(api, task["task_id"], **scans)
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"task_id": task["task_id"], "checked": checked}


@pytest.mark.parametrize(("scans", "code"), [
    ({"location": "B-01-01"}, "pick_wrong_location"),
    ({"location": "A-01-01", "item": "SKU-2"}, "pick_wrong_item"),
    ({"location": "A-01-01", "item": "NO-SUCH-CODE"}, "pick_wrong_item"),
    ({"location": "A-01-01", "item": "SKU-1", "lot": "LOT-OTHER"}, "pick_wrong_lot"),
])
def test_s2_a_wrong_scan_gets_the_refusal_the_count_would_give_and_changes_nothing(api, app, world, scans, code):
    task = _task(api, app, world)
    checked = _check(api, task["task_id"], **scans)
    counted = _count(api, task["task_id"], **{"location": "A-01-01", "item": "SKU-1", "lot": "LOT-H1",
                                              **scans, "counted_quantity": 10})
    assert (checked.status_code, checked.get_json()["code"]) == (counted.status_code, counted.get_json()["code"])
    assert checked.get_json()["code"] == code
    with app.app_context():
        assert db.session.get(PickTask, task["task_id"]).status == "open"
        assert db.session.execute(sa.select(sa.func.count()).select_from(CountException)).scalar_one() == 0


def test_s2_a_cancelled_order_or_a_counted_task_is_refused_at_the_check_too(api, app, world):
    task = _task(api, app, world)
    assert _count(api, task["task_id"], location="A-01-01", item="SKU-1", lot="LOT-H1",
                  counted_quantity=10).status_code == 200
    closed = _check(api, task["task_id"], location="A-01-01")
    again = _count(api, task["task_id"], location="A-01-01", item="SKU-1", lot="LOT-H1", counted_quantity=10)
    assert (closed.status_code, closed.get_json()["code"]) == (409, again.get_json()["code"])
    other = _task(api, app, world, number="SO-H2")
    api.as_("supervisor").post(f"{BASE}/orders/SO-H2/cancel", json={"reason": "客户取消"})
    cancelled = _check(api, other["task_id"], location="A-01-01")
    assert cancelled.get_json()["code"] == _count(api, other["task_id"], location="A-01-01", item="SKU-1",
                                                  counted_quantity=1).get_json()["code"]
    assert _check(api, 2**31 - 1).get_json()["code"] == "pick_task_not_found"
    assert api.as_("clerk").get(f"{BASE}/tasks/{task['task_id']}/check").status_code == 403


# --- S2 step 1: short or damaged at the bin ---------------------------------------------------


def test_s2_a_damaged_count_records_its_reason_and_note_and_the_cycle_count_says_so(api, app, world):
    task = _task(api, app, world)
    response = _count(api, task["task_id"], location="A-01-01", item="SKU-1", lot="LOT-H1", counted_quantity=7,
                      reason="damaged", note="3 件外箱压坏")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["reason"]) == ("exception", "damaged")
    with app.app_context():
        exception = db.session.get(CountException, body["count_exception_id"])
        assert (exception.reason, exception.note, exception.counted_quantity) == ("damaged", "3 件外箱压坏", 7)
    listed = api.as_("supervisor").get(f"{BASE}/cycle-counts").get_json()
    assert listed[0]["reason"] == "Damaged units on SO-H1: book 10, counted 7; 3 件外箱压坏"


def test_s2_a_count_difference_is_short_by_default(api, app, world):
    task = _task(api, app, world)
    body = _count(api, task["task_id"], location="A-01-01", item="SKU-1", lot="LOT-H1",
                  counted_quantity=4).get_json()
    assert body["reason"] == "short"
    with app.app_context():
        exception = db.session.get(CountException, body["count_exception_id"])
        assert (exception.reason, exception.note) == ("short", None)
    assert api.as_("supervisor").get(f"{BASE}/cycle-counts").get_json()[0]["reason"].startswith(
        "Count difference on SO-H1")


@pytest.mark.parametrize("body", [{"reason": "lost"}, {"note": "x" * 201}])
def test_s2_an_unknown_reason_or_a_long_note_is_refused_and_counts_nothing(api, app, world, body):
    task = _task(api, app, world)
    response = _count(api, task["task_id"], location="A-01-01", item="SKU-1", lot="LOT-H1", counted_quantity=4,
                      **body)
    assert (response.status_code, response.get_json()["code"]) == (422, "validation_failed")
    with app.app_context():
        assert db.session.get(PickTask, task["task_id"]).status == "open"
