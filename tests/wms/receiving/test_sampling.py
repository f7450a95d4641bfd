"""The sampling planner and evaluator (rules R4, R5, R7): pure functions, no database."""

from __future__ import annotations

import pytest

from wms.domain.sampling import (
    InspectionState,
    LotResult,
    Outcome,
    SamplingRules,
    evaluate_inspection,
    plan_sample,
    sample_size,
    switching_state,
)

A, R, X = LotResult(True), LotResult(False, True), LotResult(True, True)  # accepted, rejected, expanded


def result_of(decision):
    return decision.outcome, decision.accepted_quantity, decision.rejected_quantity


def plan(**kw):
    defaults = dict(lot_quantity=100, document_kind="purchase_order", first_delivery=False, history=())
    return plan_sample(**(defaults | kw))


def test_r5_first_delivery_of_an_item_uses_ten_percent():
    result = plan(first_delivery=True, lot_quantity=250)
    assert (result.rate_percent, result.sample_size) == (10, 25)
    assert "first delivery" in result.reason


def test_r5_first_delivery_from_a_tightened_supplier_keeps_fifteen_percent():
    result = plan(first_delivery=True, history=[R, R])
    assert (result.state, result.rate_percent) == (InspectionState.TIGHTENED, 15)


@pytest.mark.parametrize("kind", ["return_to_vendor"])
def test_r5_returns_to_vendor_and_exchanges_are_inspected_in_full(kind):
    result = plan(document_kind=kind, lot_quantity=37)
    assert (result.state, result.rate_percent, result.sample_size) == (InspectionState.FULL, 100, 37)


def test_r6_customer_returns_check_every_unit():
    assert plan(document_kind="customer_return", lot_quantity=3).sample_size == 3


def test_r7_consignment_is_checked_in_full_with_zero_tolerance():
    result = plan(document_kind="consignment", lot_quantity=20)
    assert result.sample_size == 20 and result.zero_tolerance
    decision = evaluate_inspection(lot_quantity=20, sample_size=20, inspected=5, defects=1,
                                   zero_tolerance=True)
    assert result_of(decision) == (Outcome.REJECTED, 0, 20)


@pytest.mark.parametrize("packaging", ["deformed", "damaged", "damp", "mouldy"])
def test_r4_damaged_packaging_forces_inspection_of_the_goods(packaging):
    reduced_history = [A] * 10  # even a supplier on reduced inspection
    result = plan(packaging=packaging, history=reduced_history, lot_quantity=40)
    assert result.sample_size == 40 and result.rate_percent == 100
    assert "(R4)" in result.reason


def test_r4_damaged_packaging_rate_is_configurable_but_never_below_the_state_rate():
    rules = SamplingRules(damaged_packaging_percent=12)
    assert plan(packaging="damp", history=[R, R], rules=rules).rate_percent == 15
    assert plan(packaging="damp", rules=rules).rate_percent == 12


@pytest.mark.parametrize(
    ("percent", "lot", "expected"),
    [
        (10, 1, 1),  # a lot of 1: the sample is the lot
        (5, 1, 1),
        (10, 9, 1),  # ceil(0.9) = 1
        (10, 10, 1),
        (10, 11, 2),  # ceil, never round down
        (15, 7, 2),
        (100, 3, 3),
        (30, 3, 1),
    ],
)
def test_r5_sample_size_is_ceil_of_rate_times_lot_at_least_one_at_most_the_lot(percent, lot, expected):
    assert sample_size(percent, lot) == expected


def test_r5_a_sample_is_never_larger_than_the_lot():
    rules = SamplingRules(normal_percent=100, tightened_percent=100)
    assert plan(lot_quantity=1, rules=rules).sample_size == 1
    assert sample_size(150, 4) == 4


def test_r5_lot_of_one_with_its_only_unit_defective_is_rejected():
    decision = evaluate_inspection(lot_quantity=1, sample_size=1, inspected=1, defects=1)
    assert result_of(decision) == (Outcome.REJECTED, 0, 1)


def test_r5_lot_of_one_good_unit_is_accepted():
    decision = evaluate_inspection(lot_quantity=1, sample_size=1, inspected=1, defects=0)
    assert (decision.outcome, decision.accepted_quantity) == (Outcome.ACCEPTED, 1)


def test_r5_clean_sample_accepts_the_lot():
    decision = evaluate_inspection(lot_quantity=100, sample_size=10, inspected=10, defects=0)
    assert result_of(decision) == (Outcome.ACCEPTED, 100, 0)
    assert not decision.expanded


def test_r5_sample_not_yet_complete_is_pending():
    decision = evaluate_inspection(lot_quantity=100, sample_size=10, inspected=4, defects=0)
    assert (decision.outcome, decision.required_units) == (Outcome.PENDING, 6)


def test_r5_a_defect_expands_the_sample_to_thirty_percent_counting_units_already_inspected():
    decision = evaluate_inspection(lot_quantity=100, sample_size=10, inspected=10, defects=1)
    assert decision.outcome is Outcome.PENDING and decision.expanded
    assert decision.required_units == 20  # 30 in all, 10 already inspected


def test_r5_expansion_of_an_odd_lot_rounds_up():
    decision = evaluate_inspection(lot_quantity=7, sample_size=1, inspected=1, defects=1)
    assert decision.required_units == 2  # ceil(30% of 7) = 3 in all, 1 already inspected
    decision = evaluate_inspection(lot_quantity=7, sample_size=1, inspected=3, defects=1)
    assert decision.outcome is Outcome.REJECTED


def test_r5_exactly_thirty_percent_defective_is_accepted_less_the_defects():
    decision = evaluate_inspection(lot_quantity=100, sample_size=10, inspected=30, defects=9)
    assert result_of(decision) == (Outcome.ACCEPTED, 91, 9)


def test_r5_just_over_thirty_percent_defective_rejects_the_whole_lot():
    decision = evaluate_inspection(lot_quantity=100, sample_size=10, inspected=30, defects=10)
    assert result_of(decision) == (Outcome.REJECTED, 0, 100)


def test_r5_threshold_counts_all_units_inspected_not_just_the_sample():
    # 10 defects among 34 inspected = 29.4%: accepted, although 10 of the first 30 would not be.
    decision = evaluate_inspection(lot_quantity=100, sample_size=10, inspected=34, defects=10)
    assert decision.outcome is Outcome.ACCEPTED and decision.rejected_quantity == 10


def test_r5_full_inspection_with_defects_needs_no_expansion():
    decision = evaluate_inspection(lot_quantity=10, sample_size=10, inspected=10, defects=3)
    assert (decision.outcome, decision.expanded, decision.accepted_quantity) == (Outcome.ACCEPTED, False, 7)


def test_r5_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        evaluate_inspection(lot_quantity=5, sample_size=1, inspected=6, defects=0)
    with pytest.raises(ValueError):
        evaluate_inspection(lot_quantity=5, sample_size=1, inspected=1, defects=2)


# --- switching, driven by tables of lot outcomes ----------------------------------------------


@pytest.mark.parametrize(
    ("history", "state"),
    [
        ([], InspectionState.NORMAL),
        ([A] * 9, InspectionState.NORMAL),
        ([A] * 10, InspectionState.REDUCED),  # 10 clean in a row
        ([A] * 9 + [X], InspectionState.NORMAL),  # the 10th needed expansion: not clean
        ([A] * 5 + [X] + [A] * 9, InspectionState.NORMAL),  # clean run restarts after an expansion
        ([A] * 5 + [X] + [A] * 10, InspectionState.REDUCED),
        ([R], InspectionState.NORMAL),  # 1 of 5 not accepted
        ([R, R], InspectionState.TIGHTENED),  # 2 of the last 5
        ([R, A, A, A, R], InspectionState.TIGHTENED),  # 2 within a window of 5
        ([R, A, A, A, A, R], InspectionState.NORMAL),  # 6 apart: outside the window
        ([R, R] + [A] * 4, InspectionState.TIGHTENED),  # 4 accepted: not yet
        ([R, R] + [A] * 5, InspectionState.NORMAL),  # 5 accepted in a row under tightened
        ([R, R] + [A, A, R, A, A, A, A], InspectionState.TIGHTENED),  # run broken, restarts
        ([R, R] + [X] * 5, InspectionState.NORMAL),  # accepted after expansion still counts as accepted
        ([A] * 10 + [A] * 3, InspectionState.REDUCED),
        ([A] * 10 + [X], InspectionState.NORMAL),  # reduced -> normal on an expanded lot
        ([A] * 10 + [R], InspectionState.NORMAL),  # reduced -> normal on a rejection
        ([A] * 10 + [R, R], InspectionState.TIGHTENED),  # then 2 of 5 in normal: tightened
        ([R, R] + [A] * 5 + [A] * 9, InspectionState.NORMAL),  # 5 relax + 9 clean: not reduced yet
        ([R, R] + [A] * 5 + [A] * 10, InspectionState.REDUCED),  # the 5 that relaxed do not count
    ],
)
def test_r5_switching_follows_the_lot_outcomes(history, state):
    assert switching_state(history).state is state


def test_r5_switching_state_reports_its_reason():
    status = switching_state([R, A, R])
    assert status.state is InspectionState.TIGHTENED
    assert "2 of the last 3 lots were not accepted" in status.reason
    assert status.lots == 3


def test_r5_switching_rates_follow_the_state():
    assert plan(history=[A] * 10).rate_percent == 5
    assert plan(history=[R, R]).rate_percent == 15
    assert plan(history=[A]).rate_percent == 10


def test_r5_thresholds_are_configurable():
    rules = SamplingRules.from_config({"reduce_after_clean": 3, "tighten_after_rejected": 1,
                                       "reduced_percent": 4})
    assert switching_state([A, A, A], rules).state is InspectionState.REDUCED
    assert plan(history=[A, A, A], rules=rules).rate_percent == 4
    assert switching_state([R], rules).state is InspectionState.TIGHTENED


@pytest.mark.parametrize(
    "overrides",
    [{"no_such_key": 1}, {"reduced_percent": 20}, {"tighten_after_rejected": 6}, {"expansion_percent": 0}],
)
def test_r5_nonsense_thresholds_are_refused(overrides):
    with pytest.raises(ValueError):
        SamplingRules.from_config(overrides)
