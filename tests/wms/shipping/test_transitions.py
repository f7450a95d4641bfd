"""Every outbound document changes state only through its transition table: each step
the table does not have is refused through the service, naming the expected state, and
changes nothing (a step that follows from another document's change, as a wave's from
its tasks, is not taken and the document stays as it is).
"""

from __future__ import annotations

import pytest

from tests.factories import stock_in
from tests.wms.shipping.conftest import two_orders_in_a_wave
from wms.domain.printing import PRINT_JOB, PrintJobAction
from wms.domain.shipping import (
    CYCLE_COUNT,
    EXCHANGE_NOTICE,
    HOLD,
    ORDER,
    PICK_TASK,
    RELEASE,
    SHIPMENT_STEPS,
    WAVE,
    CycleCountAction,
    ExchangeAction,
    OrderAction,
    PickTaskAction,
    Step,
    WaveAction,
)
from wms.errors import (
    DomainError,
    ExchangeNoticeInvalid,
    HoldNotActive,
    IllegalTransition,
    OrderStateInvalid,
    PickTaskClosed,
    ReleaseAlreadyConfirmed,
    StepOutOfOrder,
)
from wms.extensions import db
from wms.models import CycleCountTask, ExchangeNotice, PickTask, PrintJob, SalesOrder, Wave
from wms.services import print_queue, shipping, stations
from wms.services.shipping_common import record_step
from wms.services.shipping_exchange import cancel_exchange_notice, issue_exchange_notice
from wms.services.shipping_holds import confirm_release, issue_hold, write_release
from wms.services.uow import transaction


def _set(model, row_id, **values) -> None:
    with transaction():
        row = db.session.get(model, row_id)
        for field, value in values.items():
            setattr(row, field, value)
    db.session.expire_all()


def _order(out, world, number="SO-1"):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order(number, [("SKU-1", 1)])
    out.allocate(number)
    return db.session.query(SalesOrder).filter_by(number=number).one()


@pytest.mark.parametrize(("state", "action"), ORDER.illegal_steps())
def test_an_illegal_step_of_a_sales_order_is_refused(out, world, state, action):
    order = _order(out, world)
    _set(SalesOrder, order.id, status=state.value)
    if action == OrderAction.SHIP:
        _set(SalesOrder, order.id, stage="verified")
        with pytest.raises(DomainError) as refused:  # S3 names the state: not approved, cancelled, shipped
            out.ship("SO-1")
        assert refused.value.code in ("order_not_approved", "order_cancelled", "order_already_shipped")
    else:
        call = {OrderAction.APPROVE: lambda: shipping.approve_order(out.actor("supervisor"), "SO-1"),
                OrderAction.CANCEL: lambda: shipping.cancel_order(out.actor("supervisor"), "SO-1", "x")}[action]
        with pytest.raises(OrderStateInvalid) as refused:
            call()
        assert refused.value.details["expected"] == ORDER.states_allowing(action)
    assert db.session.get(SalesOrder, order.id).status == state.value


@pytest.mark.parametrize(("stage", "step"), SHIPMENT_STEPS.illegal_steps())
def test_s2_an_illegal_step_of_a_shipment_is_refused(out, world, stage, step):
    order = _order(out, world)
    _set(SalesOrder, order.id, stage=stage.value)
    [task] = out.tasks("SO-1")
    calls = {
        Step.COUNT: lambda: shipping.confirm_count(out.actor("picker"), task.id, location="A-01-01",
                                                   item="SKU-1", counted_quantity=5),
        Step.VERIFY: lambda: shipping.verify_scan(out.actor("shipper"), "SO-1", item="SKU-1", quantity=1),
        Step.SHIP: lambda: out.ship("SO-1"),
        Step.DEDUCT: lambda: record_step(db.session.get(SalesOrder, order.id), Step.DEDUCT, out.actor("shipper")),
    }
    with pytest.raises(StepOutOfOrder) as refused:
        calls[step]()
    expected = SHIPMENT_STEPS.actions_from(stage)
    assert refused.value.details["expected"] == (expected[0] if expected else None)
    db.session.rollback()
    assert db.session.get(SalesOrder, order.id).stage == stage.value


@pytest.mark.parametrize(("state", "action"), PICK_TASK.illegal_steps())
def test_an_illegal_step_of_a_pick_task_is_refused_or_leaves_the_task_as_it_is(out, world, state, action):
    order = _order(out, world)
    [task] = out.tasks("SO-1")
    _set(PickTask, task.id, status=state.value)
    if action == PickTaskAction.CANCEL:
        # cancelling the order cancels the tasks that may be cancelled and leaves the others
        shipping.cancel_order(out.actor("supervisor"), "SO-1", "customer cancelled")
    else:
        counted = 5 if action == PickTaskAction.COUNT else 4
        with pytest.raises(PickTaskClosed) as refused:
            shipping.confirm_count(out.actor("picker"), task.id, location="A-01-01", item="SKU-1",
                                   counted_quantity=counted)
        assert refused.value.details["expected"] == PICK_TASK.states_allowing(action)
    db.session.expire_all()
    assert db.session.get(PickTask, task.id).status == state.value
    assert order.id


def _wave_status(number: str) -> str:
    db.session.expire_all()
    return db.session.query(Wave).filter_by(number=number).one().status


def _wave_to_start(out, world):
    """One order of two tasks; the wave's first count would start it."""
    stock_in(world, "SKU-1", 1, "A-01-01")
    stock_in(world, "SKU-1", 1, "A-01-02")
    out.order("SO-1", [("SKU-1", 2)])
    out.allocate("SO-1")
    wave = shipping.create_wave(out.actor("supervisor"), ["SO-1"])
    row = shipping.pick_list(out.actor("picker"), wave_number=wave.number)[0]
    return wave.number, lambda: out.count(row, 1)


def _wave_to_finish(out, world):
    """SO-1 counted, SO-2 open; cancelling SO-2 leaves no task open: the wave would be finished."""
    wave = two_orders_in_a_wave(out, world)
    out.count_all("SO-1")
    return wave.number, lambda: shipping.cancel_order(out.actor("supervisor"), "SO-2", "customer cancelled")


def _wave_to_reopen(out, world):
    """SO-1 held short; allocating it once stock comes makes a new open task: it would reopen."""
    stock_in(world, "SKU-1", 1, "A-01-01")
    out.order("SO-1", [("SKU-1", 2)])
    out.allocate("SO-1")
    wave = shipping.create_wave(out.actor("supervisor"), ["SO-1"])

    def allocate_again():
        stock_in(world, "SKU-1", 1, "A-01-02")
        out.allocate("SO-1")

    return wave.number, allocate_again


def _wave_to_cancel(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 1)])
    out.allocate("SO-1")
    wave = shipping.create_wave(out.actor("supervisor"), ["SO-1"])
    return wave.number, lambda: shipping.cancel_wave(out.actor("supervisor"), wave.number)


WAVE_EVENTS = {WaveAction.START: _wave_to_start, WaveAction.FINISH: _wave_to_finish,
               WaveAction.REOPEN: _wave_to_reopen, WaveAction.CANCEL: _wave_to_cancel}


@pytest.mark.parametrize(("state", "action"), WAVE.illegal_steps())
def test_an_illegal_step_of_a_wave_is_refused_or_leaves_the_wave_as_it_is(out, world, state, action):
    number, event = WAVE_EVENTS[action](out, world)
    _set(Wave, db.session.query(Wave).filter_by(number=number).one().id, status=state.value)
    if action == WaveAction.CANCEL:  # the supervisor's step is refused, naming the states that allow it
        with pytest.raises(IllegalTransition) as refused:
            event()
        assert (refused.value.details["state"], refused.value.details["expected"]) == (
            state.value, WAVE.states_allowing(action))
    else:  # a count, a cancelled order, an allocation: done, and the wave does not take the step
        event()
    assert _wave_status(number) == state.value


@pytest.mark.parametrize(("state", "action"), CYCLE_COUNT.illegal_steps())
def test_an_illegal_step_of_a_cycle_count_is_refused(out, world, state, action):
    stock_in(world, "SKU-1", 4, "A-01-01")
    with transaction():
        # A first count found one missing: a recount finding the same "confirms" (R8).
        task = CycleCountTask(location_id=world.locations["A-01-01"], item_id=world.items["SKU-1"],
                              status=state.value, reason="test",
                              first_difference=-1 if action == CycleCountAction.CONFIRM else None,
                              difference=-1)
        db.session.add(task)
    # The blind count takes "count" when it finds the book quantity, "report_difference" otherwise.
    step = {
        CycleCountAction.COMPLETE: lambda: shipping.complete_cycle_count(out.actor("supervisor"), task.id),
        CycleCountAction.COUNT: lambda: shipping.count_cycle_count(
            out.actor("picker"), task.id, location="A-01-01", item="SKU-1", counted_quantity=4),
        CycleCountAction.REPORT_DIFFERENCE: lambda: shipping.count_cycle_count(
            out.actor("picker"), task.id, location="A-01-01", item="SKU-1", counted_quantity=2),
        CycleCountAction.CONFIRM: lambda: shipping.count_cycle_count(
            out.actor("picker"), task.id, location="A-01-01", item="SKU-1", counted_quantity=3),
        CycleCountAction.START: lambda: shipping.start_cycle_count(out.actor("picker"), task.id),
        CycleCountAction.APPROVE: lambda: shipping.approve_cycle_count(out.actor("supervisor"), task.id),
        CycleCountAction.REJECT: lambda: shipping.reject_cycle_count(out.actor("supervisor"), task.id),
    }[action]
    with pytest.raises(IllegalTransition) as refused:
        step()
    assert (refused.value.details["action"], refused.value.details["expected"]) == (
        action.value, CYCLE_COUNT.states_allowing(action))


@pytest.mark.parametrize(("state", "action"), HOLD.illegal_steps())
def test_s4_an_illegal_step_of_a_hold_is_refused(out, world, state, action):
    hold = issue_hold(out.actor("supervisor"), scope="all", reason="盘点")
    release = write_release(out.actor("supervisor"), hold_number=hold.number, reason="done")
    confirm_release(out.actor("admin"), release.number)
    with pytest.raises(HoldNotActive) as refused:
        write_release(out.actor("supervisor"), hold_number=hold.number, reason="again")
    assert (refused.value.details["state"], refused.value.details["expected"]) == (
        state.value, HOLD.states_allowing(action))


@pytest.mark.parametrize(("state", "action"), RELEASE.illegal_steps())
def test_s4_an_illegal_step_of_a_release_notice_is_refused(out, world, state, action):
    hold = issue_hold(out.actor("supervisor"), scope="all", reason="盘点")
    release = write_release(out.actor("supervisor"), hold_number=hold.number, reason="done")
    confirm_release(out.actor("admin"), release.number)
    with pytest.raises(ReleaseAlreadyConfirmed) as refused:
        confirm_release(out.actor("supervisor"), release.number)
    assert (refused.value.details["state"], refused.value.details["expected"]) == (
        state.value, RELEASE.states_allowing(action))


@pytest.mark.parametrize(("state", "action"), EXCHANGE_NOTICE.illegal_steps())
def test_s6_an_illegal_step_of_an_exchange_notice_is_refused(out, world, state, action):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 1)])
    out.ready_to_ship("SO-1")
    out.ship("SO-1")
    notice = issue_exchange_notice(out.actor("clerk"), original_order="SO-1", reason="broken",
                                   lines=[{"item": "SKU-1", "quantity": 1}])
    shipping.approve_order(out.actor("supervisor"), notice.exchange_order)
    notice_id = db.session.query(ExchangeNotice).filter_by(number=notice.number).one().id
    _set(ExchangeNotice, notice_id, status=state.value)
    if action == ExchangeAction.USE:  # the exchange document may not ship against it (S6)
        answer = shipping.validity(out.actor("shipper"), notice.exchange_order)
        assert answer.code == "exchange_notice_invalid"
        assert answer.details["expected"] == EXCHANGE_NOTICE.states_allowing(action)
    else:
        with pytest.raises(ExchangeNoticeInvalid) as refused:
            cancel_exchange_notice(out.actor("supervisor"), notice.number, "withdrawn")
        assert refused.value.details["expected"] == EXCHANGE_NOTICE.states_allowing(action)
    assert db.session.get(ExchangeNotice, notice_id).status == state.value


@pytest.mark.parametrize(("state", "action"), PRINT_JOB.illegal_steps())
def test_an_illegal_step_of_a_print_job_is_refused(out, world, state, action):
    stations.save_station("PACK-T", {"name": "打包台", "kind": "packing", "warehouse_id": world.warehouse_id,
                                     "printer_url": "tcp://127.0.0.1:9", "printer_language": "zpl"})
    with transaction():
        job = print_queue.queue_label(stations.find_station("PACK-T"), "bin", {"location": "A-01-01"})
    _set(PrintJob, job.id, state=state.value)
    with pytest.raises(IllegalTransition) as refused:
        if action == PrintJobAction.SEND:
            print_queue.retry_job(out.actor("shipper"), job.id)
        else:
            print_queue.advance_job(job.id, action)
    assert refused.value.details["expected"] == PRINT_JOB.states_allowing(action)
    db.session.expire_all()
    assert db.session.get(PrintJob, job.id).state == state.value
