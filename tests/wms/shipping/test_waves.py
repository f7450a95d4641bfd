"""A wave's state follows the real pick flow through the WAVE table: released when
created, picking from its first count, picked when no task is open, picking again when a
short line is allocated anew; cancelled by a supervisor or with all its orders; listed
by state and picker for the handheld; set for existing waves by its migration.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import stock_in
from tests.wms.shipping.conftest import row_book, two_orders_in_a_wave
from wms.domain.shipping import WaveStatus
from wms.errors import OrderStateInvalid
from wms.extensions import db
from wms.models import Wave
from wms.services import shipping
from wms.services.uow import transaction

BASE = "/api/v1/shipping"


def _status(out, number: str) -> str:
    return shipping.wave_view(out.actor("picker"), number).status


def _count(out, row, counted=None):
    return out.count(row, row_book(row) if counted is None else counted)


def test_a_wave_is_released_then_picking_at_its_first_count_then_picked_when_no_task_is_open(out, world):
    stock_in(world, "SKU-1", 3, "A-01-01")
    stock_in(world, "SKU-1", 3, "A-01-02")
    stock_in(world, "SKU-1", 1, "B-01-01")
    out.order("SO-1", [("SKU-1", 6)])
    out.order("SO-2", [("SKU-1", 1)])
    out.allocate("SO-1")
    out.allocate("SO-2")
    wave = shipping.create_wave(out.actor("supervisor"), ["SO-1", "SO-2"], picker="picker")
    assert (wave.status, wave.orders, wave.picker) == (WaveStatus.RELEASED, ["SO-1", "SO-2"], "picker")

    first, *rest = shipping.pick_list(out.actor("picker"), wave_number=wave.number)
    _count(out, first)
    assert _status(out, wave.number) == WaveStatus.PICKING
    for row in rest:
        _count(out, row)
    assert _status(out, wave.number) == WaveStatus.PICKED
    # the orders go on through the four steps without the wave
    out.verify_all("SO-1")
    assert out.ship("SO-1").status == "shipped"
    assert _status(out, wave.number) == WaveStatus.PICKED


def test_a_count_difference_reallocated_keeps_the_wave_picking_and_a_held_line_reopens_it_when_allocated(
        out, world):
    stock_in(world, "SKU-1", 2, "A-01-01")
    stock_in(world, "SKU-1", 2, "A-01-02")
    out.order("SO-1", [("SKU-1", 2)])
    out.allocate("SO-1")
    wave = shipping.create_wave(out.actor("supervisor"), ["SO-1"], picker="picker")
    [row] = shipping.pick_list(out.actor("picker"), wave_number=wave.number)
    assert _count(out, row, 1).resolution == "reallocated"  # the other bin's stock: a new open task
    assert _status(out, wave.number) == WaveStatus.PICKING
    [row] = shipping.pick_list(out.actor("picker"), wave_number=wave.number)
    assert _count(out, row, 0).resolution == "held"  # nothing else free: held short, no task open
    assert _status(out, wave.number) == WaveStatus.PICKED
    stock_in(world, "SKU-1", 2, "B-01-01")
    out.allocate("SO-1")
    assert _status(out, wave.number) == WaveStatus.PICKING
    [row] = shipping.pick_list(out.actor("picker"), wave_number=wave.number)
    _count(out, row)
    assert _status(out, wave.number) == WaveStatus.PICKED


def test_a_wave_whose_orders_are_all_cancelled_before_any_pick_is_cancelled(out, world):
    wave = two_orders_in_a_wave(out, world)
    shipping.cancel_order(out.actor("supervisor"), "SO-1", "customer cancelled")
    assert _status(out, wave.number) == WaveStatus.RELEASED  # SO-2 is still to pick
    shipping.cancel_order(out.actor("supervisor"), "SO-2", "customer cancelled")
    assert _status(out, wave.number) == WaveStatus.CANCELLED


def test_cancelling_the_last_open_order_of_a_picking_wave_leaves_it_picked(out, world):
    wave = two_orders_in_a_wave(out, world)
    out.count_all("SO-1")
    assert _status(out, wave.number) == WaveStatus.PICKING
    shipping.cancel_order(out.actor("supervisor"), "SO-2", "customer cancelled")
    assert _status(out, wave.number) == WaveStatus.PICKED


def test_a_supervisor_cancels_a_wave_and_its_orders_may_be_waved_again(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 1)])
    out.allocate("SO-1")
    wave = shipping.create_wave(out.actor("supervisor"), ["SO-1"], picker="picker")
    with pytest.raises(OrderStateInvalid) as refused:  # one order, one wave at a time
        shipping.create_wave(out.actor("supervisor"), ["SO-1"])
    assert refused.value.details["wave"] == wave.number
    cancelled = shipping.cancel_wave(out.actor("supervisor"), wave.number)
    assert (cancelled.status, cancelled.orders) == (WaveStatus.CANCELLED, [])
    assert shipping.pick_list(out.actor("picker"), wave_number=wave.number) == []
    again = shipping.create_wave(out.actor("supervisor"), ["SO-1"], picker="picker")
    assert (again.status, again.orders) == (WaveStatus.RELEASED, ["SO-1"])
    assert len(shipping.pick_list(out.actor("picker"), wave_number=again.number)) == 1


def test_over_http_a_picker_lists_the_waves_still_to_pick_with_their_state(api, app, world):
    with app.app_context():
        stock_in(world, "SKU-1", 10, "A-01-01")
    for number in ("SO-1", "SO-2"):
        api.as_("clerk").post(f"{BASE}/orders", json={
            "number": number, "recipient_name": "张三丰", "lines": [{"item": "SKU-1", "quantity": 1}]})
        api.as_("supervisor").post(f"{BASE}/orders/{number}/approve")
        api.as_("supervisor").post(f"{BASE}/orders/{number}/allocate")
    supervisor = api.as_("supervisor")
    mine = supervisor.post(f"{BASE}/waves", json={"orders": ["SO-1"], "picker": "picker"}).get_json()
    other = supervisor.post(f"{BASE}/waves", json={"orders": ["SO-2"]}).get_json()
    assert mine["status"] == other["status"] == "released"
    still_to_pick = f"{BASE}/waves?status=released&status=picking&picker=picker"
    listed = api.as_("picker").get(still_to_pick)
    assert listed.status_code == 200
    assert [(w["number"], w["status"], w["orders"]) for w in listed.get_json()] == [
        (mine["number"], "released", ["SO-1"])]
    assert [w["number"] for w in api.as_("picker").get(f"{BASE}/waves").get_json()] == [
        other["number"], mine["number"]]
    assert api.as_("picker").get(f"{BASE}/waves?status=shelved").status_code == 422
    assert api.as_("picker").post(f"{BASE}/waves/{mine['number']}/cancel").status_code == 403
    cancelled = supervisor.post(f"{BASE}/waves/{mine['number']}/cancel", key="cancel-w")
    assert (cancelled.status_code, cancelled.get_json()["status"]) == (200, "cancelled")
    assert api.as_("picker").get(still_to_pick).get_json() == []
    again = supervisor.post(f"{BASE}/waves/{mine['number']}/cancel")
    assert (again.status_code, again.get_json()["code"]) == (409, "illegal_transition")
    assert again.get_json()["errors"]["expected"] == ["released", "picking"]
    assert api.as_("picker").get(f"{BASE}/waves/W-999999").get_json()["code"] == "wave_not_found"


def test_openapi_lists_the_wave_states(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["components"]["schemas"]["Wave"]["properties"]["status"]["enum"] == [s.value for s in WaveStatus]


def test_the_migration_gives_existing_waves_the_state_their_tasks_imply(out, world):
    path = Path(__file__).resolve().parents[3] / "migrations" / "versions" / "4f8a2c6e1d93_wave_status.py"
    spec = importlib.util.spec_from_file_location("wave_status_revision", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)

    stock_in(world, "SKU-1", 20, "A-01-01")
    for number in ("SO-1", "SO-2", "SO-3", "SO-4", "SO-5"):
        out.order(number, [("SKU-1", 1)])
        out.allocate(number)
    waves = [shipping.create_wave(out.actor("supervisor"), orders).number
             for orders in (["SO-1"], ["SO-2", "SO-3"], ["SO-4"], ["SO-5"])]
    out.count_all("SO-2")  # picking: SO-3 still open
    out.count_all("SO-4")  # picked
    shipping.cancel_order(out.actor("supervisor"), "SO-5", "customer cancelled")
    by_the_services = {n: _status(out, n) for n in waves}
    assert list(by_the_services.values()) == ["released", "picking", "picked", "cancelled"]
    with transaction():
        db.session.execute(sa.update(Wave).values(status="released"))
        db.session.execute(sa.text(revision.BACKFILL))
    db.session.expire_all()
    assert {n: _status(out, n) for n in waves} == by_the_services
