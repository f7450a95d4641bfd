"""Payment reconciliation (回款, rule L3): a platform's settlement statement against shipped orders.

The pure matching and the cell readers first, then the service on a crafted statement
for each platform preset.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.wms.reconciliation.conftest import bill_csv, bill_xlsx, utc
from wms.domain.reconciliation_files import (
    SETTLEMENT_PRESETS,
    RowProblem,
    SettlementKind,
    date_of,
    money,
    settlement_kind,
)
from wms.domain.reconciliation_matching import SettlementLine, ShippedOrder, match_payments
from wms.errors import InvalidInput, ReconciliationFileRejected
from wms.extensions import db
from wms.models.reconciliation import ReconciliationDifference, ReconciliationRun
from wms.services.reconciliation import change_status
from wms.services.reconciliation.payments import reconcile_payments

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


# --- the service: a crafted statement for each platform preset ---------------------------------

CYCLE = "2026-11"


@pytest.fixture
def shipped_orders(ctx, parcels):
    ship = parcels.ship
    ship("SF", "SF8001", "P-1", 1000, utc(2026, 11, 2, 2))  # paid in full
    ship("SF", "SF8002", "P-2", 1000, utc(2026, 11, 3, 2))  # paid, part refunded
    ship("SF", "SF8003", "P-3", 1000, utc(2026, 11, 4, 2))  # paid 70 of 80
    ship("SF", "SF8004", "P-4", 1000, utc(2026, 11, 5, 2))  # never settled
    ship("SF", "SF8005", "P-5", 1000, utc(2026, 11, 25, 2))  # shipped 5 days before the end: pending
    ship("SF", "SF8006", "P-6", 1000, utc(2026, 10, 20, 2))  # shipped before the cycle, paid in it
    return parcels


def statement(code: str, lines: list[tuple[str, str, str, str]]) -> tuple[list[str], list[list]]:
    """A statement in a preset's layout from (order, kind word, signed amount, date) lines."""
    columns = SETTLEMENT_PRESETS[code].columns
    split = "income" in columns
    fields = ["order_number", *(["income", "expense"] if split else ["amount"]), "kind", "date"]
    header = [columns[f][0] for f in fields]
    rows = []
    for order, word, amount, on in lines:
        if split:
            money_cells = [amount, ""] if not amount.startswith("-") else ["", amount]
        else:
            money_cells = [amount]
        rows.append([order, *money_cells, word, on])
    return header, rows


LINES = [
    ("P-1", "交易收入", "100.00", "2026-11-05 10:00:00"),
    ("P-2", "交易收入", "50.00", "2026-11-06 10:00:00"),
    ("P-2", "交易退款", "-20.00", "2026-11-08 10:00:00"),
    ("P-3", "交易收入", "70.00", "2026-11-07 10:00:00"),
    ("P-3", "服务费", "-0.50", "2026-11-07 10:00:00"),
    ("P-6", "交易收入", "30.00", "2026-11-02 10:00:00"),
    ("P-9", "交易收入", "9.90", "2026-11-09 10:00:00"),
    ("", "提现", "-200.00", "2026-11-10 10:00:00"),
]
ORDERS = ("orders.csv", bill_csv(["订单号", "商品编码", "数量", "实付金额"], [
    ["P-1", "SKU-1", 1, "100.00"], ["P-2", "SKU-1", 1, "50.00"], ["P-3", "SKU-1", 1, "80.00"],
    ["P-4", "SKU-1", 1, "40.00"], ["P-6", "SKU-1", 1, "30.00"]]))
EXPECTED = {("refunded", "P-2"), ("short_paid", "P-3"), ("not_settled_after_days", "P-4"),
            ("settled_not_shipped", "P-9")}


def _payments():
    return {(d.type, d.match_key): d for d in db.session.execute(
        sa.select(ReconciliationDifference).where(ReconciliationDifference.kind == "payments")).scalars()}


@pytest.mark.parametrize("code", sorted(SETTLEMENT_PRESETS))
def test_l3_each_platform_statement_finds_exactly_its_differences(ctx, world, shipped_orders, code):
    header, rows = statement(code, LINES)
    content = bill_xlsx(header, rows) if code == "alipay" else bill_csv(header, rows)
    name = "statement.xlsx" if code == "alipay" else "statement.csv"
    run = reconcile_payments(world.user("clerk"), name, content, platform=code, cycle=CYCLE, orders_file=ORDERS)
    assert set(_payments()) == EXPECTED
    summary = run["summary"]
    assert (summary["paid"], summary["pending"], summary["skipped_rows"], summary["amounts_known"]) == (2, 1, 1, 5)
    short = _payments()[("short_paid", "P-3")]
    assert (short.amount, short.evidence["fee"], short.evidence["order_amount"]) == (Decimal("10.00"), "0.50", "80.00")
    assert run["party"] == code


def test_l3_without_amounts_only_presence_is_matched_and_a_rerun_keeps_resolutions(ctx, world, shipped_orders):
    clerk = world.user("clerk")
    header, rows = statement("tmall", LINES)
    content = bill_csv(header, rows)
    run = reconcile_payments(clerk, "s.csv", content, platform="tmall", cycle=CYCLE)
    assert run["summary"]["amounts_known"] == 0 and run["summary"]["amounts_given"] is False
    assert set(_payments()) == EXPECTED - {("short_paid", "P-3")}
    change_status(clerk, _payments()[("refunded", "P-2")].id, "resolved", "买家退一件")
    again = reconcile_payments(clerk, "s.csv", content, platform="tmall", cycle=CYCLE)
    assert (again["summary"]["new"], again["summary"]["kept"], again["summary"]["closed"]) == (0, 3, 0)
    db.session.expire_all()
    refunded = _payments()[("refunded", "P-2")]
    assert (refunded.status, refunded.note) == ("resolved", "买家退一件")


@pytest.mark.parametrize("rows, reason", [
    ([["P-1", "12.345", "交易收入", "2026-11-05"]], "bad_rows"),
    ([["P-1", "100", "交易收入", "someday"]], "bad_rows"),
    ([["P-1", "", "交易收入", "2026-11-05"]], "bad_rows"),
])
def test_l3_a_bad_statement_is_refused_and_writes_nothing(ctx, world, shipped_orders, rows, reason):
    header = ["订单号", "金额", "类型", "日期"]
    with pytest.raises(ReconciliationFileRejected) as refused:
        reconcile_payments(world.user("clerk"), "s.csv", bill_csv(header, rows), platform="default", cycle=CYCLE)
    assert refused.value.details["reason"] == reason
    assert db.session.execute(sa.select(sa.func.count()).select_from(ReconciliationRun)).scalar_one() == 0


def test_l3_an_unknown_platform_is_refused(ctx, world):
    with pytest.raises(InvalidInput) as refused:
        reconcile_payments(world.user("clerk"), "s.csv", b"x", platform="amazon", cycle=CYCLE)
    assert refused.value.details["allowed"] == sorted(SETTLEMENT_PRESETS)


# --- through the API ---------------------------------------------------------------------------


def test_l3_a_statement_uploaded_through_the_api_is_listed_and_resolved(api, app, world, parcels):
    with app.app_context():
        parcels.ship("SF", "SF8101", "P-1", 1000, utc(2026, 11, 2, 2))
    clerk = api.as_("clerk")
    header, rows = statement("pinduoduo", [("P-1", "交易收入", "10.00", "2026-11-05"), ("P-7", "交易收入", "5.00", "")])
    response = clerk.post("/api/v1/reconciliation/payments", data={
        "platform": "pinduoduo", "cycle": CYCLE, "file": (io.BytesIO(bill_csv(header, rows)), "pdd.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["summary"]["by_type"] == {"settled_not_shipped": 1}
    listed = clerk.get("/api/v1/reconciliation/differences?kind=payments").get_json()
    assert [(d["type"], d["key"], d["party"]) for d in listed["items"]] == [("settled_not_shipped", "P-7", "pinduoduo")]
    bad = clerk.post("/api/v1/reconciliation/payments", data={
        "platform": "pinduoduo", "cycle": CYCLE, "file": (io.BytesIO(b"\xff\xfe\x00x"), "pdd.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["code"] == "reconciliation_file_rejected"
    no_file = clerk.post("/api/v1/reconciliation/payments", data={"platform": "pinduoduo", "cycle": CYCLE},
                         content_type="multipart/form-data")
    assert no_file.status_code == 422 and no_file.get_json()["code"] == "invalid_input"
    picker = api.as_("picker").post("/api/v1/reconciliation/payments", data={
        "platform": "pinduoduo", "cycle": CYCLE, "file": (io.BytesIO(bill_csv(header, rows)), "pdd.csv")},
        content_type="multipart/form-data")
    assert picker.status_code == 403
    presets = clerk.get("/api/v1/reconciliation/presets").get_json()
    assert {p["code"] for p in presets["payments"]} == set(SETTLEMENT_PRESETS)


def test_l3_the_payments_command_reconciles_a_statement(app, runner, world, parcels, tmp_path):
    with app.app_context():
        parcels.ship("SF", "SF8201", "P-1", 1000, utc(2026, 11, 2, 2))
    header, rows = statement("alipay", [("P-1", "在线支付", "10.00", "2026-11-05"), ("P-1", "交易退款", "-10.00", "")])
    path = tmp_path / "alipay.csv"
    path.write_bytes(bill_csv(header, rows))
    result = runner.invoke(args=["reconcile", "payments", str(path), "--platform", "alipay", "--cycle", CYCLE])
    assert result.exit_code == 0, result.output
    assert ["refunded", "1"] in [line.split() for line in result.output.splitlines()]
