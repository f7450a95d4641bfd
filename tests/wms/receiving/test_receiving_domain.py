"""Receiving's pure rules (R1, R3, R5, R6, R7, R8, put-away): no database, no app."""

from __future__ import annotations

import pytest

from wms.domain.locations import LocationType
from wms.domain.putaway import EMPTIEST, HOLDS_ITEM, BinCandidate, BinChoice, PutawayReason, choose_bin
from wms.domain.receiving import (
    ReceiptLineState,
    WaitingFor,
    check_handover,
    check_parties,
    check_signature,
    defect_rate_percent,
    lot_code,
    receipt_line_state,
    receiving_location_type,
    storage_location_type,
    waiting_for,
    waiting_for_code,
)
from wms.domain.sampling import DocumentKind, Outcome, add_inspection_round, classify_returned_units
from wms.errors import HandoverIncomplete, InspectionInvalid, InvalidInput

# --- R6: customer returns, unit by unit -------------------------------------------------------


def test_r6_resellable_units_go_to_stock_the_rest_to_quarantine():
    decision = classify_returned_units(lot_quantity=5, resellable=3, damaged=1, missing_parts=1)
    assert (decision.outcome, decision.accepted_quantity, decision.rejected_quantity) == (Outcome.ACCEPTED, 3, 2)
    assert decision.required_units == 0 and "(R6)" in decision.reason


def test_r6_a_return_with_nothing_resellable_is_rejected_whole():
    decision = classify_returned_units(lot_quantity=2, resellable=0, damaged=1, missing_parts=1)
    assert (decision.outcome, decision.accepted_quantity, decision.rejected_quantity) == (Outcome.REJECTED, 0, 2)


@pytest.mark.parametrize(("resellable", "damaged", "missing"), [(1, 1, 1), (5, 0, 0), (4, -1, 1), (0, 0, 0)])
def test_r6_every_returned_unit_is_classified_exactly_once(resellable, damaged, missing):
    with pytest.raises(InspectionInvalid) as refused:
        classify_returned_units(lot_quantity=4, resellable=resellable, damaged=damaged, missing_parts=missing)
    assert refused.value.details == {"lot_quantity": 4, "classified": resellable + damaged + missing}


# --- put-away: the bin ---------------------------------------------------------------------------


def test_putaway_prefers_the_nearest_bin_already_holding_the_item():
    choice = choose_bin([BinCandidate("A-01-01", 1, 0, False), BinCandidate("C-09-09", 90, 500, True),
                         BinCandidate("B-01-01", 20, 40, True)])
    assert choice == BinChoice("B-01-01", HOLDS_ITEM, PutawayReason.HOLDS_ITEM)


def test_putaway_else_takes_the_emptiest_bin_nearest_first():
    choice = choose_bin([BinCandidate("A-01-01", 1, 50, False), BinCandidate("A-01-03", 3, 0, False),
                         BinCandidate("A-01-02", 2, 0, False)])
    assert choice == BinChoice("A-01-02", EMPTIEST, PutawayReason.EMPTIEST)
    assert choose_bin([]) is None


def test_r7_consignor_stock_is_received_and_stored_only_in_consignment_locations():
    assert receiving_location_type(DocumentKind.CONSIGNMENT) is LocationType.CONSIGNMENT
    assert receiving_location_type(DocumentKind.PURCHASE_ORDER) is LocationType.RECEIVING
    assert storage_location_type("consignor") is LocationType.CONSIGNMENT
    assert storage_location_type("own") is LocationType.STORAGE


# --- R1, R7: a document's parties ------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "parties", "field"), [
    ("purchase_order", dict(supplier=False, customer=False, consignor_owner=False), "supplier"),
    ("return_to_vendor", dict(supplier=False, customer=False, consignor_owner=False), "supplier"),
    ("customer_return", dict(supplier=False, customer=False, consignor_owner=False), "customer"),
    ("consignment", dict(supplier=False, customer=False, consignor_owner=False), "owner"),
    ("purchase_order", dict(supplier=True, customer=False, consignor_owner=True), "owner"),
])
def test_r1_r7_a_document_names_the_parties_its_kind_needs(kind, parties, field):
    with pytest.raises(InvalidInput) as refused:
        check_parties(kind, **parties)
    assert refused.value.details["field"] == field


def test_r1_r7_fitting_parties_give_the_kind():
    assert check_parties("consignment", supplier=False, customer=False, consignor_owner=True) \
        is DocumentKind.CONSIGNMENT


# --- states, lots, R8 ------------------------------------------------------------------------------


@pytest.mark.parametrize(("receipt", "outcome", "state"), [
    ("draft", None, ReceiptLineState.COUNTED), ("submitted", "pending", ReceiptLineState.PENDING),
    ("submitted", "accepted", ReceiptLineState.ACCEPTED), ("submitted", "rejected", ReceiptLineState.REJECTED),
    ("posted", "rejected", ReceiptLineState.POSTED),
])
def test_a_receipt_lines_state_follows_its_receipt_and_its_inspection(receipt, outcome, state):
    assert receipt_line_state(receipt, outcome) is state


def test_s1_a_line_without_a_supplier_batch_gets_a_lot_of_its_receipt_and_line():
    assert lot_code("RC0000012", 3, None) == "RC0000012-0003"
    assert lot_code("RC0000012", 3, "B2026X") == "B2026X"


def test_r8_an_unposted_receipt_says_what_it_waits_for():
    assert waiting_for("draft", False) == "signature and submission"
    assert waiting_for("submitted", True) == "inspection"
    assert waiting_for("submitted", False) == "posting by the ledger clerk"
    assert waiting_for_code("draft", True) is WaitingFor.SUBMISSION
    assert waiting_for_code("submitted", True) is WaitingFor.INSPECTION
    assert waiting_for_code("submitted", False) is WaitingFor.POSTING


def test_r5_defect_rates_are_shown_to_two_decimals_without_floats():
    assert defect_rate_percent(53, 80) == "66.25"
    assert defect_rate_percent(1, 3) == "33.33"
    assert defect_rate_percent(0, 0) is None


# --- R3 handover, R5 inspection rounds ----------------------------------------------------------

PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@pytest.mark.parametrize("field", ["delivery_note", "receiver_name", "deliverer_name"])
def test_r3_the_handover_names_its_delivery_note_and_both_sides(field):
    handover = dict(delivery_note="DN-1", receiver_name="王收货", deliverer_name="李送货") | {field: "  "}
    with pytest.raises(HandoverIncomplete) as refused:
        check_handover(**handover)
    assert refused.value.details == {"field": field}


def test_r3_a_signature_is_a_small_base64_png():
    assert check_signature(PNG_1X1, "receiver_signature", 1024) == PNG_1X1
    assert check_signature("data:image/png;base64," + PNG_1X1, "receiver_signature", 1024) == PNG_1X1
    for value, limit in [("", 1024), ("***", 1024), ("aGVsbG8=", 1024), (PNG_1X1, 40)]:
        with pytest.raises(HandoverIncomplete) as refused:
            check_signature(value, "deliverer_signature", limit)
        assert refused.value.details["field"] == "deliverer_signature"


def test_r5_inspection_rounds_add_up_within_the_lot():
    assert add_inspection_round(lot_quantity=10, inspected=2, defects=1, units_inspected=3,
                                new_defects=0) == (5, 1)
    for units, defects, before in [(0, 0, 0), (1, 2, 0), (-1, 0, 0), (3, 0, 8)]:
        with pytest.raises(InspectionInvalid):
            add_inspection_round(lot_quantity=10, inspected=before, defects=0, units_inspected=units,
                                 new_defects=defects)
