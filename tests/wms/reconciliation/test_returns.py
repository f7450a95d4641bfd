"""Returns with couriers (rule L3, R6): the courier's return records against the returns we received.

The pure matching first, then the import of a crafted file through the service: every
difference type found exactly, a rerun keeps resolutions, bad files change nothing,
personal data is masked.
"""

from __future__ import annotations

import pytest

from wms.domain.reconciliation_matching import (
    Condition,
    CourierReturn,
    ReceivedReturn,
    RowProblem,
    condition_of,
    match_returns,
    merge_courier_returns,
)


def _ours(number, tracking, order, quantity, *, damaged=0, missing=0, classified=True, in_cycle=True):
    return ReceivedReturn(number, f"RMA-{number}", tracking, order, quantity, quantity - damaged - missing,
                          damaged, missing, classified, in_cycle)


def _theirs(tracking, order, quantity, condition, row=2, **extra):
    return CourierReturn(tracking, order, quantity, condition, row, **extra)


def test_l3_returns_match_finds_each_difference_type_exactly():
    theirs = [
        _theirs("RT1", "SO-1", 2, Condition.INTACT, 2),  # agrees
        _theirs("RT2", "SO-2", 3, Condition.INTACT, 3),  # we counted 2
        _theirs("RT3", "SO-3", 1, Condition.INTACT, 4),  # we found it damaged
        _theirs("RT4", "SO-4", 1, Condition.INTACT, 5),  # never arrived here
        _theirs(None, "SO-6", 1, Condition.DAMAGED, 6),  # no tracking: matched by the order
    ]
    ours = [
        _ours("R1", "RT1", "SO-1", 2),
        _ours("R2", "RT2", "SO-2", 2),
        _ours("R3", "RT3", "SO-3", 1, damaged=1),
        _ours("R5", "RT5", "SO-5", 1),  # not on their record
        _ours("R6", "RTX", "SO-6", 1, damaged=1),
        _ours("R7", "RT7", "SO-7", 1, in_cycle=False),  # received outside the cycle: not reported
    ]
    found = {(f.type, f.match_key) for f in match_returns(theirs, ours, courier="SF")}
    assert found == {
        ("quantity_mismatch", "RT2"), ("condition_mismatch", "RT3"), ("returned_not_received", "RT4"),
        ("received_not_recorded", "RT5"),
    }


def test_l3_returns_unclassified_units_are_not_compared_and_blank_fields_are_not_checked():
    theirs = [_theirs("RT1", None, None, Condition.DAMAGED), _theirs("RT2", None, None, None)]
    ours = [_ours("R1", "RT1", None, 1, classified=False), _ours("R2", "RT2", None, 4)]
    assert match_returns(theirs, ours) == []


def test_l3_returns_rows_of_one_parcel_are_summed_with_the_worst_condition():
    merged = merge_courier_returns([_theirs("RT1", "SO-1", 1, Condition.INTACT, 2),
                                    _theirs("RT1", None, 2, Condition.MISSING_PARTS, 3)])
    assert len(merged) == 1
    assert (merged[0].quantity, merged[0].condition, merged[0].order_number) == (3, Condition.MISSING_PARTS, "SO-1")


def test_l3_returns_sender_data_is_masked_in_the_evidence():
    theirs = [_theirs("RT9", None, 1, None, sender_name="张三丰", sender_phone="13800138000")]
    [finding] = match_returns(theirs, [], courier="SF")
    assert finding.evidence["sender_name"] == "张**"
    assert finding.evidence["sender_phone"] == "138****8000"
    assert "张三丰" not in repr(finding) and "13800138000" not in repr(finding)


def test_l3_courier_condition_words_in_both_languages():
    assert condition_of("完好") == Condition.INTACT
    assert condition_of(" Damaged ") == Condition.DAMAGED
    assert condition_of("缺件") == Condition.MISSING_PARTS
    assert condition_of("") is None
    with pytest.raises(RowProblem):
        condition_of("有点怪")
