"""Payment reconciliation (回款, rule L3): a platform's settlement statement against shipped orders.

The pure matching and the cell readers first, then the service on a crafted statement
for each platform preset.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from wms.domain.reconciliation_matching import (
    SETTLEMENT_PRESETS,
    RowProblem,
    SettlementKind,
    SettlementLine,
    ShippedOrder,
    date_of,
    match_payments,
    money,
    settlement_kind,
)

D = Decimal
INCOME, REFUND = SettlementKind.INCOME, SettlementKind.REFUND


def _line(order, kind, amount, row=2):
    return SettlementLine(order, kind, D(amount), date(2026, 11, 20), row)


def test_l3_payments_paid_refunded_short_paid_late_and_unshipped():
    shipped = [
        ShippedOrder("SO-1", date(2026, 11, 1), D("100.00")),  # paid in full
        ShippedOrder("SO-2", date(2026, 11, 1), D("50.00")),  # paid, then part refunded
        ShippedOrder("SO-3", date(2026, 11, 1), D("80.00")),  # paid 70
        ShippedOrder("SO-4", date(2026, 11, 1)),  # no line, shipped 29 days before
        ShippedOrder("SO-5", date(2026, 11, 25)),  # no line, shipped 5 days before: pending
        ShippedOrder("SO-6", date(2026, 11, 2)),  # amount unknown: presence only
    ]
    lines = [_line("SO-1", INCOME, "100.00"), _line("SO-2", INCOME, "50.00"), _line("SO-2", REFUND, "20.00", 4),
             _line("SO-3", INCOME, "70.00"), _line("SO-6", INCOME, "1.00"), _line("SO-9", INCOME, "9.90")]
    found, tally = match_payments(lines, shipped, as_of=date(2026, 11, 30), settle_days=15)
    by_type = {(f.type, f.match_key): f for f in found}
    assert set(by_type) == {("refunded", "SO-2"), ("short_paid", "SO-3"), ("not_settled_after_days", "SO-4"),
                            ("settled_not_shipped", "SO-9")}
    assert by_type[("short_paid", "SO-3")].amount == D("10.00")
    assert by_type[("refunded", "SO-2")].evidence["net"] == "30.00"
    assert (tally.paid, tally.pending, tally.amounts_known) == (2, 1, 3)


def test_l3_money_cells_are_yuan_with_two_decimals():
    assert money("¥1,234.50") == D("1234.50")
    assert money(12.3) == D("12.30")
    assert money("-5") == D("-5.00")
    assert money("") is None
    for bad in ("12.345", "abc", "1e5"):
        with pytest.raises(RowProblem):
            money(bad)


def test_l3_settlement_kind_from_the_preset_words_or_the_sign():
    alipay = SETTLEMENT_PRESETS["alipay"]
    assert settlement_kind(alipay, "交易退款", D("5")) == REFUND
    assert settlement_kind(alipay, "在线支付", D("5")) == INCOME
    assert settlement_kind(alipay, "", D("-5")) == REFUND
    assert settlement_kind(alipay, "其他", D("5")) == INCOME


def test_l3_settlement_dates():
    assert date_of("2026-11-03 12:00:00") == date(2026, 11, 3)
    assert date_of("2026/11/03") == date(2026, 11, 3)
    with pytest.raises(RowProblem):
        date_of("yesterday")
