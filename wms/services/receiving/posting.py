"""Posting by the ledger clerk (rules R3, R8, R9), and the day's receipts still unposted (R8).

A signed receipt whose every line is decided is posted: accepted units to the receiving
location, rejected units to the warehouse's quarantine location with the ledger kind
``rejection`` (R9: every unit that entered is in the ledger); quarantine is never
available stock, so they can only leave through a return to the vendor. Customer
returns post with the kind ``return`` (R6). One lot per line; its receipt time is the
FIFO key (S1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.attributes import set_committed_value

from wms.domain.locations import LocationType
from wms.domain.permissions import Permission, require, require_any
from wms.domain.receiving import (
    RECEIPT,
    RECEIPT_LINE,
    ReceiptAction,
    ReceiptLineAction,
    ReceiptStatus,
    lot_code,
    receipt_line_state,
    step,
    waiting_for,
    waiting_for_code,
)
from wms.domain.sampling import DocumentKind, Outcome
from wms.errors import InspectionPending
from wms.extensions import db
from wms.models import Location, Lot, MovementKind
from wms.models.receiving import InboundDocument, Inspection, Receipt, ReceiptLine
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.receiving.documents import close_if_complete
from wms.services.receiving.receipts import find_receipt, wrong_state
from wms.services.stock import Place, StockChange, post_movement, virtual_location
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import day_bounds, warehouse_today

_receipt_lines = ReceiptLine.__table__
_RECORD_LINE_OUTCOME = (
    sa.update(_receipt_lines).where(_receipt_lines.c.id == sa.bindparam("b_id"))
    .values(lot_id=sa.bindparam("b_lot_id"), accepted_quantity=sa.bindparam("b_accepted"),
            rejected_quantity=sa.bindparam("b_rejected"))
)


def post_receipt(actor: User, receipt_id: int) -> Receipt:
    """Post a signed, inspected receipt (R3, R9): accepted to receiving, rejected to quarantine."""
    require(actor.role, Permission.RECEIPT_POST)

    def use_case() -> Receipt:
        receipt = find_receipt(receipt_id, lock=True)
        posted = step(RECEIPT, receipt.status, ReceiptAction.POST, refuse=wrong_state(
            receipt, f"Receipt {receipt.number} is {receipt.status}; only a signed, "
                     "not yet posted receipt can be posted."))
        document = receipt.document
        lines = db.session.execute(
            sa.select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id)
            .options(so.joinedload(ReceiptLine.inspection)).order_by(ReceiptLine.line_no)
        ).scalars().all()
        # R5: the line table decides; every line still pending is named at once.
        pending = [line.line_no for line in lines if not RECEIPT_LINE.allows(
            receipt_line_state(receipt.status, line.inspection.outcome), ReceiptLineAction.POST)]
        if pending:
            raise InspectionPending(f"{len(pending)} line(s) still being inspected.", lines=pending[:50],
                                    expected=RECEIPT_LINE.states_allowing(ReceiptLineAction.POST))
        now = utcnow()
        lot_ids = _lots_for(receipt, document, lines, now)
        is_return = DocumentKind(document.kind) is DocumentKind.CUSTOMER_RETURN
        source = virtual_location(document.warehouse_id,
                                  LocationType.CUSTOMER if is_return else LocationType.SUPPLIER)
        receiving = Place.of(db.session.get(Location, receipt.receiving_location_id))
        quarantine = virtual_location(document.warehouse_id, LocationType.QUARANTINE)
        accepted, rejected, outcomes = [], [], []
        for line in lines:
            inspection = line.inspection
            lot_id = lot_ids[line.id]
            outcomes.append({"b_id": line.id, "b_lot_id": lot_id, "b_accepted": inspection.accepted_quantity,
                             "b_rejected": inspection.rejected_quantity})
            # Written below in one executemany; the loaded objects are told the new values.
            set_committed_value(line, "lot_id", lot_id)
            set_committed_value(line, "accepted_quantity", inspection.accepted_quantity)
            set_committed_value(line, "rejected_quantity", inspection.rejected_quantity)
            if inspection.accepted_quantity:
                accepted.append(StockChange(line.item_id, lot_id, document.owner_id, source, receiving,
                                            inspection.accepted_quantity))
            if inspection.rejected_quantity:
                rejected.append(StockChange(line.item_id, lot_id, document.owner_id, source, quarantine,
                                            inspection.rejected_quantity))
        db.session.execute(_RECORD_LINE_OUTCOME, outcomes)
        if accepted:
            post_movement(actor, MovementKind.RETURN if is_return else MovementKind.RECEIPT, accepted,
                          document_type="receipt", document_id=receipt.number)
        if rejected:
            post_movement(actor, MovementKind.RETURN if is_return else MovementKind.REJECTION, rejected,
                          document_type="receipt", document_id=receipt.number,
                          reason=("damaged or missing parts (R6)" if is_return
                                  else "rejected on inspection, for return to vendor (R5)"))
        receipt.status = posted
        receipt.posted_at, receipt.posted_by = now, actor.id
        db.session.flush()
        close_if_complete(document)
        return receipt

    return run_in_transaction(use_case)


def _lots_for(receipt: Receipt, document: InboundDocument, lines: list[ReceiptLine], now: datetime) -> dict:
    """One lot per receipt line; its receipt time is the FIFO key (S1), created in bulk."""
    codes = {line.id: (line.item_id, lot_code(receipt.number, line.line_no, line.batch)) for line in lines}
    wanted = set(codes.values())
    lot_table = Lot.__table__
    existing: dict[tuple[int, str], int] = {}
    # By code alone: two IN lists of thousands make SQLite read far too many rows.
    for row in db.session.execute(
        sa.select(lot_table.c.id, lot_table.c.item_id, lot_table.c.code)
        .where(lot_table.c.code.in_({c for _, c in wanted}))
    ):
        if (row.item_id, row.code) in wanted:
            existing[(row.item_id, row.code)] = row.id
    expiry = {codes[line.id]: line.expiry_date for line in lines}
    missing = [key for key in wanted if key not in existing]
    if missing:
        # executemany without RETURNING, then one read of the ids: far faster for thousands.
        db.session.execute(
            sa.insert(lot_table),
            [dict(item_id=item_id, code=code, received_at=now, expiry_date=expiry[(item_id, code)],
                  supplier_id=document.supplier_id) for item_id, code in missing],
        )
        new_keys = set(missing)
        for row in db.session.execute(
            sa.select(lot_table.c.id, lot_table.c.item_id, lot_table.c.code)
            .where(lot_table.c.code.in_({c for _, c in missing}))
        ):
            if (row.item_id, row.code) in new_keys:
                existing[(row.item_id, row.code)] = row.id
    return {line_id: existing[key] for line_id, key in codes.items()}


# --- the day's unposted receipts (R8) ----------------------------------------------------


@dataclass(frozen=True)
class UnpostedReceipt:
    """A receipt of the day not yet posted, and what it waits for (R8)."""

    id: int
    number: str
    status: str
    created_at: datetime
    delivery_note: str | None
    document_number: str
    document_kind: str
    waiting_for: str
    waiting_for_code: str


def unposted_receipts(actor: User, day: date | None = None, *,
                      warehouse_id: int | None = None) -> list[UnpostedReceipt]:
    """R8: receipts of a day not yet posted, with what each is waiting for."""
    require_any(actor.role, Permission.RECEIPT_POST, Permission.REPORT_READ)
    return unposted_receipts_of_day(day or warehouse_today(), warehouse_id=warehouse_id)


def unposted_receipts_of_day(day: date, *, warehouse_id: int | None = None) -> list[UnpostedReceipt]:
    """R8: the query behind ``unposted_receipts``, for a caller that checked permissions itself
    (the end-of-day report, also run by the night job without a user)."""
    start, end = day_bounds(day)
    pending = (
        sa.select(Inspection.receipt_line_id)
        .where(Inspection.outcome == Outcome.PENDING.value)
        .join(ReceiptLine, ReceiptLine.id == Inspection.receipt_line_id)
        .where(ReceiptLine.receipt_id == Receipt.id)
    )
    stmt = (
        sa.select(Receipt.id, Receipt.number, Receipt.status, Receipt.created_at, Receipt.delivery_note,
                  InboundDocument.number.label("document_number"),
                  InboundDocument.kind.label("document_kind"),
                  sa.exists(pending).label("inspection_pending"))
        .join(InboundDocument, InboundDocument.id == Receipt.document_id)
        .where(Receipt.status != ReceiptStatus.POSTED, Receipt.created_at >= start, Receipt.created_at < end)
        .order_by(Receipt.created_at, Receipt.id)
    )
    if warehouse_id is not None:
        stmt = stmt.where(InboundDocument.warehouse_id == warehouse_id)
    return [
        UnpostedReceipt(row.id, row.number, row.status, row.created_at, row.delivery_note, row.document_number,
                        row.document_kind, waiting_for(row.status, row.inspection_pending),
                        waiting_for_code(row.status, row.inspection_pending).value)
        for row in db.session.execute(stmt)
    ]
