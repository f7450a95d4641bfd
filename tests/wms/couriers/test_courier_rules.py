"""Pure courier rules: each preset's tracking-number pattern, the local numbers, addresses."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from wms.domain.couriers import (
    PRESET_BY_CODE,
    PRESETS,
    check_courier_usable,
    check_tracking_number,
    handover_from_waybill,
    local_tracking_number,
    pattern_problem,
    split_address,
)
from wms.errors import InvalidInput, TrackingNumberInvalid, UnknownCourier, WaybillMismatch

#: courier -> (numbers it prints, numbers it does not)
SAMPLES = {
    "SF": (["SF1234567890123", "SF0000000000001"], ["SF123456789012", "sf1234567890123", "123456789012", "SF-1"]),
    "ZTO": (["731234567890", "73123456789012"], ["7312345678901", "ZTO731234567890", "73123456789012 "]),
    "YTO": (["YT1234567890123"], ["YT123456789012", "1234567890123", "YT12345678901234"]),
    "STO": (["773012345678901", "268812345678"], ["77301234567", "STO773012345678", "7730123456789012"]),
    "YUNDA": (["4312345678901", "431234567890123"], ["43123456789012", "YD4312345678901"]),
    "JT": (["JT1234567890123"], ["JT123456789012", "jt1234567890123", "1234567890123"]),
    "EMS": (["1123456789012", "EA123456789CN"], ["9123456789012", "EA12345678CN", "E123456789CN"]),
    "JD": (["JDVA12345678901", "JD0123456789012"], ["JD123", "JDVA1234567890", "JX0123456789012"]),
}


def courier(code: str, active: bool = True):
    preset = PRESET_BY_CODE[code]
    return SimpleNamespace(code=code, tracking_pattern=preset.tracking_pattern, active=active)


def test_the_presets_are_the_eight_couriers_with_both_names():
    assert [p.code for p in PRESETS] == ["SF", "ZTO", "YTO", "STO", "YUNDA", "JT", "EMS", "JD"]
    assert set(SAMPLES) == {p.code for p in PRESETS}
    for preset in PRESETS:
        assert preset.name_zh and preset.name_en and pattern_problem(preset.tracking_pattern) is None


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_a_tracking_number_must_fit_its_couriers_pattern(code):
    valid, invalid = SAMPLES[code]
    for number in valid:
        check_tracking_number(courier(code), number)
    for number in invalid:
        with pytest.raises(TrackingNumberInvalid) as refused:
            check_tracking_number(courier(code), number)
        assert refused.value.details["courier"] == code and refused.value.details["tracking_number"] == number


def test_a_pattern_is_matched_whole_even_when_written_unanchored():
    loose = SimpleNamespace(code="X", tracking_pattern=r"\d{3}", active=True)
    check_tracking_number(loose, "123")
    with pytest.raises(TrackingNumberInvalid):
        check_tracking_number(loose, "A1234")


def test_a_pattern_that_is_no_regular_expression_is_named():
    assert "regular expression" in pattern_problem(r"^SF(\d{13}$")
    assert pattern_problem("") == "empty"
    assert pattern_problem("x" * 201).startswith("longer than")


def test_an_unknown_or_inactive_courier_is_refused():
    with pytest.raises(UnknownCourier):
        check_courier_usable(None, "顺丰")
    with pytest.raises(UnknownCourier):
        check_courier_usable(courier("SF", active=False), "SF")


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.code)
def test_every_presets_local_numbers_fit_its_pattern(preset):
    numbers = {local_tracking_number(courier(preset.code), preset.waybill_settings(), n) for n in (1, 2, 99_999)}
    assert len(numbers) == 3
    for number in numbers:
        check_tracking_number(courier(preset.code), number)


def test_local_settings_without_digits_or_past_their_range_give_no_number():
    with pytest.raises(InvalidInput):
        local_tracking_number(courier("SF"), {}, 1)
    with pytest.raises(InvalidInput):
        local_tracking_number(courier("SF"), {"local": {"prefix": "SF", "digits": 2}}, 100)
    with pytest.raises(TrackingNumberInvalid):  # a number the pattern does not take
        local_tracking_number(courier("SF"), {"local": {"prefix": "SF", "digits": 5}}, 1)


def test_with_a_waybill_the_handover_takes_its_courier_and_number():
    assert handover_from_waybill("SF", "SF1234567890123", None, None) == ("SF", "SF1234567890123")
    assert handover_from_waybill("SF", "SF1234567890123", "sf", "SF1234567890123") == ("SF", "SF1234567890123")
    with pytest.raises(WaybillMismatch):
        handover_from_waybill("SF", "SF1234567890123", "ZTO", None)
    with pytest.raises(WaybillMismatch):
        handover_from_waybill("SF", "SF1234567890123", None, "SF9999999999999")


@pytest.mark.parametrize(("address", "parts"), [
    ("浙江省杭州市西湖区文三路1号", ("浙江省", "杭州市", "西湖区", "文三路1号")),
    ("上海市浦东新区张江路1号", ("上海市", "上海市", "浦东新区", "张江路1号")),
    ("广西壮族自治区南宁市青秀区民族大道1号", ("广西壮族自治区", "南宁市", "青秀区", "民族大道1号")),
    ("文三路1号", ("", "", "", "文三路1号")),
])
def test_an_address_is_split_for_the_waybill_provider(address, parts):
    split = split_address(address)
    assert (split.province, split.city, split.area, split.detail) == parts
