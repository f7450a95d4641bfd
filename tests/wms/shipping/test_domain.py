"""The pure shipping rules: the S2 step table, S3 validity, S1 removal order, S4 scopes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from wms.domain.masking import mask_address, mask_name, mask_phone
from wms.domain.shipping import (
    STEP_SEQUENCE,
    Candidate,
    HoldTarget,
    Stage,
    Step,
    advance,
    check_valid_for_shipping,
    grams_as_kg,
    hold_applies,
    plan_allocation,
    removal_order,
    weight_in_grams,
)
from wms.errors import (
    InvalidWeight,
    OrderAlreadyShipped,
    OrderCancelled,
    OrderNotApproved,
    OrderOnHold,
    StepOutOfOrder,
)

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_s2_the_four_steps_run_only_in_order():
    stage = Stage.PENDING
    for step in STEP_SEQUENCE:
        stage = advance(stage, step)
    assert stage == Stage.DEDUCTED


@pytest.mark.parametrize("stage, step", [
    (Stage.PENDING, Step.VERIFY), (Stage.PENDING, Step.SHIP), (Stage.PENDING, Step.DEDUCT),
    (Stage.COUNTED, Step.SHIP), (Stage.COUNTED, Step.DEDUCT), (Stage.VERIFIED, Step.DEDUCT),
])
def test_s2_skipping_a_step_is_refused(stage, step):
    with pytest.raises(StepOutOfOrder) as refused:
        advance(stage, step)
    assert refused.value.code == "step_out_of_order"


@pytest.mark.parametrize("stage, step", [
    (Stage.COUNTED, Step.COUNT), (Stage.VERIFIED, Step.COUNT), (Stage.VERIFIED, Step.VERIFY),
    (Stage.SHIPPED, Step.SHIP), (Stage.DEDUCTED, Step.COUNT), (Stage.DEDUCTED, Step.DEDUCT),
])
def test_s2_repeating_or_reordering_a_step_is_refused(stage, step):
    with pytest.raises(StepOutOfOrder):
        advance(stage, step)


@pytest.mark.parametrize("status, holds, error", [
    ("draft", [], OrderNotApproved), ("cancelled", [], OrderCancelled),
    ("shipped", [], OrderAlreadyShipped), ("approved", ["HOLD-000001"], OrderOnHold),
])
def test_s3_each_invalid_document_is_refused_with_its_own_code(status, holds, error):
    with pytest.raises(error):
        check_valid_for_shipping(status, holds)


def test_s3_an_approved_document_without_holds_is_valid():
    check_valid_for_shipping("approved", [])


def _candidate(quant_id, received_days, path_order, expiry=None, free=10, lot=None):
    return Candidate(quant_id=quant_id, lot_id=lot or quant_id, location_id=path_order, owner_id=1,
                     received_at=T0 + timedelta(days=received_days), expiry_date=expiry,
                     path_order=path_order, location_code=f"B{path_order}", free=free)


def test_s1_removal_order_is_oldest_receipt_first_then_walking_order():
    # one old lot in two bins, and a newer lot in the first bin of the walk
    newest, oldest_far = _candidate(1, 5, 1), _candidate(2, 0, 9, lot=5)
    oldest_near = _candidate(3, 0, 2, lot=5)
    assert [c.quant_id for c in removal_order([newest, oldest_far, oldest_near])] == [3, 2, 1]


def test_s1_fefo_orders_by_expiry_and_puts_undated_last():
    early = _candidate(1, 5, 1, expiry=date(2026, 3, 1))
    late = _candidate(2, 0, 1, expiry=date(2026, 9, 1))
    undated = _candidate(3, -10, 1)
    assert [c.quant_id for c in removal_order([late, undated, early], fefo=True)] == [1, 2, 3]
    assert [c.quant_id for c in removal_order([late, undated, early], fefo=False)] == [3, 2, 1]


def test_s1_plan_takes_in_order_and_reports_the_shortage():
    takes, short = plan_allocation([_candidate(1, 1, 1, free=4), _candidate(2, 0, 1, free=3)], 10)
    assert [(t.candidate.quant_id, t.quantity) for t in takes] == [(2, 3), (1, 4)]
    assert short == 3


@pytest.mark.parametrize("scope, target, hit", [
    ("all", {}, True), ("order", {"order_id": 7}, True), ("order", {"order_id": 8}, False),
    ("customer", {"customer_id": 3}, True), ("customer", {"customer_id": 4}, False),
    ("item", {"item_id": 11}, True), ("item", {"item_id": 12}, False),
])
def test_s4_hold_scope(scope, target, hit):
    assert hold_applies(HoldTarget("HOLD-1", scope, **target), 7, 3, {10, 11}) is hit


def test_weights_carry_units_and_never_use_float():
    assert weight_in_grams("1.25", "kg") == 1250
    assert weight_in_grams("380", "g") == 380
    assert weight_in_grams("2.5", "lb") == 1134  # Toledo indicators may weigh in pounds
    assert grams_as_kg(1250) == "1.250"
    for bad in [("0", "kg"), ("-1", "g"), ("abc", "kg"), ("1", "oz"), (1.5, "kg")]:
        with pytest.raises(InvalidWeight):
            weight_in_grams(*bad)


def test_personal_data_is_masked():
    assert mask_name("张三丰") == "张**"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_address("浙江省杭州市西湖区文三路1号") == "浙江省杭州市****"
    assert "8000" not in mask_phone("8000")[:-2]


def test_a_weight_reading_is_whole_grams_from_a_known_source():
    from datetime import datetime, timezone

    from wms.domain.shipping import WeightReading

    at = datetime(2026, 12, 1, tzinfo=timezone.utc)
    reading = WeightReading.entered("1.2345", "kg", at, "scale", "PACK-1")
    assert (reading.grams, reading.source, reading.read_at, reading.station) == (1235, "scale", at, "PACK-1")
    with pytest.raises(InvalidWeight):
        WeightReading.entered("1", "kg", at, "guess")
    with pytest.raises(InvalidWeight):
        WeightReading.entered("0", "kg", at)  # an empty pan is no parcel's weight
