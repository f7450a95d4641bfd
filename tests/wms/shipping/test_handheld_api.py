"""The picker's handheld at the bin (S2 step 1): scans checked one by one before the count,
short or damaged counts, and blind cycle counts (R8) that never show a picker the book."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import GTIN_1, stock_in
from tests.wms.shipping.test_api import BASE, _order
from wms.extensions import db
from wms.models import CountException, CycleCountTask, PickTask


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


def test_r8_a_pickers_count_answer_never_tells_the_book_quantity(api, app, world):
    task = _task(api, app, world)
    body = _count(api, task["task_id"], location="A-01-01", item="SKU-1", lot="LOT-H1",
                  counted_quantity=4).get_json()
    assert (body["book_quantity"], body["counted_quantity"]) == (None, 4)
    assert body["status"] == "exception"  # a difference was found: the service knows the book
    seen = api.as_("supervisor").get(f"{BASE}/cycle-counts").get_json()[0]
    assert "book 10" in seen["reason"]


@pytest.mark.parametrize("body", [{"reason": "lost"}, {"note": "x" * 201}])
def test_s2_an_unknown_reason_or_a_long_note_is_refused_and_counts_nothing(api, app, world, body):
    task = _task(api, app, world)
    response = _count(api, task["task_id"], location="A-01-01", item="SKU-1", lot="LOT-H1", counted_quantity=4,
                      **body)
    assert (response.status_code, response.get_json()["code"]) == (422, "validation_failed")
    with app.app_context():
        assert db.session.get(PickTask, task["task_id"]).status == "open"


# --- R8: blind cycle counts on the handheld ---------------------------------------------------


def _cycle_count(api, app, world, counted_at_pick=7):
    """A cycle count opened by a count difference at A-01-01 (book 10 of SKU-1, 2 reserved)."""
    task = _task(api, app, world)
    body = _count(api, task["task_id"], location="A-01-01", item="SKU-1", lot="LOT-H1",
                  counted_quantity=counted_at_pick).get_json()
    with app.app_context():
        return db.session.execute(sa.select(CycleCountTask.id).where(
            CycleCountTask.count_exception_id == body["count_exception_id"])).scalar_one()


def _blind(api, task_id, role="picker", **body):
    return api.as_(role).post(f"{BASE}/cycle-counts/{task_id}/count",
                              json={"location": "A-01-01", "item": "SKU-1", **body})


def test_r8_a_blind_count_equal_to_the_books_is_done_and_tells_the_picker_no_figures(api, app, world):
    task_id = _cycle_count(api, app, world)
    response = _blind(api, task_id, item=GTIN_1, counted_quantity=10)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"id": task_id, "status": "done", "difference_found": False}
    with app.app_context():
        task = db.session.get(CycleCountTask, task_id)
        assert (task.book_quantity, task.counted_quantity, task.counted_by) == (10, 10, world.users["picker"])
        assert task.counted_at is not None
    # Done: the bin's stock is allocatable again.
    _order(api, "SO-H9", 3)
    assert api.as_("supervisor").post(f"{BASE}/orders/SO-H9/allocate").get_json()["fully_allocated"]


def test_r8_a_difference_waits_counted_for_the_supervisor_who_alone_sees_the_book(api, app, world):
    task_id = _cycle_count(api, app, world)
    answer = _blind(api, task_id, counted_quantity=7).get_json()
    assert answer == {"id": task_id, "status": "counted", "difference_found": True}
    # Counted but not adjusted: still not allocated from.
    _order(api, "SO-H9", 3)
    assert not api.as_("supervisor").post(f"{BASE}/orders/SO-H9/allocate").get_json()["fully_allocated"]

    seen_by_picker = api.as_("picker").get(f"{BASE}/cycle-counts", query_string={"status": "counted"}).get_json()
    assert len(seen_by_picker) == 1
    row = seen_by_picker[0]
    assert not {"book_quantity", "counted_quantity", "counted_by"} & set(row)
    assert (row["difference_found"], row["status"]) == (True, "counted")
    assert "10" not in row["reason"] and row["reason"] == "Count difference on SO-H1"
    opened = api.as_("picker").get(f"{BASE}/cycle-counts").get_json()
    assert opened == []  # nothing open any more

    seen_by_supervisor = api.as_("supervisor").get(f"{BASE}/cycle-counts",
                                                   query_string={"status": "counted"}).get_json()[0]
    assert (seen_by_supervisor["book_quantity"], seen_by_supervisor["counted_quantity"],
            seen_by_supervisor["counted_by"]) == (10, 7, "picker")
    assert seen_by_supervisor["reason"] == "Count difference on SO-H1: book 10, counted 7"

    done = api.as_("supervisor").post(f"{BASE}/cycle-counts/{task_id}/complete")
    assert (done.status_code, done.get_json()["status"]) == (200, "done")


def test_r8_the_open_list_is_blind_for_a_picker_before_the_count_too(api, app, world):
    _cycle_count(api, app, world)
    row = api.as_("picker").get(f"{BASE}/cycle-counts").get_json()[0]
    assert not {"book_quantity", "counted_quantity"} & set(row) and row["difference_found"] is None
    assert "book" not in row["reason"]


@pytest.mark.parametrize(("body", "code"), [({"location": "B-01-01"}, "pick_wrong_location"),
                                            ({"item": "SKU-2"}, "pick_wrong_item"),
                                            ({"item": "NOTHING"}, "pick_wrong_item")])
def test_r8_a_wrong_bin_or_item_at_the_cycle_count_is_refused_and_counts_nothing(api, app, world, body, code):
    task_id = _cycle_count(api, app, world)
    response = _blind(api, task_id, counted_quantity=10, **body)
    assert (response.status_code, response.get_json()["code"]) == (422, code)
    with app.app_context():
        task = db.session.get(CycleCountTask, task_id)
        assert (task.status, task.counted_quantity, task.book_quantity) == ("open", None, None)


def test_r8_a_second_count_is_an_illegal_transition(api, app, world):
    task_id = _cycle_count(api, app, world)
    assert _blind(api, task_id, counted_quantity=7).status_code == 200
    for quantity in (7, 10):
        again = _blind(api, task_id, counted_quantity=quantity)
        assert (again.status_code, again.get_json()["code"]) == (409, "illegal_transition")
    api.as_("supervisor").post(f"{BASE}/cycle-counts/{task_id}/complete")
    again = _blind(api, task_id, role="supervisor", counted_quantity=10)
    assert (again.get_json()["code"], again.get_json()["errors"]["state"]) == ("illegal_transition", "done")
    assert api.as_("clerk").post(f"{BASE}/cycle-counts/{task_id}/count",
                                 json={"location": "A-01-01", "item": "SKU-1", "counted_quantity": 1}
                                 ).status_code == 403
