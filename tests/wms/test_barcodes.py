"""GS1 in wms (wms.domain.barcodes, with biip): check digits, element strings, misreads."""

from __future__ import annotations

from datetime import date

import pytest

from wms.domain.barcodes import GS1Scan, gs1_check_digit, is_valid_gtin, parse_gs1, with_check_digit
from wms.errors import CheckDigitWrong


@pytest.mark.parametrize(("body", "gtin"), [
    ("400638133393", "4006381333931"),  # GTIN-13
    ("690123456789", "6901234567892"),
    ("1069012345678", "10690123456784"),  # GTIN-14, packaging level 1
    ("9638507", "96385074"),  # GTIN-8
])
def test_gtin_13_and_14_check_digits(body, gtin):
    assert with_check_digit(body) == gtin and gs1_check_digit(body) == int(gtin[-1])
    assert is_valid_gtin(gtin)
    wrong = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    assert not is_valid_gtin(wrong)


@pytest.mark.parametrize("code", ["", "SKU-1", "123", "69012345678９2", "6901234567892X"])
def test_what_is_no_gtin_is_not_valid(code):
    assert not is_valid_gtin(code)


@pytest.mark.parametrize("code", [
    "(01)06901234567892(10)B2026X(17)271130",  # as printed under the bars
    "]C10106901234567892\x1d10B2026X\x1d17271130",  # GS1-128 as the scanner sends it, FNC1 as GS
    "0106901234567892172711301" "0B2026X",  # fixed-length AIs first: no separator needed
])
def test_gs1_128_gives_gtin_lot_and_expiry(code):
    assert parse_gs1(code) == GS1Scan("06901234567892", "B2026X", date(2027, 11, 30))


def test_a_scanned_gtin_is_looked_up_in_every_length_it_has():
    assert parse_gs1("(01)06901234567892").gtin_forms() == {"06901234567892", "6901234567892"}
    assert parse_gs1("6901234567892") == GS1Scan("6901234567892")


@pytest.mark.parametrize("code", [
    "6901234567891",  # GTIN-13
    "10690123456785",  # GTIN-14
    "(01)06901234567891(10)B2026X",
    "]C10106901234567891\x1d10B2026X",
    "(00)106141411234567898",  # SSCC
])
def test_a_wrong_check_digit_is_a_typed_misread_not_data(code):
    with pytest.raises(CheckDigitWrong) as refused:
        parse_gs1(code)
    assert (refused.value.code, refused.value.status) == ("gs1_check_digit", 422)


@pytest.mark.parametrize("code", ["SKU-1", "(01)1", "]C1ZZZ", "(10)LOT-ONLY", ""])
def test_what_is_no_gs1_code_with_a_gtin_is_none(code):
    assert parse_gs1(code) is None
