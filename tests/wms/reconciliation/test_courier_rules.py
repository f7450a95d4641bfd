"""L3 rules without a database: cycles, rates, rounding, bill headers, matching, re-runs
and the difference's transition table."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from wms.domain.reconciliation import (
    DIFFERENCE,
    BillLine,
    DifferenceStatus,
    Existing,
    Finding,
    MatchRules,
    Rate,
    Shipment,
    action_for,
    cycle_bounds,
    cycle_days,
    match_courier_bill,
    normalise_province,
    parse_decimal,
    plan_rerun,
    province_of_address,
    round_up,
)
from wms.domain.reconciliation_files import BILL_PRESETS, header_index
from wms.errors import IllegalTransition, InvalidInput

D = Decimal


@pytest.mark.parametrize(("cycle", "first", "after"), [
    ("2026-11", date(2026, 11, 1), date(2026, 12, 1)),
    ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
    ("2026-W48", date(2026, 11, 23), date(2026, 11, 30)),
    ("2026-11-30", date(2026, 11, 30), date(2026, 12, 1)),
])
def test_L3_a_cycle_is_a_month_an_iso_week_or_a_day(cycle, first, after):
    assert cycle_days(cycle) == (first, after)


@pytest.mark.parametrize("cycle", ["2026-13", "2026-W54", "2026/11", "", "2026-02-30", "11-2026"])
def test_L3_a_bad_cycle_is_refused(cycle):
    with pytest.raises(InvalidInput):
        cycle_days(cycle)


def test_L3_a_cycle_starts_at_midnight_in_the_warehouse():
    start, end = cycle_bounds("2026-11", ZoneInfo("Asia/Shanghai"))
    assert start.astimezone(timezone.utc) == datetime(2026, 10, 31, 16, tzinfo=timezone.utc)
    assert end.astimezone(timezone.utc) == datetime(2026, 11, 30, 16, tzinfo=timezone.utc)


def test_L3_weights_round_up_as_couriers_round():
    assert round_up(D("1.01"), D("0.1")) == D("1.1")
    assert round_up(D("1.01"), D(1)) == D(2)
    assert round_up(D("2"), D(1)) == D(2)
    assert round_up(D("0.35"), D("0.5")) == D("0.5")


def test_L3_the_expected_fee_is_first_weight_plus_started_units_after_the_discount():
    rate = Rate("*", D(1), D(12), D(2), D(1), D(15), D(1))
    assert rate.fee(D("0.3")) == D("10.20")  # 12 less 15 %
    assert rate.fee(D("1.0")) == D("10.20")
    assert rate.fee(D("1.2")) == D("11.90")  # rounded up to 2 kg: 12 + 2, less 15 %
    sf = Rate("*", D(1), D(23), D(13), D("0.5"), D(0), D("0.1"))
    assert sf.fee(D("1.21")) == D(36)  # 1.3 kg: one started half kilo above the first
    assert sf.fee(D("1.6")) == D(49)


@pytest.mark.parametrize(("given", "province"), [
    ("广东省", "广东"), ("广东", "广东"), ("广西壮族自治区", "广西"), ("上海市", "上海"), ("新疆维吾尔自治区", "新疆"),
    ("内蒙古自治区", "内蒙古"), ("香港特别行政区", "香港"), ("", ""),
])
def test_L3_provinces_are_compared_without_their_suffix(given, province):
    assert normalise_province(given) == province


def test_L3_the_province_of_an_address():
    assert province_of_address("浙江省杭州市西湖区文三路1号") == "浙江"
    assert province_of_address("北京市朝阳区建国路1号") == "北京"


@pytest.mark.parametrize(("cell", "number"), [
    ("1.25", D("1.25")), (1.25, D("1.25")), (3, D(3)), ("¥12.50", D("12.50")), ("1,234.5", D("1234.5")),
    ("12元", D(12)), (" 2.0kg ", D("2.0")), ("-3.5", D("-3.5")),
    ("", None), (None, None), ("abc", None), ("1e5", None), ("NaN", None), (float("nan"), None), (True, None),
])
def test_L3_a_bill_s_numbers(cell, number):
    assert parse_decimal(cell) == number


def test_L3_headers_are_found_without_spaces_case_or_full_width_brackets():
    header = ["序号", " 运单号 ", "计费重量（KG）", "应付金额", "订单号"]
    found = header_index(header, BILL_PRESETS["SF"].headers)
    assert found == {"tracking_number": 1, "weight_kg": 2, "fee": 3, "order_number": 4}


def test_L3_every_preset_names_the_required_fields():
    assert sorted(BILL_PRESETS) == ["EMS", "JD", "JT", "SF", "STO", "YTO", "YUNDA", "ZTO"]
    for preset in BILL_PRESETS.values():
        assert all(preset.headers[f] for f in ("tracking_number", "weight_kg", "fee"))


def _ship(number: str, grams: int = 1000, in_cycle: bool = True, order: str = "") -> Shipment:
    return Shipment(number, order or f"O-{number}", grams, in_cycle, "浙江")


def _line(row: int, number: str, kg="1", fee="10", **extra) -> BillLine:
    return BillLine(row, number, D(kg), D(fee), **extra)


RATES = {"*": Rate("*", D(1), D(10), D(5), D(1), D(0), D(1))}


DEFAULT_RULES = MatchRules()


def _types(lines, shipments, rules=DEFAULT_RULES, rates=RATES):
    return sorted((f.type, f.match_key) for f in match_courier_bill(lines, shipments, rates, rules, "ZTO"))


def test_L3_a_clean_bill_finds_nothing():
    assert _types([_line(2, "A"), _line(3, "B", kg="1.5", fee="15")], [_ship("A"), _ship("B", 1400)]) == []


def test_L3_every_difference_type_once():
    lines = [_line(2, "A"), _line(3, "A"), _line(4, "B", kg="3", fee="20"), _line(5, "C", fee="11"),
             _line(6, "X"), _line(7, "X")]
    shipments = [_ship("A"), _ship("B", 900), _ship("C"), _ship("D"), _ship("E", in_cycle=False)]
    assert _types(lines, shipments) == [
        ("billed_not_shipped", "X"), ("billed_twice", "A"), ("fee_mismatch", "C"), ("shipped_not_billed", "D"),
        ("weight_over", "B")]


def test_L3_the_weight_tolerance_is_the_larger_of_kg_and_percent():
    lines = [_line(2, "A", kg="3", fee="20")]
    assert _types(lines, [_ship("A", 2500)], MatchRules(weight_tolerance_kg=D("0.1"))) == []  # 2.5 -> 3 kg
    lines = [_line(2, "A", kg="12", fee="65")]
    assert _types(lines, [_ship("A", 10_000)], MatchRules(weight_tolerance_kg=D("0.5"))) == [("weight_over", "A")]
    assert _types(lines, [_ship("A", 10_000)], MatchRules(weight_tolerance_kg=D("0.5"),
                                                          weight_tolerance_percent=D(20))) == []


def test_L3_a_fee_within_the_cent_tolerance_is_no_difference():
    assert _types([_line(2, "A", fee="10.01")], [_ship("A")]) == []
    assert _types([_line(2, "A", fee="10.02")], [_ship("A")]) == [("fee_mismatch", "A")]


def test_L3_the_fee_is_judged_against_the_destination_s_rate_after_its_discount():
    rates = {"浙江": Rate("浙江", D(1), D(8), D(4), D(1), D(20), D(1)),  # 8 + 4 per kg, less 20 %
             "*": Rate("*", D(1), D(12), D(6), D(1), D(10), D(1))}  # 12 + 6 per kg, less 10 %
    shipments = [_ship("A", 1800), _ship("B", 1800), Shipment("C", "O-C", 1800, True, "广东"),
                 Shipment("E", "O-E", 1800, True, "")]
    lines = [_line(2, "A", kg="2", fee="9.60"),  # (8 + 4) * 0.8: the discounted price
             _line(3, "B", kg="2", fee="12.00"),  # the list price, before the discount
             _line(4, "C", kg="2", fee="16.20"),  # (12 + 6) * 0.9: the other provinces' row
             _line(5, "E", kg="2", fee="9.60", destination="浙江省")]  # the bill's destination when ours is blank
    found = match_courier_bill(lines, shipments, rates, DEFAULT_RULES, "ZTO")
    assert [(f.type, f.match_key) for f in found] == [("fee_mismatch", "B")]
    assert found[0].amount == D("2.40") and found[0].evidence["our_fee"] == "9.60"
    assert found[0].evidence["their_fee"] == "12.00" and found[0].evidence["rate_province"] == "浙江"


def test_L3_a_duplicate_line_is_billed_twice_with_the_extra_fee_as_its_amount():
    found = match_courier_bill([_line(2, "A"), _line(9, "A"), _line(5, "A")], [_ship("A")], RATES, DEFAULT_RULES,
                               "ZTO")
    assert [(f.type, f.match_key, f.amount) for f in found] == [("billed_twice", "A", D("20.00"))]
    assert found[0].evidence["rows"] == [2, 9, 5] and found[0].evidence["times"] == 3


def test_L3_weight_over_carries_both_weights_and_the_fee_our_weight_would_cost():
    found = match_courier_bill([_line(2, "A", kg="3", fee="20")], [_ship("A", 1000)], RATES, DEFAULT_RULES, "ZTO")
    assert [(f.type, f.amount) for f in found] == [("weight_over", D("10.00"))]
    evidence = found[0].evidence
    assert (evidence["our_weight_kg"], evidence["their_weight_kg"], evidence["our_fee"], evidence["their_fee"]) == (
        "1.000", "3.000", "10.00", "20.00")
    assert evidence["tolerance_kg"] == "0.100" and evidence["our_billable_weight_kg"] == "1.000"


def test_L3_weight_over_with_a_fee_off_the_rate_claims_each_part_once():
    """Billed 3 kg for 26.00, we weighed 1 kg (10.00), the rate for 3 kg is 20.00: the weight
    claims 10.00, the fee 6.00; together the whole 16.00 overcharge, not 16.00 + 6.00."""
    found = match_courier_bill([_line(2, "A", kg="3", fee="26")], [_ship("A", 1000)], RATES, DEFAULT_RULES, "ZTO")
    assert [(f.type, f.amount) for f in found] == [("weight_over", D("10.00")), ("fee_mismatch", D("6.00"))]
    assert sum(f.amount for f in found) == D("26") - D("10")


def test_L3_only_the_parent_line_of_a_multi_piece_shipment_is_priced():
    lines = [_line(2, "P", kg="3", fee="20", parent_number="P", piece_type="母件"),
             _line(3, "P-2", kg="1", fee="10", parent_number="P", piece_type="子件"),
             _line(4, "P-3", kg="1", fee="10", piece_type="子单", order_number="O-P")]
    assert _types(lines, [_ship("P", 2900)]) == []  # the sub-waybills' own fees are neither twice nor off


def test_L3_a_sub_waybill_and_a_return_receipt_belong_to_their_shipment():
    lines = [_line(2, "P", kg="8", fee="45", parent_number="P", piece_type="母件"),
             _line(3, "P-2", kg="0", fee="0", parent_number="P", piece_type="子件"),
             _line(4, "P-3", kg="0", fee="0", parent_number="P"),
             _line(5, "R-1", kg="0.1", fee="3", parent_number="P", piece_type="签回单")]
    assert _types(lines, [_ship("P", 7900)]) == []
    # without its parent line the shipment is not billed, but no sub-waybill is unknown
    assert _types(lines[1:], [_ship("P", 7900)]) == [("shipped_not_billed", "P")]


def test_L3_a_return_receipt_found_by_its_order_number():
    lines = [_line(2, "A"), _line(3, "R-9", fee="3", order_number="O-A", piece_type="签回单")]
    assert _types(lines, [_ship("A")]) == []


def test_L3_order_numbers_key_the_match_where_the_courier_keys_on_them():
    lines = [_line(2, "SUB-1", order_number="SO-1")]
    assert _types(lines, [_ship("A", order="SO-1")], MatchRules(keys_on_order_number=True)) == []
    assert _types(lines, [_ship("A", order="SO-1")]) == [("billed_not_shipped", "SUB-1"),
                                                         ("shipped_not_billed", "A")]


def test_L3_without_a_rate_the_fee_is_not_judged_and_the_courier_s_step_rounds_our_weight():
    lines = [_line(2, "A", kg="1.3", fee="99")]
    assert _types(lines, [_ship("A", 1250)], MatchRules(weight_step_kg=D("0.1")), rates={}) == []
    assert _types(lines, [_ship("A", 1150)], MatchRules(weight_step_kg=D("0.1"), weight_tolerance_kg=D(0)),
                  rates={}) == [("weight_over", "A")]


def test_L3_a_rerun_keeps_adds_closes_and_reopens():
    findings = [Finding("weight_over", "A"), Finding("billed_twice", "B"), Finding("weight_over", "A")]
    existing = [Existing(1, "weight_over", "A", "claimed", False), Existing(2, "fee_mismatch", "C", "open", False),
                Existing(3, "billed_twice", "B", "resolved", True), Existing(4, "fee_mismatch", "E", "resolved", False)]
    plan = plan_rerun(findings, existing)
    assert [i for i, _ in plan.kept] == [1, 3] and plan.new == [] and plan.closed == [2] and plan.reopened == [3]
    assert plan_rerun([Finding("fee_mismatch", "E")], existing[3:]).reopened == []  # a person resolved it


def test_L3_the_difference_moves_only_through_its_table():
    assert DIFFERENCE.next("open", "claim") is DifferenceStatus.CLAIMED
    assert DIFFERENCE.next("claimed", "resolve") is DifferenceStatus.RESOLVED
    assert DIFFERENCE.next("resolved", "reopen") is DifferenceStatus.OPEN
    assert action_for("explained").value == "explain"
    with pytest.raises(InvalidInput):
        action_for("lost")


@pytest.mark.parametrize(("state", "action"), DIFFERENCE.illegal_steps())
def test_L3_every_illegal_step_of_a_difference_is_refused(state, action):
    with pytest.raises(IllegalTransition):
        DIFFERENCE.next(state, action)
