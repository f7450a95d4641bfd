"""Returns with couriers (rule L3, R6): the courier's return records against the returns we received.

The pure matching first, then the import of a crafted file through the service: every
difference type found exactly, a rerun keeps resolutions, bad files change nothing,
personal data is masked.
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.wms.receiving.helpers import HANDOVER
from tests.wms.reconciliation.conftest import bill_csv, bill_xlsx
from wms.domain.reconciliation_files import Condition, RowProblem, condition_of
from wms.domain.reconciliation_matching import (
    CourierReturn,
    ReceivedReturn,
    match_returns,
    merge_courier_returns,
)
from wms.errors import ReconciliationFileRejected
from wms.extensions import db
from wms.models.reconciliation import ReconciliationDifference, ReconciliationRun
from wms.services import receiving
from wms.services.reconciliation import change_status
from wms.services.reconciliation.returns import reconcile_returns
from wms.services.warehouse_day import warehouse_today


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


# --- the service: a crafted file against returns received through R6 ---------------------------

HEADER = ["退货运单号", "原订单号", "件数", "货物状态", "寄件人", "寄件人电话"]


def _received(world, number, order, tracking, quantity, *, damaged=0):
    """A customer return received and classified (R6): the parcel's waybill is the delivery note."""
    clerk, receiver = world.user("clerk"), world.user("receiver")
    receiving.create_document(clerk, number=number, kind="customer_return", customer="CUS-1", external_ref=order,
                              lines=[{"item": "SKU-1", "quantity": quantity}])
    receipt = receiving.start_receipt(receiver, number)
    receiving.receive_line(receiver, receipt.id, code="SKU-1", quantity=quantity, packaging="intact")
    receiving.submit_receipt(receiver, receipt.id, **{**HANDOVER, "delivery_note": tracking})
    line = receiving.get_receipt(clerk, receipt.id).lines[0]
    receiving.classify_return(receiver, line.id, resellable=quantity - damaged, damaged=damaged, missing_parts=0)


@pytest.fixture
def returns_world(ctx, world):
    _received(world, "RMA-1", "SO-1", "SF1001", 2)
    _received(world, "RMA-2", "SO-2", "SF1002", 2)
    _received(world, "RMA-3", "SO-3", "SF1003", 1, damaged=1)
    _received(world, "RMA-5", "SO-5", "SF1005", 1)
    return world


ROWS = [
    ["SF1001", "SO-1", 2, "完好", "张三丰", "13800138000"],
    ["SF1002", "SO-2", 3, "完好", "李四", "13900139000"],
    ["SF1003", "SO-3", 1, "完好", "", ""],
    ["SF1004", "SO-4", 1, "完好", "王五", "13700137000"],
]
EXPECTED = {("quantity_mismatch", "SF1002"), ("condition_mismatch", "SF1003"),
            ("returned_not_received", "SF1004"), ("received_not_recorded", "SF1005")}


def _stored():
    return {(d.type, d.match_key): d for d in db.session.execute(
        sa.select(ReconciliationDifference).where(ReconciliationDifference.kind == "returns")).scalars()}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_l3_returns_file_finds_exactly_its_differences_and_a_rerun_keeps_resolutions(returns_world, fmt):
    cycle = warehouse_today().strftime("%Y-%m")
    clerk = returns_world.user("clerk")
    content = bill_csv(HEADER, ROWS) if fmt == "csv" else bill_xlsx(HEADER, ROWS)
    run = reconcile_returns(clerk, f"returns.{fmt}", content, courier="SF", cycle=cycle)
    assert run["summary"]["by_type"] == {"condition_mismatch": 1, "quantity_mismatch": 1,
                                         "received_not_recorded": 1, "returned_not_received": 1}
    stored = _stored()
    assert set(stored) == EXPECTED
    assert {d.courier_code for d in stored.values()} == {"SF"}
    missing = stored[("returned_not_received", "SF1004")]
    assert missing.evidence["sender_name"] == "王*" and missing.evidence["sender_phone"] == "137****7000"
    change_status(clerk, stored[("quantity_mismatch", "SF1002")].id, "claimed", "索赔一件")

    again = reconcile_returns(clerk, f"returns.{fmt}", content, courier="SF", cycle=cycle)
    assert (again["summary"]["new"], again["summary"]["kept"], again["summary"]["closed"]) == (0, 4, 0)
    db.session.expire_all()
    kept = _stored()[("quantity_mismatch", "SF1002")]
    assert (kept.status, kept.note) == ("claimed", "索赔一件")
    everything = repr([(d.evidence, d.note) for d in _stored().values()])
    assert "王五" not in everything and "13700137000" not in everything


@pytest.mark.parametrize("content, reason", [
    (bill_csv(["件数", "货物状态"], [[1, "完好"]]), "missing_columns"),
    (bill_csv(HEADER, [["SF1", "SO-1", "two", "完好", "", ""], ["SF2", "", 1, "怪", "", ""]]), "bad_rows"),
    (b"", "empty"),
    (bill_csv(HEADER, []), "empty"),  # a header alone would resolve every difference of the cycle
])
def test_l3_a_bad_returns_file_is_refused_and_writes_nothing(returns_world, content, reason):
    with pytest.raises(ReconciliationFileRejected) as refused:
        reconcile_returns(returns_world.user("clerk"), "returns.csv", content, courier="SF",
                          cycle=warehouse_today().strftime("%Y-%m"))
    assert refused.value.details["reason"] == reason
    if reason == "bad_rows":
        assert [(r["row"], r["field"]) for r in refused.value.details["rows"]] == [(2, "quantity"), (3, "condition")]
    assert db.session.execute(sa.select(sa.func.count()).select_from(ReconciliationRun)).scalar_one() == 0
    assert _stored() == {}


def test_l3_a_custom_mapping_names_the_courier_s_own_headers(returns_world):
    content = bill_csv(["单号X", "数目"], [["SF1001", 2], ["SF1002", 2], ["SF1003", 1], ["SF1005", 1]])
    run = reconcile_returns(returns_world.user("clerk"), "r.csv", content, courier="SF",
                            cycle=warehouse_today().strftime("%Y-%m"),
                            mapping={"tracking_number": "单号X", "quantity": "数目"})
    assert run["summary"]["by_type"] == {}


def test_l3_return_records_uploaded_through_the_api_with_a_mapping(api, app, world):
    with app.app_context():
        _received(world, "RMA-1", "SO-1", "SF1001", 2)
    clerk = api.as_("clerk")
    content = bill_csv(["单号X", "数目"], [["SF1001", 3]])
    with app.app_context():
        cycle = warehouse_today().strftime("%Y-%m")
    response = clerk.post("/api/v1/reconciliation/returns", data={
        "courier": "SF", "cycle": cycle, "mapping": '{"tracking_number": "单号X", "quantity": "数目"}',
        "file": (io.BytesIO(content), "sf.csv")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["summary"]["by_type"] == {"quantity_mismatch": 1}
    bad = clerk.post("/api/v1/reconciliation/returns", data={
        "courier": "SF", "cycle": cycle, "mapping": "[1]", "file": (io.BytesIO(content), "sf.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["code"] == "validation_failed"


@pytest.mark.parametrize("path, extra", [("returns", {"courier": "SF", "file": "file.png"}),
                                         ("payments", {"platform": "tmall", "file": "file.png"}),
                                         ("outbound", {"orders": "orders.png"})])
def test_l3_an_empty_mapping_field_is_no_mapping_and_a_bad_form_is_a_typed_refusal(api, path, extra):
    """An empty form field (a mapping left blank) is no mapping: the form's other faults are
    told, typed, never a server error; a mapping of more than 4,000 characters is refused."""

    def form(**fields):
        files = {k: (io.BytesIO(b"\x89PNG\r\n\x1a\n"), v) for k, v in extra.items() if k in ("file", "orders")}
        return {**{k: v for k, v in extra.items() if k not in files}, **files, **fields}

    denied = api.as_("picker").post(f"/api/v1/reconciliation/{path}", data=form(cycle="0", mapping=""),
                                    content_type="multipart/form-data")
    assert denied.status_code == 403 and denied.get_json()["code"] == "permission_denied"
    response = api.as_("clerk").post(f"/api/v1/reconciliation/{path}", data=form(cycle="0", mapping=""),
                                     content_type="multipart/form-data")
    assert response.status_code == 422, response.get_json()
    assert (response.get_json()["code"], response.get_json()["errors"]) == (
        "invalid_input", {"field": "cycle", "value": "0"})
    long_mapping = '{"tracking_number": "' + "单" * 5000 + '"}'
    refused = api.as_("clerk").post(f"/api/v1/reconciliation/{path}", data=form(cycle="2026-11", mapping=long_mapping),
                                    content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.get_json()["code"] == "validation_failed", refused.get_json()
    assert "mapping" in str(refused.get_json()["errors"])
