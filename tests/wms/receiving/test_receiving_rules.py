"""Receiving rules R1-R9 through the services, on a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import GTIN_1
from tests.wms.receiving.helpers import HANDOVER, SIGNATURE, make_document, new_supplier, receive, run_lot
from wms.errors import (
    CheckDigitWrong,
    DocumentHasGoods,
    DocumentNotOpen,
    HandoverIncomplete,
    InspectionInvalid,
    InspectionPending,
    InvalidInput,
    ItemNotOnDocument,
    NoOpenDocument,
    OverReceipt,
    PermissionDenied,
    ReceiptNotEditable,
    UnknownBarcode,
)
from wms.extensions import db
from wms.models import InboundLine, LedgerEntry, Lot, StockQuant
from wms.services import receiving
from wms.services.stock import verify_ledger
from wms.services.warehouse_day import warehouse_today


def ledger_count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()


def on_hand(world, location: str, sku: str) -> int:
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(StockQuant.quantity), 0)).where(
            StockQuant.location_id == world.locations[location], StockQuant.item_id == world.items[sku])
    ).scalar_one()


def received(document) -> int:
    return db.session.execute(
        sa.select(InboundLine.received).where(InboundLine.document_id == document.id)
    ).scalar_one()


# --- R1 document first -------------------------------------------------------------------------


def test_r1_receiving_without_a_document_is_refused(ctx, world):
    with pytest.raises(NoOpenDocument) as refused:
        receiving.start_receipt(world.user("receiver"), None)
    assert refused.value.code == "no_open_document"
    with pytest.raises(NoOpenDocument):
        receiving.start_receipt(world.user("receiver"), "PO-WRITE-IT-LATER")
    assert ledger_count() == 0


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_r1_a_closed_or_cancelled_document_takes_no_goods(ctx, world, status):
    document = make_document(world, {"SKU-1": 10})
    receiving.set_document_status(world.user("clerk"), document.id, status)
    with pytest.raises(DocumentNotOpen) as refused:
        receiving.start_receipt(world.user("receiver"), document.number)
    assert refused.value.details["document_status"] == status
    with pytest.raises(DocumentNotOpen):
        receiving.open_document(world.user("receiver"), document.number)


def test_r1_a_document_with_goods_received_is_closed_not_cancelled(ctx, world):
    document = make_document(world, {"SKU-1": 10})
    receive(world, document.number, {"SKU-1": 4}, submit=False)
    with pytest.raises(DocumentHasGoods) as refused:
        receiving.set_document_status(world.user("clerk"), document.id, "cancelled")
    assert (refused.value.code, refused.value.details["received"]) == ("document_has_goods", 4)
    with pytest.raises(ReceiptNotEditable):  # R8: its receipt must be posted first
        receiving.set_document_status(world.user("clerk"), document.id, "closed")


def test_r1_a_document_cancelled_after_the_receipt_was_opened_refuses_the_scan(ctx, world):
    document = make_document(world, {"SKU-1": 10})
    receipt = receiving.start_receipt(world.user("receiver"), document.number)
    receiving.set_document_status(world.user("clerk"), document.id, "cancelled")
    with pytest.raises(DocumentNotOpen):
        receiving.receive_line(world.user("receiver"), receipt.id, code="SKU-1", quantity=1)
    assert received(document) == 0


def test_r1_an_item_not_on_the_document_is_refused(ctx, world):
    document = make_document(world, {"SKU-1": 10})
    receipt = receiving.start_receipt(world.user("receiver"), document.number)
    with pytest.raises(ItemNotOnDocument) as refused:
        receiving.receive_line(world.user("receiver"), receipt.id, code="SKU-2", quantity=1)
    assert refused.value.code == "item_not_on_document"
    with pytest.raises(UnknownBarcode):
        receiving.receive_line(world.user("receiver"), receipt.id, code="NO-SUCH-CODE", quantity=1)
    assert received(document) == 0


def test_r1_only_roles_allowed_may_receive_or_write_documents(ctx, world):
    with pytest.raises(PermissionDenied):
        receiving.create_document(
            world.user("picker"), number="PO-X", kind="purchase_order", supplier="SUP-1",
            lines=[{"item": "SKU-1", "quantity": 1}])
    document = make_document(world, {"SKU-1": 1})
    with pytest.raises(PermissionDenied):
        receiving.start_receipt(world.user("shipper"), document.number)


# --- R2 never more than ordered ----------------------------------------------------------------


def test_r2_receipt_beyond_order_is_refused_and_changes_nothing(ctx, world):
    document = make_document(world, {"SKU-1": 10})
    receipt = receiving.start_receipt(world.user("receiver"), document.number)
    with pytest.raises(OverReceipt) as refused:
        receiving.receive_line(world.user("receiver"), receipt.id, code="SKU-1", quantity=11)
    assert refused.value.details == {"ordered": 10, "received": 0, "requested": 11, "remaining": 10}
    assert received(document) == 0 and not receiving.get_receipt(world.user("receiver"), receipt.id).lines


def test_r2_the_limit_is_summed_over_all_receipts_of_the_line(ctx, world):
    document = make_document(world, {"SKU-1": 10})
    receive(world, document.number, {"SKU-1": 6})
    second = receiving.start_receipt(world.user("receiver"), document.number)
    receiving.receive_line(world.user("receiver"), second.id, code="SKU-1", quantity=3)
    receiving.receive_line(world.user("receiver"), second.id, code=GTIN_1, quantity=1)  # exactly the order
    with pytest.raises(OverReceipt) as refused:
        receiving.receive_line(world.user("receiver"), second.id, code="SKU-1", quantity=1)
    assert refused.value.details["remaining"] == 0
    assert received(document) == 10
    lines = receiving.get_receipt(world.user("receiver"), second.id).lines
    assert [(line.quantity, line.line_no) for line in lines] == [(4, 1)]  # rescans count onto one line


def test_r2_removing_a_mis_scan_gives_the_quantity_back(ctx, world):
    document = make_document(world, {"SKU-1": 5})
    receipt = receiving.start_receipt(world.user("receiver"), document.number)
    line = receiving.receive_line(world.user("receiver"), receipt.id, code="SKU-1", quantity=5)
    receiving.remove_receipt_line(world.user("receiver"), line.id)
    assert received(document) == 0
    receiving.receive_line(world.user("receiver"), receipt.id, code="SKU-1", quantity=5)


def test_r2_the_database_refuses_an_over_receipt_even_past_the_service(ctx, world):
    document = make_document(world, {"SKU-1": 5})
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(InboundLine).where(InboundLine.document_id == document.id)
                           .values(received=6))
        db.session.flush()
    db.session.rollback()


# --- scanning: GS1 codes carry lot and expiry ---------------------------------------------------


def test_gs1_scan_fills_batch_and_expiry(ctx, world):
    document = make_document(world, {"SKU-1": 10})
    receipt = receiving.start_receipt(world.user("receiver"), document.number)
    line = receiving.receive_line(world.user("receiver"), receipt.id,
                                  code=f"(01)0{GTIN_1}(10)B2026X(17)271130", quantity=4)
    assert (line.item_id, line.batch) == (world.items["SKU-1"], "B2026X")
    assert line.expiry_date == date(2027, 11, 30)
    raw = receiving.receive_line(world.user("receiver"), receipt.id,
                                 code=f"]C101{'0' + GTIN_1}10B2026X\x1d17271130", quantity=1)
    assert raw.id == line.id and raw.quantity == 5
    receiving.submit_receipt(world.user("receiver"), receipt.id, **HANDOVER)
    decide_all(world, receipt.id)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    lot = db.session.get(Lot, receiving.get_receipt(world.user("clerk"), receipt.id).lines[0].lot_id)
    assert (lot.code, lot.expiry_date) == ("B2026X", date(2027, 11, 30))


def test_a_gs1_scan_with_a_wrong_check_digit_is_a_misread_and_counts_nothing(ctx, world):
    document = make_document(world, {"SKU-1": 10})
    receipt = receiving.start_receipt(world.user("receiver"), document.number)
    wrong = GTIN_1[:-1] + str((int(GTIN_1[-1]) + 1) % 10)
    for code in (f"(01)0{wrong}(10)B2026X", f"]C101{'0' + wrong}10B2026X", wrong):
        with pytest.raises(CheckDigitWrong) as refused:
            receiving.receive_line(world.user("receiver"), receipt.id, code=code, quantity=1)
        assert refused.value.code == "gs1_check_digit"
    assert received(document) == 0


def decide_all(world, receipt_id: int) -> None:
    """Inspect every line's sample, finding nothing wrong."""
    for line in receiving.get_receipt(world.user("receiver"), receipt_id).lines:
        if line.inspection.document_kind == "customer_return":
            receiving.classify_return(world.user("receiver"), line.id, resellable=line.quantity,
                                      damaged=0, missing_parts=0)
        else:
            receiving.record_inspection(world.user("receiver"), line.id,
                                        units_inspected=line.inspection.sample_size, defects=0)


# --- R3 handover ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("delivery_note", ""), ("deliverer_name", "  "), ("receiver_signature", ""),
     ("deliverer_signature", "bm90IGEgcG5n"), ("receiver_signature", "***")],
)
def test_r3_handover_needs_delivery_note_names_and_png_signatures(ctx, world, field, value):
    document = make_document(world, {"SKU-1": 5})
    receipt = receive(world, document.number, {"SKU-1": 5}, submit=False)
    with pytest.raises(HandoverIncomplete) as refused:
        receiving.submit_receipt(world.user("receiver"), receipt.id, **(HANDOVER | {field: value}))
    assert refused.value.details["field"] == field
    assert receiving.get_receipt(world.user("receiver"), receipt.id).status == "draft"


def test_r3_signature_size_is_limited(app, ctx, world):
    app.config["RECEIVING_SIGNATURE_MAX_BYTES"] = 40
    document = make_document(world, {"SKU-1": 5})
    receipt = receive(world, document.number, {"SKU-1": 5}, submit=False)
    with pytest.raises(HandoverIncomplete) as refused:
        receiving.submit_receipt(world.user("receiver"), receipt.id, **HANDOVER)
    assert refused.value.details["limit"] == 40


def test_r3_the_delivery_note_and_signatures_are_kept_with_the_receipt(ctx, world):
    document = make_document(world, {"SKU-1": 5})
    receipt = receive(world, document.number, {"SKU-1": 5})
    stored = receiving.get_receipt(world.user("clerk"), receipt.id)
    assert (stored.delivery_note, stored.deliverer_name, stored.status) == ("DN-0001", "李送货", "submitted")
    assert stored.deliverer_signature == SIGNATURE


def test_r3_a_receipt_is_posted_only_by_the_clerk_and_only_once(ctx, world):
    document = make_document(world, {"SKU-1": 5})
    receipt = receive(world, document.number, {"SKU-1": 5})
    decide_all(world, receipt.id)
    with pytest.raises(PermissionDenied):
        receiving.post_receipt(world.user("receiver"), receipt.id)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    with pytest.raises(ReceiptNotEditable):
        receiving.post_receipt(world.user("clerk"), receipt.id)


def test_r3_a_draft_receipt_cannot_be_posted(ctx, world):
    document = make_document(world, {"SKU-1": 5})
    receipt = receive(world, document.number, {"SKU-1": 5}, submit=False)
    with pytest.raises(ReceiptNotEditable):
        receiving.post_receipt(world.user("clerk"), receipt.id)


# --- R4 packaging -------------------------------------------------------------------------------


def test_r4_packaging_is_recorded_and_damage_requests_replacement_and_full_inspection(ctx, world):
    document = make_document(world, {"SKU-1": 20, "SKU-2": 20})
    receiver = world.user("receiver")
    receipt = receiving.start_receipt(receiver, document.number)
    good = receiving.receive_line(receiver, receipt.id, code="SKU-1", quantity=20)
    damp = receiving.receive_line(receiver, receipt.id, code="SKU-2", quantity=20, packaging="damp",
                                  packaging_note="外箱受潮")
    receiving.submit_receipt(receiver, receipt.id, **HANDOVER)
    assert (good.packaging, good.packaging_replacement_requested) == ("intact", False)
    assert (damp.packaging, damp.packaging_replacement_requested) == ("damp", True)
    assert good.inspection.sample_size == 2
    assert (damp.inspection.sample_size, damp.inspection.state) == (20, "full")
    assert "(R4)" in damp.inspection.reason


# --- R5 sampling inspection through the services -----------------------------------------------


def test_r5_first_delivery_then_history_drives_the_rate(ctx, world):
    _, first = run_lot(world, "SKU-1", 100)
    assert (first.rate_percent, first.sample_size) == (10, 10) and "first delivery" in first.reason
    for _ in range(9):
        run_lot(world, "SKU-1", 100)
    _, eleventh = run_lot(world, "SKU-1", 100)
    assert (eleventh.state, eleventh.rate_percent, eleventh.sample_size) == ("reduced", 5, 5)
    _, expanded = run_lot(world, "SKU-1", 100, defects=1)
    assert expanded.expanded and expanded.units_inspected == 30
    _, after = run_lot(world, "SKU-1", 100)
    assert (after.state, after.rate_percent) == ("normal", 10)


def test_r5_history_is_per_supplier_and_first_delivery_per_item(ctx, world):
    new_supplier("SUP-2")
    run_lot(world, "SKU-1", 50, defects=50)
    run_lot(world, "SKU-1", 50, defects=50)
    _, tightened = run_lot(world, "SKU-1", 100)
    assert (tightened.state, tightened.rate_percent) == ("tightened", 15)
    _, other = run_lot(world, "SKU-1", 100, supplier="SUP-2")
    assert (other.state, other.rate_percent) == ("normal", 10) and "first delivery" in other.reason
    _, new_item = run_lot(world, "SKU-2", 100)
    assert new_item.rate_percent == 15 and "first delivery" in new_item.reason


def test_r5_expansion_then_exactly_thirty_percent_accepts_less_defects(ctx, world):
    document = make_document(world, {"SKU-1": 100})
    receipt = receive(world, document.number, {"SKU-1": 100})
    line = receipt.lines[0]
    inspector = world.user("receiver")
    step = receiving.record_inspection(inspector, line.id, units_inspected=10, defects=3)
    assert (step.outcome, step.expanded, step.remaining_units) == ("pending", True, 20)
    step = receiving.record_inspection(inspector, line.id, units_inspected=20, defects=6)
    assert (step.outcome, step.accepted_quantity, step.rejected_quantity) == ("accepted", 91, 9)
    with pytest.raises(ReceiptNotEditable):
        receiving.record_inspection(inspector, line.id, units_inspected=1, defects=0)


def test_r5_just_over_thirty_percent_rejects_the_lot_and_nothing_is_available(ctx, world):
    document = make_document(world, {"SKU-1": 100})
    receipt = receive(world, document.number, {"SKU-1": 100})
    line = receipt.lines[0]
    receiving.record_inspection(world.user("receiver"), line.id, units_inspected=10, defects=3)
    step = receiving.record_inspection(world.user("receiver"), line.id, units_inspected=20, defects=7)
    assert (step.outcome, step.rejected_quantity) == ("rejected", 100)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    assert on_hand(world, "RCV-01", "SKU-1") == 0
    assert on_hand(world, "QA-01", "SKU-1") == 100
    kinds = set(db.session.execute(sa.select(LedgerEntry.kind)).scalars())
    assert kinds == {"rejection"}


def test_r5_inspection_figures_beyond_the_lot_are_refused(ctx, world):
    document = make_document(world, {"SKU-1": 3})
    receipt = receive(world, document.number, {"SKU-1": 3})
    line = receipt.lines[0]
    assert line.inspection.sample_size == 1
    with pytest.raises(InspectionInvalid):
        receiving.record_inspection(world.user("receiver"), line.id, units_inspected=4, defects=0)
    with pytest.raises(InspectionInvalid):
        receiving.record_inspection(world.user("receiver"), line.id, units_inspected=1, defects=2)


def test_r5_lot_of_one_is_sampled_whole(ctx, world):
    _, inspection = run_lot(world, "SKU-1", 1)
    assert (inspection.sample_size, inspection.accepted_quantity) == (1, 1)
    _, rejected = run_lot(world, "SKU-1", 1, defects=1)
    assert (rejected.outcome, rejected.rejected_quantity) == ("rejected", 1)


def test_r5_posting_waits_for_every_inspection(ctx, world):
    document = make_document(world, {"SKU-1": 100, "SKU-2": 5})
    receipt = receive(world, document.number, {"SKU-1": 100, "SKU-2": 5})
    receiving.record_inspection(world.user("receiver"), receipt.lines[0].id, units_inspected=10, defects=0)
    with pytest.raises(InspectionPending) as refused:
        receiving.post_receipt(world.user("clerk"), receipt.id)
    assert refused.value.details["lines"] == [2]
    assert ledger_count() == 0


def test_r5_return_to_vendor_exchange_is_inspected_in_full(ctx, world):
    document = make_document(world, {"SKU-1": 12}, kind="return_to_vendor")
    receipt = receive(world, document.number, {"SKU-1": 12})
    assert (receipt.lines[0].inspection.sample_size, receipt.lines[0].inspection.rate_percent) == (12, 100)


# --- R6 customer returns ---------------------------------------------------------------------------


def test_r6_customer_return_units_go_to_stock_or_quarantine_by_condition(ctx, world):
    document = make_document(world, {"SKU-1": 5}, kind="customer_return", number="RMA-0001")
    receipt = receive(world, document.number, {"SKU-1": 5})
    line = receipt.lines[0]
    with pytest.raises(InspectionInvalid):
        receiving.classify_return(world.user("receiver"), line.id, resellable=3, damaged=1, missing_parts=0)
    with pytest.raises(InspectionInvalid):
        receiving.record_inspection(world.user("receiver"), line.id, units_inspected=5, defects=0)
    receiving.classify_return(world.user("receiver"), line.id, resellable=3, damaged=1, missing_parts=1)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    assert on_hand(world, "RCV-01", "SKU-1") == 3
    assert on_hand(world, "QA-01", "SKU-1") == 2
    sources = set(db.session.execute(
        sa.select(LedgerEntry.location_id, LedgerEntry.kind).where(LedgerEntry.quantity < 0)).all())
    assert sources == {(world.locations["CUS"], "return")}
    posted = receiving.get_receipt(world.user("clerk"), receipt.id).lines[0]
    assert (posted.resellable, posted.damaged, posted.missing_parts) == (3, 1, 1)


# --- R7 consignment ----------------------------------------------------------------------------------


def test_r7_consignment_goods_belong_to_the_consignor_in_consignment_locations(ctx, world):
    document = make_document(world, {"SKU-1": 8}, kind="consignment", number="CSG-AGR-1", supplier=None)
    receipt = receive(world, document.number, {"SKU-1": 8})
    decide_all(world, receipt.id)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    rows = db.session.execute(
        sa.select(StockQuant.location_id, StockQuant.owner_id, StockQuant.quantity)).all()
    assert rows == [(world.locations["CS-01"], world.owners["CSG-01"], 8)]


def test_r7_any_problem_rejects_consignment_goods(ctx, world):
    document = make_document(world, {"SKU-1": 50}, kind="consignment", number="CSG-AGR-2", supplier=None)
    receipt = receive(world, document.number, {"SKU-1": 50})
    step = receiving.record_inspection(world.user("receiver"), receipt.lines[0].id, units_inspected=10,
                                       defects=1)
    assert (step.outcome, step.rejected_quantity, step.accepted_quantity) == ("rejected", 50, 0)


def test_r7_consignment_needs_a_consignor_and_own_documents_may_not_name_one(ctx, world):
    with pytest.raises(InvalidInput):
        make_document(world, {"SKU-1": 1}, kind="consignment", owner="OWN")
    with pytest.raises(InvalidInput):
        make_document(world, {"SKU-1": 1}, owner="CSG-01")


def test_r7_consignment_is_never_received_into_the_own_receiving_dock(ctx, world):
    document = make_document(world, {"SKU-1": 1}, kind="consignment", supplier=None)
    with pytest.raises(InvalidInput):
        receiving.start_receipt(world.user("receiver"), document.number, "RCV-01")


# --- R8 same-day clearing ------------------------------------------------------------------------------


def test_r8_unposted_receipts_of_the_day_are_listed_with_what_they_wait_for(ctx, world):
    draft_doc = make_document(world, {"SKU-1": 5})
    draft = receive(world, draft_doc.number, {"SKU-1": 5}, submit=False)
    inspect_doc = make_document(world, {"SKU-1": 5})
    waiting = receive(world, inspect_doc.number, {"SKU-1": 5})
    post_doc = make_document(world, {"SKU-1": 5})
    ready = receive(world, post_doc.number, {"SKU-1": 5})
    decide_all(world, ready.id)
    done_doc = make_document(world, {"SKU-1": 5})
    done = receive(world, done_doc.number, {"SKU-1": 5})
    decide_all(world, done.id)
    receiving.post_receipt(world.user("clerk"), done.id)
    listed = {r.id: r.waiting_for for r in receiving.unposted_receipts(world.user("clerk"))}
    assert listed == {draft.id: "signature and submission", waiting.id: "inspection",
                      ready.id: "posting by the ledger clerk"}
    assert receiving.unposted_receipts(world.user("clerk"), warehouse_today() - timedelta(days=1)) == []
    with pytest.raises(PermissionDenied):
        receiving.unposted_receipts(world.user("picker"))


def test_r8_a_fully_received_and_posted_document_closes(ctx, world):
    document = make_document(world, {"SKU-1": 5})
    receipt = receive(world, document.number, {"SKU-1": 5})
    decide_all(world, receipt.id)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    assert receiving.get_document(world.user("clerk"), document.id).status == "closed"


# --- R9 everything registered ------------------------------------------------------------------------------


def test_r9_every_unit_that_entered_is_in_the_ledger(ctx, world):
    document = make_document(world, {"SKU-1": 100, "SKU-2": 40})
    receipt = receive(world, document.number, {"SKU-1": 100, "SKU-2": 40})
    first, second = receipt.lines
    receiving.record_inspection(world.user("receiver"), first.id, units_inspected=30, defects=4)
    receiving.record_inspection(world.user("receiver"), second.id, units_inspected=4, defects=0)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    entered = db.session.execute(
        sa.select(sa.func.sum(LedgerEntry.quantity)).where(LedgerEntry.quantity > 0,
                                                           LedgerEntry.document_id == receipt.number)
    ).scalar_one()
    assert entered == 140
    assert on_hand(world, "RCV-01", "SKU-1") == 96 and on_hand(world, "QA-01", "SKU-1") == 4
    assert verify_ledger().ok
    lot = db.session.get(Lot, receiving.get_receipt(world.user("clerk"), receipt.id).lines[0].lot_id)
    assert lot.code == f"{receipt.number}-0001" and lot.supplier_id == world.supplier_id


def test_r9_documents_stay_retrievable_after_posting(ctx, world):
    document = make_document(world, {"SKU-1": 5})
    receipt = receive(world, document.number, {"SKU-1": 5})
    decide_all(world, receipt.id)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    rows, total = receiving.list_documents(world.user("clerk"), {"number": document.number}, 1, 10)
    assert total == 1 and rows[0].status == "closed"
    stored = receiving.get_receipt(world.user("clerk"), receipt.id)
    assert stored.lines[0].inspection.reason and stored.posted_at is not None


# --- put-away -------------------------------------------------------------------------------------------


def posted_lot(world, sku: str, quantity: int) -> str:
    document = make_document(world, {sku: quantity})
    receipt = receive(world, document.number, {sku: quantity})
    decide_all(world, receipt.id)
    receiving.post_receipt(world.user("clerk"), receipt.id)
    return db.session.get(Lot, receiving.get_receipt(world.user("clerk"), receipt.id).lines[0].lot_id).code


def test_putaway_suggests_a_bin_holding_the_item_else_the_emptiest_nearest(ctx, world):
    from tests.factories import stock_in

    stock_in(world, "SKU-2", 50, "A-01-01")
    lot = posted_lot(world, "SKU-1", 10)
    suggestion = receiving.suggest_bin(world.user("receiver"), lot)
    assert (suggestion.bin, suggestion.quantity) == ("A-01-02", 10)  # A-01-01 is fuller
    receiving.put_away(world.user("receiver"), lot_code=lot, bin_code="B-01-01", quantity=4)
    again = receiving.suggest_bin(world.user("receiver"), lot)
    assert (again.bin, again.quantity, again.reason) == ("B-01-01", 6, "already holds this item")
    receiving.put_away(world.user("receiver"), lot_code=lot, bin_code=again.bin)
    assert on_hand(world, "B-01-01", "SKU-1") == 10 and on_hand(world, "RCV-01", "SKU-1") == 0
    assert verify_ledger().ok


def test_putaway_keeps_consignment_and_own_stock_apart(ctx, world):
    lot = posted_lot(world, "SKU-1", 3)
    with pytest.raises(InvalidInput):
        receiving.put_away(world.user("receiver"), lot_code=lot, bin_code="CS-02")


# --- supplier quality view (R5) ----------------------------------------------------------------------


def test_r5_quality_view_shows_state_defect_rates_and_history_per_supplier_and_item(ctx, world):
    run_lot(world, "SKU-1", 100, defects=3)
    run_lot(world, "SKU-2", 50, defects=50)
    clerk = world.user("clerk")
    view = receiving.supplier_quality(clerk, world.supplier_id)
    assert (view.state, view.rate_percent) == ("normal", 10)
    totals = view.totals
    assert (totals.lots, totals.rejected_lots, totals.units_inspected, totals.defects) == (2, 1, 80, 53)
    assert totals.defect_rate_percent == "66.25"
    assert [h.item_id for h in view.history] == [world.items["SKU-2"], world.items["SKU-1"]]
    one_item = receiving.supplier_quality(clerk, world.supplier_id, item_id=world.items["SKU-1"])
    assert [(i.sku, i.defects, i.defect_rate_percent) for i in one_item.items] == [("SKU-1", 3, "10.00")]
    assert len(one_item.history) == 1
