"""Check digits of GS1 identification keys (GTIN-8/12/13/14, SSCC)."""

from __future__ import annotations


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for the digits that precede it."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """True for an 8, 12, 13 or 14 digit GTIN whose check digit is right."""
    if len(code) not in (8, 12, 13, 14) or not code.isdigit():
        return False
    return gs1_check_digit(code[:-1]) == int(code[-1])


def with_check_digit(body: str) -> str:
    """Append the GS1 check digit to a GTIN body."""
    return body + str(gs1_check_digit(body))
