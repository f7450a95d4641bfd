"""Receiving's documents and their states (rules R1, R3, R5, R7, R8): pure rules, no database.

Four transition tables say which step each state allows:

- an inbound document (PO, customer return, return to vendor, consignment) is received
  against only while open (R1), then closed or cancelled;
- a receipt (one handover) is counted while a draft, signed and submitted (R3), then
  posted by the ledger clerk (R8);
- a receipt line is counted, then inspected (its inspection's outcome, pending until
  decided, R5), then posted with its receipt. Its state is not stored: it follows from
  its receipt's status and its inspection's outcome (``receipt_line_state``).

A refusal keeps the code clients already map (``document_not_open`` for R1,
``receipt_wrong_state``, ``inspection_pending``): the table decides, ``step`` raises
that error with the states the step needs (``expected``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from enum import StrEnum

from wms.domain.locations import LocationType
from wms.domain.sampling import DocumentKind, Outcome
from wms.domain.transitions import TransitionTable
from wms.errors import DomainError, HandoverIncomplete, IllegalTransition, InvalidInput


class DocumentStatus(StrEnum):
    """States of an inbound document; only an open one can be received against (R1)."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class DocumentAction(StrEnum):
    """What is done to an inbound document."""

    RECEIVE = "receive"  # start a receipt or count goods against it (R1)
    CLOSE = "close"  # by the clerk, or by itself once everything is received and posted
    CANCEL = "cancel"


DOCUMENT = TransitionTable("inbound document", {
    (DocumentStatus.OPEN, DocumentAction.RECEIVE): DocumentStatus.OPEN,
    (DocumentStatus.OPEN, DocumentAction.CLOSE): DocumentStatus.CLOSED,
    (DocumentStatus.OPEN, DocumentAction.CANCEL): DocumentStatus.CANCELLED,
})


class ReceiptStatus(StrEnum):
    """A receipt is scanned (draft), signed and handed over (submitted), then posted (R3, R8)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    POSTED = "posted"


class ReceiptAction(StrEnum):
    """What is done to a receipt."""

    COUNT = "count"  # a scan counted in
    SUBMIT = "submit"  # the handover signed (R3)
    POST = "post"  # by the ledger clerk (R8, R9)


RECEIPT = TransitionTable("receipt", {
    (ReceiptStatus.DRAFT, ReceiptAction.COUNT): ReceiptStatus.DRAFT,
    (ReceiptStatus.DRAFT, ReceiptAction.SUBMIT): ReceiptStatus.SUBMITTED,
    (ReceiptStatus.SUBMITTED, ReceiptAction.POST): ReceiptStatus.POSTED,
})


class ReceiptLineState(StrEnum):
    """Where a receipt line stands; the middle three are its inspection's outcome (R5, R6)."""

    COUNTED = "counted"
    PENDING = "pending"  # submitted, its inspection not yet decided
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    POSTED = "posted"


class ReceiptLineAction(StrEnum):
    """What is done to one receipt line."""

    REMOVE = "remove"  # undo a mis-scan
    SUBMIT = "submit"  # with its receipt: its inspection is planned (R5)
    RECORD = "record"  # an inspection round that leaves the lot undecided
    ACCEPT = "accept"
    REJECT = "reject"
    POST = "post"


RECEIPT_LINE = TransitionTable("receipt line", {
    (ReceiptLineState.COUNTED, ReceiptLineAction.REMOVE): ReceiptLineState.COUNTED,
    (ReceiptLineState.COUNTED, ReceiptLineAction.SUBMIT): ReceiptLineState.PENDING,
    (ReceiptLineState.PENDING, ReceiptLineAction.RECORD): ReceiptLineState.PENDING,
    (ReceiptLineState.PENDING, ReceiptLineAction.ACCEPT): ReceiptLineState.ACCEPTED,
    (ReceiptLineState.PENDING, ReceiptLineAction.REJECT): ReceiptLineState.REJECTED,
    (ReceiptLineState.ACCEPTED, ReceiptLineAction.POST): ReceiptLineState.POSTED,
    (ReceiptLineState.REJECTED, ReceiptLineAction.POST): ReceiptLineState.POSTED,
})

#: The line action that records an inspection decision of each outcome.
DECISION_ACTION = {
    Outcome.PENDING: ReceiptLineAction.RECORD,
    Outcome.ACCEPTED: ReceiptLineAction.ACCEPT,
    Outcome.REJECTED: ReceiptLineAction.REJECT,
}


def receipt_line_state(receipt_status: str, inspection_outcome: str | None) -> ReceiptLineState:
    """A line's state from its receipt's status and its inspection's outcome (None before submission)."""
    status = ReceiptStatus(receipt_status)
    if status is ReceiptStatus.POSTED:
        return ReceiptLineState.POSTED
    if status is ReceiptStatus.DRAFT or inspection_outcome is None:
        return ReceiptLineState.COUNTED
    return ReceiptLineState(Outcome(inspection_outcome).value)


def step(table: TransitionTable, state: str, action: StrEnum,
         refuse: Callable[[dict], DomainError]) -> StrEnum:
    """``table.next(state, action)``; a refusal raises ``refuse(details)`` (the table's details)."""
    try:
        return table.next(state, action)
    except IllegalTransition as refused:
        raise refuse(refused.details) from None


# --- parties and places (R1, R7) ------------------------------------------------------------


def check_parties(kind: str, *, supplier: bool, customer: bool, consignor_owner: bool) -> DocumentKind:
    """Refuse a document whose kind and parties do not fit (R1; R7: consignment is the consignor's)."""
    kind_ = DocumentKind(kind)
    if kind_ in (DocumentKind.PURCHASE_ORDER, DocumentKind.RETURN_TO_VENDOR) and not supplier:
        raise InvalidInput("A purchase order or return to vendor names its supplier.", field="supplier")
    if kind_ is DocumentKind.CUSTOMER_RETURN and not customer:
        raise InvalidInput("A customer return names its customer.", field="customer")
    if (kind_ is DocumentKind.CONSIGNMENT) != consignor_owner:
        # R7: consignment stock belongs to the consignor, and only consignment stock does.
        raise InvalidInput("Consignment documents, and only they, name a consignor as owner (R7).",
                           field="owner")
    return kind_


def receiving_location_type(kind: str) -> LocationType:
    """R7: consignment goods arrive in a consignment location, everything else at a receiving dock."""
    return LocationType.CONSIGNMENT if kind == DocumentKind.CONSIGNMENT else LocationType.RECEIVING


def storage_location_type(owner_kind: str) -> LocationType:
    """R7: a consignor's stock is stored only in consignment locations, own stock never there."""
    return LocationType.CONSIGNMENT if owner_kind == "consignor" else LocationType.STORAGE


# --- the handover (R3) ------------------------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def check_handover(*, delivery_note: str, receiver_name: str, deliverer_name: str) -> None:
    """R3: the supplier's delivery-note number and both sides' names are recorded at handover."""
    for field, value in (("delivery_note", delivery_note), ("receiver_name", receiver_name),
                         ("deliverer_name", deliverer_name)):
        if not value or not value.strip():
            raise HandoverIncomplete(f"The {field} is missing (R3).", field=field)


def check_signature(value: str | None, field: str, limit: int) -> str:
    """R3: a signature is a base64 PNG of at most ``limit`` bytes (a data: URL prefix is dropped)."""
    if not value:
        raise HandoverIncomplete(f"The {field} is missing (R3).", field=field)
    text = value.split(",", 1)[1] if value.startswith("data:") else value
    if len(text) > (limit * 4) // 3 + 4:  # refused before decoding what cannot fit
        raise HandoverIncomplete(f"The {field} is larger than {limit} bytes.", field=field, limit=limit)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise HandoverIncomplete(f"The {field} is not base64.", field=field) from None
    if not raw.startswith(PNG_MAGIC):
        raise HandoverIncomplete(f"The {field} is not a PNG image.", field=field)
    if len(raw) > limit:
        raise HandoverIncomplete(f"The {field} is larger than {limit} bytes.", field=field, limit=limit)
    return text


def lot_code(receipt_number: str, line_no: int, batch: str | None) -> str:
    """The lot of a received line: the supplier's batch, else the receipt and line (S1's FIFO key)."""
    return batch or f"{receipt_number}-{line_no:04d}"


class WaitingFor(StrEnum):
    """R8: what an unposted receipt waits for, as a code screens and reports word themselves."""

    SUBMISSION = "submission"
    INSPECTION = "inspection"
    POSTING = "posting"


#: The English words of each, as the API has always said them.
WAITING_FOR_WORDS = {
    WaitingFor.SUBMISSION: "signature and submission",
    WaitingFor.INSPECTION: "inspection",
    WaitingFor.POSTING: "posting by the ledger clerk",
}


def waiting_for_code(receipt_status: str, inspection_pending: bool) -> WaitingFor:
    """R8: what an unposted receipt waits for before the day can close."""
    if receipt_status == ReceiptStatus.DRAFT:
        return WaitingFor.SUBMISSION
    return WaitingFor.INSPECTION if inspection_pending else WaitingFor.POSTING


def waiting_for(receipt_status: str, inspection_pending: bool) -> str:
    """R8: what an unposted receipt waits for, in English words."""
    return WAITING_FOR_WORDS[waiting_for_code(receipt_status, inspection_pending)]


def defect_rate_percent(defects: int, units_inspected: int) -> str | None:
    """Defects per unit inspected, a percent with two decimals (truncated), as text; None without units."""
    if not units_inspected:
        return None
    hundredths = defects * 10000 // units_inspected
    return f"{hundredths // 100}.{hundredths % 100:02d}"
