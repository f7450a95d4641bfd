"""Receipts: one handover of goods, started against an open document (R1), counted scan by
scan (R2, R4), signed with the delivery note and submitted (R3).

R2 is enforced by a guarded UPDATE (``received = received + n WHERE received + n <=
ordered``) whose row count decides, so two receivers scanning the same line at the
same time can never together exceed the order; a check constraint on the line is the
last line of defence. A receipt's status changes only through
``wms.domain.receiving.RECEIPT``, a line's through ``RECEIPT_LINE``; a refusal is
``receipt_wrong_state`` naming the states the step needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from wms.domain.barcodes import parse_gs1
from wms.domain.permissions import Permission, require, require_any
from wms.domain.receiving import (
    RECEIPT,
    RECEIPT_LINE,
    ReceiptAction,
    ReceiptLineAction,
    check_handover,
    check_signature,
    receipt_line_state,
    receiving_location_type,
    step,
)
from wms.domain.sampling import Packaging
from wms.errors import (
    InvalidInput,
    ItemNotOnDocument,
    NotFound,
    OverReceipt,
    ReceiptNotEditable,
    UnknownBarcode,
    UnknownLocation,
)
from wms.extensions import db
from wms.models import ItemBarcode, Location
from wms.models.receiving import InboundLine, Receipt, ReceiptLine
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.receiving.documents import check_receivable, document_to_receive
from wms.services.receiving.inspection import plan_inspections
from wms.services.stock import resolve_item_id
from wms.services.uow import run_in_transaction

lines_t = InboundLine.__table__


def start_receipt(actor: User, document_number: str | None, receiving_location: str | None = None) -> Receipt:
    """Open a receipt (one handover) against an open document (R1)."""
    require(actor.role, Permission.RECEIPT_RECEIVE)

    def use_case() -> Receipt:
        document = document_to_receive(document_number)
        wanted = receiving_location_type(document.kind)
        stmt = sa.select(Location).where(Location.warehouse_id == document.warehouse_id,
                                         Location.type == wanted.value, Location.active)
        if receiving_location:
            stmt = sa.select(Location).where(Location.code == receiving_location)
        location = db.session.execute(stmt.order_by(Location.path_order, Location.id).limit(1)).scalar()
        if location is None:
            raise UnknownLocation(f"No {wanted.value} location to receive into.", code=receiving_location)
        if location.type != wanted.value:
            # R7: consignment goods go to consignment locations, own goods to a receiving dock.
            raise InvalidInput(f"Receive this document into a {wanted.value} location.", code=location.code)
        receipt = Receipt(document_id=document.id, receiving_location_id=location.id, created_by=actor.id)
        db.session.add(receipt)
        db.session.flush()
        receipt.number = f"RC{receipt.id:07d}"
        return receipt

    return run_in_transaction(use_case)


def get_receipt(actor: User, receipt_id: int, *, lock: bool = False) -> Receipt:
    """One receipt with its lines and inspections."""
    require_any(actor.role, Permission.RECEIPT_RECEIVE, Permission.RECEIPT_INSPECT, Permission.RECEIPT_POST)
    return find_receipt(receipt_id, lock=lock)


def find_receipt(receipt_id: int, *, lock: bool = False) -> Receipt:
    """A receipt by id (locked for the transaction when ``lock``); NotFound otherwise."""
    stmt = sa.select(Receipt).where(Receipt.id == receipt_id)
    if lock:
        stmt = stmt.with_for_update()
    receipt = db.session.execute(stmt).scalar_one_or_none()
    if receipt is None:
        raise NotFound(f"No receipt {receipt_id}.", id=receipt_id)
    return receipt


def wrong_state(receipt: Receipt, message: str | None = None):
    """The refusal of a receipt's step: ``receipt_wrong_state`` with the states it needs."""
    def refuse(details: dict) -> ReceiptNotEditable:
        return ReceiptNotEditable(message or f"Receipt {receipt.number} is {receipt.status}.", number=receipt.number,
                                  status=receipt.status, action=details["action"], expected=details["expected"])
    return refuse


@dataclass(frozen=True)
class ScannedItem:
    """What a scan names: the item and, from a GS1 code, its batch and expiry."""

    item_id: int
    batch: str | None = None
    expiry_date: date | None = None


def parse_item_scan(code: str) -> ScannedItem:
    """Resolve a scanned GTIN, internal barcode, SKU or GS1 element string to an item."""
    code = code.strip()
    try:
        return ScannedItem(resolve_item_id(code))
    except UnknownBarcode:
        pass
    scan = parse_gs1(code)  # a wrong check digit is refused here, as a misread
    if scan is None:
        raise UnknownBarcode(f"No item has the code '{code}'.", code=code)
    item_id = db.session.execute(
        sa.select(ItemBarcode.item_id).where(ItemBarcode.code.in_(scan.gtin_forms())).limit(1)
    ).scalar_one_or_none()
    if item_id is None:
        raise UnknownBarcode(f"No item has the GTIN {scan.gtin}.", code=code, gtin=scan.gtin)
    return ScannedItem(item_id, scan.batch, scan.expiry_date)


def receive_line(
    actor: User,
    receipt_id: int,
    *,
    code: str,
    quantity: int,
    packaging: str = Packaging.INTACT.value,
    packaging_note: str | None = None,
    batch: str | None = None,
    expiry_date: date | None = None,
) -> ReceiptLine:
    """Count a scanned item into a draft receipt; refused beyond the order (R2)."""
    require(actor.role, Permission.RECEIPT_RECEIVE)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise InvalidInput("Quantity must be a positive whole number.", field="quantity")
    packaging_ = Packaging(packaging)

    def use_case() -> ReceiptLine:
        receipt = find_receipt(receipt_id)
        step(RECEIPT, receipt.status, ReceiptAction.COUNT, refuse=wrong_state(receipt))
        document = receipt.document
        check_receivable(document)
        scanned = parse_item_scan(code)
        lot_batch = batch or scanned.batch
        lot_expiry = expiry_date or scanned.expiry_date
        line_id = db.session.execute(
            sa.select(lines_t.c.id).where(lines_t.c.document_id == document.id,
                                          lines_t.c.item_id == scanned.item_id)
            .order_by(lines_t.c.line_no).limit(1)
        ).scalar_one_or_none()
        if line_id is None:
            raise ItemNotOnDocument(f"The scanned item is not on document {document.number}.",
                                    code=code, document=document.number)
        _add_received(line_id, quantity)
        existing = db.session.execute(
            sa.select(ReceiptLine).where(
                ReceiptLine.receipt_id == receipt.id, ReceiptLine.inbound_line_id == line_id,
                _same(ReceiptLine.batch, lot_batch), _same(ReceiptLine.expiry_date, lot_expiry),
                ReceiptLine.packaging == packaging_.value,
            ).limit(1)
        ).scalar_one_or_none()
        if existing is not None:
            # The same item scanned again counts onto the same line (one lot per line).
            existing.quantity += quantity
            if packaging_note:
                existing.packaging_note = packaging_note
            db.session.flush()
            return existing
        last = db.session.execute(
            sa.select(sa.func.max(ReceiptLine.line_no)).where(ReceiptLine.receipt_id == receipt.id)
        ).scalar_one()
        line = ReceiptLine(
            receipt_id=receipt.id, line_no=(last or 0) + 1, inbound_line_id=line_id, item_id=scanned.item_id,
            quantity=quantity, scanned_code=code[:200], batch=lot_batch, expiry_date=lot_expiry,
            packaging=packaging_.value, packaging_note=packaging_note,
            # R4: damaged outer packaging records a replacement request to the supplier.
            packaging_replacement_requested=packaging_ is not Packaging.INTACT,
        )
        db.session.add(line)
        db.session.flush()
        return line

    return run_in_transaction(use_case)


def _same(column, value):
    return column.is_(None) if value is None else column == value


def _add_received(line_id: int, quantity: int) -> None:
    """R2: the guarded UPDATE; its row count, not an earlier read, decides."""
    result = db.session.execute(
        sa.update(lines_t)
        .where(lines_t.c.id == line_id, lines_t.c.received + quantity <= lines_t.c.ordered)
        .values(received=lines_t.c.received + quantity)
    )
    _forget_received(line_id)
    if result.rowcount != 1:
        row = db.session.execute(
            sa.select(lines_t.c.ordered, lines_t.c.received).where(lines_t.c.id == line_id)
        ).one()
        raise OverReceipt(
            f"Ordered {row.ordered}, already received {row.received}: {quantity} more is refused (R2).",
            ordered=row.ordered, received=row.received, requested=quantity,
            remaining=row.ordered - row.received,
        )


def _forget_received(line_id: int) -> None:
    # The UPDATE bypassed the ORM: a loaded line must re-read its received quantity.
    loaded = db.session.identity_map.get(so.util.identity_key(InboundLine, line_id))
    if loaded is not None:
        db.session.expire(loaded, ["received"])


def remove_receipt_line(actor: User, receipt_line_id: int) -> Receipt:
    """Undo a mis-scan on a draft receipt; the quantity goes back to the order line."""
    require(actor.role, Permission.RECEIPT_RECEIVE)

    def use_case() -> Receipt:
        line = db.session.get(ReceiptLine, receipt_line_id)
        if line is None:
            raise NotFound(f"No receipt line {receipt_line_id}.", id=receipt_line_id)
        receipt = line.receipt
        state = receipt_line_state(receipt.status, line.inspection.outcome if line.inspection else None)
        step(RECEIPT_LINE, state, ReceiptLineAction.REMOVE, refuse=wrong_state(receipt))
        db.session.execute(
            sa.update(lines_t).where(lines_t.c.id == line.inbound_line_id)
            .values(received=lines_t.c.received - line.quantity)
        )
        _forget_received(line.inbound_line_id)
        receipt.lines.remove(line)
        db.session.flush()
        return receipt

    return run_in_transaction(use_case)


# --- handover (R3) ----------------------------------------------------------------------


def decode_signature(value: str | None, field: str) -> str:
    """Check a base64 PNG signature within this installation's size limit (R3); returns it as given."""
    return check_signature(value, field, current_app.config.get("RECEIVING_SIGNATURE_MAX_BYTES", 64 * 1024))


def submit_receipt(
    actor: User,
    receipt_id: int,
    *,
    delivery_note: str,
    receiver_name: str,
    deliverer_name: str,
    receiver_signature: str,
    deliverer_signature: str,
) -> Receipt:
    """Sign the handover (R3) and plan the inspection of every line (R4, R5, R6, R7)."""
    require(actor.role, Permission.RECEIPT_RECEIVE)
    check_handover(delivery_note=delivery_note, receiver_name=receiver_name, deliverer_name=deliverer_name)
    receiver_signature = decode_signature(receiver_signature, "receiver_signature")
    deliverer_signature = decode_signature(deliverer_signature, "deliverer_signature")

    def use_case() -> Receipt:
        receipt = find_receipt(receipt_id, lock=True)
        submitted = step(RECEIPT, receipt.status, ReceiptAction.SUBMIT, refuse=wrong_state(receipt))
        if not receipt.lines:
            raise ReceiptNotEditable("Nothing was counted on this receipt.", status=receipt.status)
        receipt.delivery_note = delivery_note.strip()
        receipt.receiver_name = receiver_name.strip()
        receipt.deliverer_name = deliverer_name.strip()
        receipt.receiver_signature = receiver_signature
        receipt.deliverer_signature = deliverer_signature
        receipt.status = submitted
        receipt.submitted_at = utcnow()
        plan_inspections(receipt)
        db.session.flush()
        return receipt

    return run_in_transaction(use_case)
