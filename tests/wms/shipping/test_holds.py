"""Rule S4: hold notices stop shipments in scope from the moment they are recorded;
only a confirmed release notice referencing the hold lifts it."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tests.factories import stock_in
from wms.errors import HoldNotActive, HoldNotFound, HoldScopeInvalid, OrderOnHold, PermissionDenied
from wms.extensions import db
from wms.models import Handover
from wms.services import shipping
from wms.services.shipping_holds import (
    confirm_release,
    holds_for_picker,
    issue_hold,
    list_holds,
    write_release,
)
from wms.services.uow import transaction


def _hold(out, scope="order", **target):
    return issue_hold(out.actor("supervisor"), scope=scope, reason="客户要求暂缓", **target).number


def test_s4_hold_between_verify_and_ship_stops_it(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 2)])
    out.ready_to_ship("SO-1")
    assert out.stage("SO-1") == "verified"
    number = _hold(out, order_number="SO-1")
    with pytest.raises(OrderOnHold) as refused:
        out.ship("SO-1")
    assert refused.value.details["holds"] == [number]
    assert refused.value.details["reasons"] == {number: "客户要求暂缓"}  # the packer is told why
    assert db.session.execute(sa.select(sa.func.count()).select_from(Handover)).scalar_one() == 0
    assert shipping.validity(out.actor("shipper"), "SO-1").code == "order_on_hold"


@pytest.mark.parametrize("scope, target", [
    ("customer", {"customer_code": "CUS-1"}), ("item", {"item_code": "SKU-1"}), ("all", {}),
])
def test_s4_customer_item_and_all_scopes_stop_shipping(out, world, scope, target):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 2)])
    out.ready_to_ship("SO-1")
    _hold(out, scope, **target)
    with pytest.raises(OrderOnHold):
        out.ship("SO-1")


def test_s4_a_hold_out_of_scope_does_not_stop_other_orders(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    stock_in(world, "SKU-2", 5, "A-01-02")
    out.order("SO-1", [("SKU-1", 2)])
    out.order("SO-2", [("SKU-2", 2)], customer=False)
    out.ready_to_ship("SO-1")
    _hold(out, "item", item_code="SKU-2")
    _hold(out, "order", order_number="SO-2")
    out.ship("SO-1")  # neither hold covers SO-1


def test_s4_a_release_that_does_not_reference_the_hold_does_nothing(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 2)])
    out.ready_to_ship("SO-1")
    first = _hold(out, order_number="SO-1")
    second = _hold(out, "customer", customer_code="CUS-1")
    release = write_release(out.actor("supervisor"), hold_number=first, reason="first cleared")
    confirm_release(out.actor("admin"), release.number)
    with pytest.raises(OrderOnHold) as refused:
        out.ship("SO-1")
    assert refused.value.details["holds"] == [second]  # the other hold still stands


def test_s4_an_unconfirmed_release_does_nothing(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 2)])
    out.ready_to_ship("SO-1")
    number = _hold(out, order_number="SO-1")
    write_release(out.actor("supervisor"), hold_number=number, reason="cleared")
    with pytest.raises(OrderOnHold):
        out.ship("SO-1")


def test_s4_a_confirmed_release_referencing_the_hold_resumes_shipping(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 2)])
    out.ready_to_ship("SO-1")
    number = _hold(out, order_number="SO-1")
    release = write_release(out.actor("supervisor"), hold_number=number, reason="payment received")
    assert release.hold == number and release.confirmed_at is None
    confirmed = confirm_release(out.actor("admin"), release.number)  # a second person (S4)
    assert confirmed.confirmed_at is not None
    assert (confirmed.issued_by, confirmed.confirmed_by) == ("supervisor", "admin")
    assert out.ship("SO-1").status == "shipped"
    [held] = list_holds(out.actor("supervisor"), active_only=False)
    assert (held.active, held.release_numbers) == (False, [release.number])
    with pytest.raises(HoldNotActive):
        write_release(out.actor("supervisor"), hold_number=number, reason="again")


def test_s4_holds_are_numbered_documents_with_issuer_reason_and_scope(out, world):
    out.order("SO-1")
    first = issue_hold(out.actor("supervisor"), scope="order", reason="地址有误", order_number="SO-1")
    second = issue_hold(out.actor("admin"), scope="all", reason="盘点停发")
    assert (first.number, second.number) == ("HOLD-000001", "HOLD-000002")
    assert (first.issued_by, first.reason, first.scope, first.order_number) == (
        "supervisor", "地址有误", "order", "SO-1")
    assert first.affected_orders == ["SO-1"]
    with pytest.raises(HoldScopeInvalid):
        issue_hold(out.actor("supervisor"), scope="order", reason="no order named")
    with pytest.raises(HoldNotFound):
        write_release(out.actor("supervisor"), hold_number="HOLD-999999", reason="x")
    with pytest.raises(PermissionDenied):
        issue_hold(out.actor("picker"), scope="all", reason="pickers cannot")
    with pytest.raises(PermissionDenied):
        write_release(out.actor("shipper"), hold_number=first.number, reason="shippers cannot")


def test_s4_the_picker_sees_the_holds_on_their_tasks(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    stock_in(world, "SKU-2", 5, "A-01-02")
    out.order("SO-1", [("SKU-1", 2)])
    out.order("SO-2", [("SKU-2", 2)], customer=False)
    out.allocate("SO-1")
    out.allocate("SO-2")
    wave = shipping.create_wave(out.actor("supervisor"), ["SO-1", "SO-2"], picker="picker")
    number = _hold(out, "item", item_code="SKU-1")
    [seen] = holds_for_picker(out.actor("picker"))
    assert (seen.number, seen.affected_orders) == (number, ["SO-1"])
    assert holds_for_picker(out.actor("picker"), wave.number)[0].number == number
    rows = shipping.pick_list(out.actor("picker"), wave_number=wave.number)
    assert {r.order_number: r.holds for r in rows} == {"SO-1": [number], "SO-2": []}
    assert holds_for_picker(out.actor("shipper")) == []  # nothing assigned to the shipper


def test_s4_a_hold_recorded_while_a_ship_is_waiting_stops_it(app, world):
    """Race: the hold's transaction is open when the ship starts; the ship must see it."""
    from tests.wms.shipping.conftest import Outbound

    with app.app_context():
        out = Outbound(world)
        stock_in(world, "SKU-1", 5, "A-01-01")
        out.order("SO-1", [("SKU-1", 2)])
        out.ready_to_ship("SO-1")
        db.session.remove()

    hold_recorded, let_commit = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def issuer():
        with app.app_context():
            with transaction():
                issue_hold(world.user("supervisor"), scope="order", reason="race", order_number="SO-1")
                hold_recorded.set()
                let_commit.wait(10)
            db.session.remove()

    def shipper():
        with app.app_context():
            hold_recorded.wait(10)
            try:
                Outbound(world).ship("SO-1")
                outcome["ship"] = "shipped"
            except OrderOnHold:
                outcome["ship"] = "held"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issuer), threading.Thread(target=shipper)]
    for thread in threads:
        thread.start()
    hold_recorded.wait(10)
    time.sleep(0.3)  # let the ship reach the gate while the hold is uncommitted
    assert "ship" not in outcome  # it is waiting, not done
    let_commit.set()
    for thread in threads:
        thread.join(30)
    assert outcome == {"ship": "held"}
