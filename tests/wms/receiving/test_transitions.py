"""Every illegal step of receiving's transition tables, tried through the services.

Each refusal keeps the code clients map (R1 ``document_not_open``, ``receipt_wrong_state``,
R5 ``inspection_pending``), names the states the step needs, and changes nothing.
"""

from __future__ import annotations

import pytest

from tests.wms.receiving.helpers import HANDOVER, make_document, receive
from wms.domain.receiving import (
    DOCUMENT,
    RECEIPT,
    RECEIPT_LINE,
    DocumentAction,
    DocumentStatus,
    ReceiptAction,
    ReceiptLineAction,
    ReceiptLineState,
    ReceiptStatus,
)
from wms.errors import DocumentNotOpen, InspectionPending, ReceiptNotEditable
from wms.extensions import db
from wms.models import InboundDocument, ReceiptLine
from wms.models.receiving import Receipt
from wms.services import receiving

# --- inbound documents (R1) ----------------------------------------------------------------


def document_in(world, status: DocumentStatus):
    document = make_document(world, {"SKU-1": 10})
    if status is not DocumentStatus.OPEN:
        receiving.set_document_status(world.user("clerk"), document.id, status.value)
    return document


DOCUMENT_ACTIONS = {
    DocumentAction.RECEIVE: lambda world, d: receiving.start_receipt(world.user("receiver"), d.number),
    DocumentAction.CLOSE: lambda world, d: receiving.set_document_status(world.user("clerk"), d.id, "closed"),
    DocumentAction.CANCEL: lambda world, d: receiving.set_document_status(world.user("clerk"), d.id, "cancelled"),
}


@pytest.mark.parametrize(("state", "action"), DOCUMENT.illegal_steps())
def test_r1_an_illegal_document_step_is_refused_as_document_not_open(ctx, world, state, action):
    document = document_in(world, state)
    with pytest.raises(DocumentNotOpen) as refused:
        DOCUMENT_ACTIONS[action](world, document)
    assert refused.value.details["expected"] == DOCUMENT.states_allowing(action) == ["open"]
    assert refused.value.details["document_status"] == state
    db.session.expire_all()
    assert db.session.get(InboundDocument, document.id).status == state


# --- receipts (R3, R8) ------------------------------------------------------------------------


def decide(world, line_id: int, *, defects: int = 0) -> None:
    """Inspect a 10-unit purchase-order lot: its sample clean, or three of three defective."""
    units = 3 if defects else db.session.get(ReceiptLine, line_id).inspection.sample_size
    receiving.record_inspection(world.user("receiver"), line_id, units_inspected=units, defects=defects)


def receipt_in(world, status: ReceiptStatus):
    # Half the order, so a posted receipt leaves its document open.
    document = make_document(world, {"SKU-1": 10})
    receipt = receive(world, document.number, {"SKU-1": 5}, submit=status is not ReceiptStatus.DRAFT)
    if status is ReceiptStatus.POSTED:
        decide(world, receipt.lines[0].id)
        receiving.post_receipt(world.user("clerk"), receipt.id)
    return receipt


RECEIPT_ACTIONS = {
    ReceiptAction.COUNT: lambda world, r: receiving.receive_line(world.user("receiver"), r.id, code="SKU-1",
                                                                 quantity=1),
    ReceiptAction.SUBMIT: lambda world, r: receiving.submit_receipt(world.user("receiver"), r.id, **HANDOVER),
    ReceiptAction.POST: lambda world, r: receiving.post_receipt(world.user("clerk"), r.id),
}


@pytest.mark.parametrize(("state", "action"), RECEIPT.illegal_steps())
def test_r3_r8_an_illegal_receipt_step_is_refused_naming_the_expected_state(ctx, world, state, action):
    receipt = receipt_in(world, state)
    with pytest.raises(ReceiptNotEditable) as refused:
        RECEIPT_ACTIONS[action](world, receipt)
    assert refused.value.code == "receipt_wrong_state"
    assert refused.value.details["expected"] == RECEIPT.states_allowing(action)
    assert refused.value.details["status"] == state
    db.session.expire_all()
    assert db.session.get(Receipt, receipt.id).status == state


# --- receipt lines and their inspection (R5) -----------------------------------------------------


def line_in(world, state: ReceiptLineState) -> int:
    document = make_document(world, {"SKU-1": 10})
    receipt = receive(world, document.number, {"SKU-1": 10}, submit=state is not ReceiptLineState.COUNTED)
    line_id = receipt.lines[0].id
    if state in (ReceiptLineState.ACCEPTED, ReceiptLineState.POSTED):
        decide(world, line_id)
    if state is ReceiptLineState.REJECTED:
        decide(world, line_id, defects=3)
    if state is ReceiptLineState.POSTED:
        receiving.post_receipt(world.user("clerk"), receipt.id)
    return line_id


LINE_ACTIONS = {
    ReceiptLineAction.REMOVE: lambda world, line: receiving.remove_receipt_line(world.user("receiver"), line.id),
    ReceiptLineAction.SUBMIT: lambda world, line: receiving.submit_receipt(world.user("receiver"), line.receipt_id,
                                                                           **HANDOVER),
    ReceiptLineAction.RECORD: lambda world, line: receiving.record_inspection(
        world.user("receiver"), line.id, units_inspected=1, defects=1),
    ReceiptLineAction.ACCEPT: lambda world, line: receiving.record_inspection(
        world.user("receiver"), line.id, units_inspected=line.quantity, defects=0),
    ReceiptLineAction.REJECT: lambda world, line: receiving.record_inspection(
        world.user("receiver"), line.id, units_inspected=3, defects=3),
    ReceiptLineAction.POST: lambda world, line: receiving.post_receipt(world.user("clerk"), line.receipt_id),
}


@pytest.mark.parametrize(("state", "action"), RECEIPT_LINE.illegal_steps())
def test_r5_an_illegal_receipt_line_step_is_refused_naming_the_expected_state(ctx, world, state, action):
    line = db.session.get(ReceiptLine, line_in(world, state))
    assert line.state == state
    with pytest.raises((ReceiptNotEditable, InspectionPending)) as refused:
        LINE_ACTIONS[action](world, line)
    expected = RECEIPT_LINE.states_allowing(action)
    # A line is submitted and posted with its receipt: there the receipt's own table refuses first.
    if action is ReceiptLineAction.SUBMIT:
        expected = RECEIPT.states_allowing(ReceiptAction.SUBMIT)
    if action is ReceiptLineAction.POST and state in (ReceiptLineState.COUNTED, ReceiptLineState.POSTED):
        expected = RECEIPT.states_allowing(ReceiptAction.POST)
    if action is ReceiptLineAction.POST and state is ReceiptLineState.PENDING:
        assert refused.value.code == "inspection_pending"  # R5: not posted before it is decided
    assert refused.value.details["expected"] == expected
    db.session.expire_all()
    assert db.session.get(ReceiptLine, line.id).state == state
