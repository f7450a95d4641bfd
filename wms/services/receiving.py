"""Receiving use cases (rules R1-R9): documents, receipts, inspection, posting, put-away.

The flow on the handheld: scan the document's barcode (R1), scan items and count
(R2, R4), sign the handover with the delivery note (R3), inspect samples (R5-R7); the
ledger clerk then posts the receipt (R8, R9) and the goods are put away to bins.

R2 is enforced by a guarded UPDATE (``received = received + n WHERE received + n <=
ordered``) whose row count decides, so two receivers scanning the same line at the
same time can never together exceed the order (notes/data.md); a check constraint on
the line is the last line of defence.

Rejected units are posted to the warehouse's quarantine location with the ledger kind
``rejection`` (R9: every unit that entered is in the ledger); quarantine is never
available stock, so they can only leave through a return to the vendor.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime

import biip
import sqlalchemy as sa
import sqlalchemy.orm as so
from biip.gs1_messages import GS1Message
from flask import current_app
from sqlalchemy.orm.attributes import set_committed_value

from wms.domain.locations import LocationType
from wms.domain.permissions import Permission, require, require_any
from wms.domain.sampling import (
    DocumentKind,
    LotResult,
    Outcome,
    Packaging,
    SamplingRules,
    evaluate_inspection,
    plan_sample,
    switching_state,
)
from wms.errors import (
    AlreadyExists,
    DocumentNotOpen,
    HandoverIncomplete,
    InspectionInvalid,
    InspectionPending,
    InvalidInput,
    ItemNotOnDocument,
    LotRequired,
    NoOpenDocument,
    NotFound,
    NothingToPutAway,
    OverReceipt,
    ReceiptNotEditable,
    UnknownBarcode,
    UnknownLocation,
)
from wms.extensions import db
from wms.models import (
    Customer,
    Item,
    ItemBarcode,
    Location,
    Lot,
    MovementKind,
    Owner,
    StockQuant,
    Supplier,
    Warehouse,
)
from wms.models.receiving import (
    DocumentStatus,
    InboundDocument,
    InboundLine,
    Inspection,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
)
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.stock import (
    MovementResult,
    Place,
    StockChange,
    post_movement,
    resolve_item_id,
    virtual_location,
)
from wms.services.uow import transaction
from wms.services.warehouse_day import day_bounds, warehouse_today

lines_t = InboundLine.__table__
quants = StockQuant.__table__

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Kinds whose goods come from a supplier (and whose lots feed the switching history).
SUPPLIER_KINDS = {DocumentKind.PURCHASE_ORDER, DocumentKind.RETURN_TO_VENDOR, DocumentKind.CONSIGNMENT}


def sampling_rules() -> SamplingRules:
    """The sampling thresholds of this installation (app config ``RECEIVING_SAMPLING``)."""
    return SamplingRules.from_config(current_app.config.get("RECEIVING_SAMPLING"))


# --- inbound documents ------------------------------------------------------------------


def create_document(
    actor: User,
    *,
    number: str,
    kind: str,
    lines: list[dict],
    supplier: str | None = None,
    customer: str | None = None,
    owner: str | None = None,
    warehouse: str | None = None,
    external_ref: str | None = None,
    expected_date: date | None = None,
    note: str | None = None,
) -> InboundDocument:
    """Create an open inbound document with its lines (R1: the document comes first)."""
    require(actor.role, Permission.INBOUND_DOCUMENT_WRITE)
    with transaction():
        kind_ = DocumentKind(kind)
        number = number.strip()
        if db.session.execute(sa.select(InboundDocument.id).where(InboundDocument.number == number)).first():
            raise AlreadyExists(f"Document {number} already exists.", field="number", value=number)
        warehouse_id = _warehouse_id(warehouse)
        supplier_id = _supplier_id(supplier) if supplier else None
        customer_id = _customer_id(customer) if customer else None
        owner_row = _owner(owner)
        if kind_ in (DocumentKind.PURCHASE_ORDER, DocumentKind.RETURN_TO_VENDOR) and supplier_id is None:
            raise InvalidInput("A purchase order or return to vendor names its supplier.", field="supplier")
        if kind_ is DocumentKind.CUSTOMER_RETURN and customer_id is None:
            raise InvalidInput("A customer return names its customer.", field="customer")
        if (kind_ is DocumentKind.CONSIGNMENT) != (owner_row.kind == "consignor"):
            # R7: consignment stock belongs to the consignor, and only consignment stock does.
            raise InvalidInput("Consignment documents, and only they, name a consignor as owner (R7).",
                               field="owner")
        if not lines:
            raise InvalidInput("A document has at least one line.", field="lines")
        document = InboundDocument(
            number=number, kind=kind_.value, warehouse_id=warehouse_id, supplier_id=supplier_id,
            customer_id=customer_id, owner_id=owner_row.id, external_ref=external_ref,
            expected_date=expected_date, note=note, created_by=actor.id,
        )
        item_ids = _resolve_items([line["item"] for line in lines if not line.get("item_id")])
        seen: set[int] = set()
        for line_no, line in enumerate(lines, start=1):
            item_id = line.get("item_id") or item_ids[line["item"].strip()]
            if item_id in seen:
                raise InvalidInput("Each item appears on one line only.", field="lines", line=line_no)
            seen.add(item_id)
            document.lines.append(InboundLine(line_no=line_no, item_id=item_id, ordered=line["quantity"]))
        db.session.add(document)
        db.session.flush()
        return document


def _resolve_items(codes: list[str]) -> dict[str, int]:
    """Item ids of many scanned codes (barcode, GTIN or SKU) in two queries, not two per line."""
    wanted = {code.strip() for code in codes}
    if not wanted:
        return {}
    found: dict[str, int] = dict(db.session.execute(
        sa.select(Item.sku, Item.id).where(Item.sku.in_(wanted))).all())
    # A barcode wins over a SKU with the same text, as in resolve_item_id.
    found.update(db.session.execute(
        sa.select(ItemBarcode.code, ItemBarcode.item_id).where(ItemBarcode.code.in_(wanted))).all())
    for code in codes:
        if code.strip() not in found:
            raise UnknownBarcode(f"No item has the code '{code}'.", code=code)
    return found


def _warehouse_id(code: str | None) -> int:
    stmt = sa.select(Warehouse.id).order_by(Warehouse.id).limit(1)
    if code:
        stmt = sa.select(Warehouse.id).where(Warehouse.code == code)
    found = db.session.execute(stmt).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No warehouse {code or ''}".strip() + ".", field="warehouse")
    return found


def _supplier_id(code: str) -> int:
    found = db.session.execute(sa.select(Supplier.id).where(Supplier.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No supplier {code}.", field="supplier", value=code)
    return found


def _customer_id(code: str) -> int:
    found = db.session.execute(sa.select(Customer.id).where(Customer.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No customer {code}.", field="customer", value=code)
    return found


def _owner(code: str | None) -> Owner:
    stmt = sa.select(Owner).where(Owner.kind == "own").order_by(Owner.id).limit(1)
    if code:
        stmt = sa.select(Owner).where(Owner.code == code)
    found = db.session.execute(stmt).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No owner {code or '(own company)'}.", field="owner")
    return found


def get_document(actor: User, document_id: int) -> InboundDocument:
    """One inbound document with its lines."""
    require_any(actor.role, Permission.RECEIPT_RECEIVE, Permission.INBOUND_DOCUMENT_WRITE,
                 Permission.RECEIPT_POST)
    document = db.session.get(InboundDocument, document_id)
    if document is None:
        raise NotFound(f"No inbound document {document_id}.", id=document_id)
    return document


def open_document(actor: User, number: str) -> InboundDocument:
    """The document a receiver scanned, refused unless it is open (R1)."""
    require(actor.role, Permission.RECEIPT_RECEIVE)
    return _open_document(number)


def _open_document(number: str | None, *, lock: bool = False) -> InboundDocument:
    if not number or not number.strip():
        raise NoOpenDocument("Scan the document first; receiving without a document is refused (R1).")
    stmt = sa.select(InboundDocument).where(InboundDocument.number == number.strip())
    if lock:
        stmt = stmt.with_for_update()
    document = db.session.execute(stmt).scalar_one_or_none()
    if document is None:
        raise NoOpenDocument(
            f"No document {number}: receive now, order later is refused (R1).", number=number)
    if document.status != DocumentStatus.OPEN:
        raise DocumentNotOpen(f"Document {number} is {document.status}.", number=number,
                              document_status=document.status)
    return document


def list_documents(actor: User, filters: dict, page: int, page_size: int):
    """Inbound documents, newest first, by status, kind or supplier."""
    from wms.services.queries import paginate

    require_any(actor.role, Permission.RECEIPT_RECEIVE, Permission.INBOUND_DOCUMENT_WRITE,
                 Permission.RECEIPT_POST)
    stmt = sa.select(InboundDocument).order_by(InboundDocument.id.desc())
    for column in ("status", "kind", "supplier_id", "number"):
        if filters.get(column) is not None:
            stmt = stmt.where(getattr(InboundDocument, column) == filters[column])
    return paginate(stmt, page, page_size)


def set_document_status(actor: User, document_id: int, status: str) -> InboundDocument:
    """Close or cancel a document; a document with goods received cannot be cancelled."""
    require(actor.role, Permission.INBOUND_DOCUMENT_WRITE)
    with transaction():
        document = db.session.execute(
            sa.select(InboundDocument).where(InboundDocument.id == document_id).with_for_update()
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(f"No inbound document {document_id}.", id=document_id)
        if document.status != DocumentStatus.OPEN:
            raise DocumentNotOpen(f"Document {document.number} is already {document.status}.",
                                  document_status=document.status)
        received = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(lines_t.c.received), 0))
            .where(lines_t.c.document_id == document.id)
        ).scalar_one()
        if status == DocumentStatus.CANCELLED and received:
            raise DocumentNotOpen("Goods were received on this document; close it instead of cancelling.",
                                  document_status=document.status)
        if status == DocumentStatus.CLOSED and _unposted_receipts_of(document.id):
            raise ReceiptNotEditable("Post or discard the document's open receipts before closing it (R8).")
        document.status = status
        document.closed_at = utcnow()
        return document


def _unposted_receipts_of(document_id: int) -> list[int]:
    return list(db.session.execute(
        sa.select(Receipt.id).where(Receipt.document_id == document_id,
                                    Receipt.status != ReceiptStatus.POSTED)
    ).scalars())


# --- receipts: scanning and counting (R1, R2, R4) ----------------------------------------------


def start_receipt(actor: User, document_number: str | None, receiving_location: str | None = None) -> Receipt:
    """Open a receipt (one handover) against an open document (R1)."""
    require(actor.role, Permission.RECEIPT_RECEIVE)
    with transaction():
        document = _open_document(document_number)
        wanted = (LocationType.CONSIGNMENT if document.kind == DocumentKind.CONSIGNMENT
                  else LocationType.RECEIVING)
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


def get_receipt(actor: User, receipt_id: int, *, lock: bool = False) -> Receipt:
    """One receipt with its lines and inspections."""
    require_any(actor.role, Permission.RECEIPT_RECEIVE, Permission.RECEIPT_INSPECT, Permission.RECEIPT_POST)
    return _receipt(receipt_id, lock=lock)


def _receipt(receipt_id: int, *, lock: bool = False) -> Receipt:
    stmt = sa.select(Receipt).where(Receipt.id == receipt_id)
    if lock:
        stmt = stmt.with_for_update()
    receipt = db.session.execute(stmt).scalar_one_or_none()
    if receipt is None:
        raise NotFound(f"No receipt {receipt_id}.", id=receipt_id)
    return receipt


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
    message = _gs1_message(code)
    if message is None:
        raise UnknownBarcode(f"No item has the code '{code}'.", code=code)
    gtin, batch, expiry = None, None, None
    for element in message.element_strings:
        if element.ai.ai == "01" and element.gtin is not None:
            gtin = element.gtin
        elif element.ai.ai == "10":
            batch = element.value
        elif element.ai.ai == "17" and element.date is not None:
            expiry = element.date
    if gtin is None:
        raise UnknownBarcode("The GS1 code carries no GTIN (AI 01).", code=code)
    candidates = {gtin.value}
    for convert in (gtin.as_gtin_13, gtin.as_gtin_12, gtin.as_gtin_8, gtin.as_gtin_14):
        try:
            candidates.add(convert())
        except Exception:  # noqa: BLE001 - a GTIN-14 with leading digits has no shorter form
            continue
    item_id = db.session.execute(
        sa.select(ItemBarcode.item_id).where(ItemBarcode.code.in_(candidates)).limit(1)
    ).scalar_one_or_none()
    if item_id is None:
        raise UnknownBarcode(f"No item has the GTIN {gtin.value}.", code=code, gtin=gtin.value)
    return ScannedItem(item_id, batch, expiry)


def _gs1_message(code: str) -> GS1Message | None:
    try:
        if code.startswith("("):
            return GS1Message.parse_hri(code)
        return biip.parse(code).gs1_message
    except Exception:  # noqa: BLE001 - biip raises its own errors for malformed codes
        return None


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
    with transaction():
        receipt = _receipt(receipt_id)
        if receipt.status != ReceiptStatus.DRAFT:
            raise ReceiptNotEditable(f"Receipt {receipt.number} is {receipt.status}.", status=receipt.status)
        document = receipt.document
        if document.status != DocumentStatus.OPEN:
            raise DocumentNotOpen(f"Document {document.number} is {document.status}.",
                                  document_status=document.status)
        scanned = parse_item_scan(code)
        batch = batch or scanned.batch
        expiry_date = expiry_date or scanned.expiry_date
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
                _same(ReceiptLine.batch, batch), _same(ReceiptLine.expiry_date, expiry_date),
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
            quantity=quantity, scanned_code=code[:200], batch=batch, expiry_date=expiry_date,
            packaging=packaging_.value, packaging_note=packaging_note,
            # R4: damaged outer packaging records a replacement request to the supplier.
            packaging_replacement_requested=packaging_ is not Packaging.INTACT,
        )
        db.session.add(line)
        db.session.flush()
        return line


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
    with transaction():
        line = db.session.get(ReceiptLine, receipt_line_id)
        if line is None:
            raise NotFound(f"No receipt line {receipt_line_id}.", id=receipt_line_id)
        receipt = line.receipt
        if receipt.status != ReceiptStatus.DRAFT:
            raise ReceiptNotEditable(f"Receipt {receipt.number} is {receipt.status}.", status=receipt.status)
        db.session.execute(
            sa.update(lines_t).where(lines_t.c.id == line.inbound_line_id)
            .values(received=lines_t.c.received - line.quantity)
        )
        _forget_received(line.inbound_line_id)
        receipt.lines.remove(line)
        db.session.flush()
        return receipt


# --- handover (R3) and the sampling plan (R4, R5) ---------------------------------------------


def decode_signature(value: str | None, field: str) -> str:
    """Check a base64 PNG signature within the size limit; returns it as given."""
    if not value:
        raise HandoverIncomplete(f"The {field} is missing (R3).", field=field)
    limit = current_app.config.get("RECEIVING_SIGNATURE_MAX_BYTES", 64 * 1024)
    text = value.split(",", 1)[1] if value.startswith("data:") else value
    if len(text) > (limit * 4) // 3 + 4:
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
    for field, value in (("delivery_note", delivery_note), ("receiver_name", receiver_name),
                         ("deliverer_name", deliverer_name)):
        if not value or not value.strip():
            raise HandoverIncomplete(f"The {field} is missing (R3).", field=field)
    receiver_signature = decode_signature(receiver_signature, "receiver_signature")
    deliverer_signature = decode_signature(deliverer_signature, "deliverer_signature")
    with transaction():
        receipt = _receipt(receipt_id, lock=True)
        if receipt.status != ReceiptStatus.DRAFT:
            raise ReceiptNotEditable(f"Receipt {receipt.number} is {receipt.status}.", status=receipt.status)
        if not receipt.lines:
            raise ReceiptNotEditable("Nothing was counted on this receipt.", status=receipt.status)
        receipt.delivery_note = delivery_note.strip()
        receipt.receiver_name = receiver_name.strip()
        receipt.deliverer_name = deliverer_name.strip()
        receipt.receiver_signature = receiver_signature
        receipt.deliverer_signature = deliverer_signature
        receipt.status = ReceiptStatus.SUBMITTED
        receipt.submitted_at = utcnow()
        _plan_inspections(receipt)
        db.session.flush()
        return receipt


def supplier_history(supplier_id: int) -> list[LotResult]:
    """The decided purchase-order lots of a supplier, oldest first (feeds switching, R5)."""
    rows = db.session.execute(
        sa.select(Inspection.outcome, Inspection.defects)
        .where(Inspection.supplier_id == supplier_id,
               Inspection.document_kind == DocumentKind.PURCHASE_ORDER.value,
               Inspection.outcome != Outcome.PENDING.value)
        .order_by(Inspection.decided_at, Inspection.id)
    ).all()
    return [LotResult(accepted=r.outcome == Outcome.ACCEPTED, expanded=r.defects > 0) for r in rows]


def _plan_inspections(receipt: Receipt) -> None:
    document = receipt.document
    rules = sampling_rules()
    history: list[LotResult] = []
    known_items: set[int] = set()
    if document.supplier_id is not None:
        history = supplier_history(document.supplier_id)
        # R5: "first delivery from a supplier (of that item)" is any earlier inspected lot.
        known_items = set(db.session.execute(
            sa.select(Inspection.item_id).distinct().where(
                Inspection.supplier_id == document.supplier_id,
                Inspection.document_kind == DocumentKind.PURCHASE_ORDER.value,
                Inspection.item_id.in_({line.item_id for line in receipt.lines}),
            )
        ).scalars())
    inspections = []
    for line in receipt.lines:
        plan = plan_sample(
            lot_quantity=line.quantity, document_kind=document.kind, packaging=line.packaging,
            first_delivery=line.item_id not in known_items, history=history, rules=rules,
        )
        inspections.append(dict(
            receipt_line_id=line.id, document_kind=document.kind, supplier_id=document.supplier_id,
            item_id=line.item_id, lot_quantity=line.quantity, state=plan.state.value,
            rate_percent=plan.rate_percent, sample_size=plan.sample_size, reason=plan.reason[:400],
            zero_tolerance=plan.zero_tolerance, units_inspected=0, defects=0, expanded=False,
            remaining_units=plan.sample_size, outcome=Outcome.PENDING.value, created_at=utcnow(),
        ))
    db.session.execute(sa.insert(Inspection), inspections)
    db.session.expire(receipt)


# --- inspection (R5, R6, R7) ---------------------------------------------------------------------


def _pending_inspection(receipt_line_id: int) -> Inspection:
    inspection = db.session.execute(
        sa.select(Inspection).where(Inspection.receipt_line_id == receipt_line_id).with_for_update()
    ).scalar_one_or_none()
    if inspection is None:
        raise NotFound(f"No inspection for receipt line {receipt_line_id}; submit the receipt first.",
                       receipt_line_id=receipt_line_id)
    if inspection.outcome != Outcome.PENDING:
        raise ReceiptNotEditable(f"The inspection is already decided: {inspection.outcome}.",
                                 outcome=inspection.outcome)
    return inspection


def record_inspection(actor: User, receipt_line_id: int, *, units_inspected: int, defects: int) -> Inspection:
    """Add inspected units and defects found; expands the sample or decides the lot (R5, R7)."""
    require(actor.role, Permission.RECEIPT_INSPECT)
    if units_inspected < 0 or defects < 0 or defects > units_inspected or units_inspected + defects == 0:
        raise InspectionInvalid("Record at least one unit; defects cannot exceed units inspected.",
                                units_inspected=units_inspected, defects=defects)
    with transaction():
        inspection = _pending_inspection(receipt_line_id)
        if inspection.document_kind == DocumentKind.CUSTOMER_RETURN:
            raise InspectionInvalid("Customer returns are classified per unit (R6).")
        total, found = inspection.units_inspected + units_inspected, inspection.defects + defects
        if total > inspection.lot_quantity:
            raise InspectionInvalid(
                f"Only {inspection.lot_quantity} units are in the lot; {total} inspected is not possible.",
                lot_quantity=inspection.lot_quantity, units_inspected=total)
        decision = evaluate_inspection(
            lot_quantity=inspection.lot_quantity, sample_size=inspection.sample_size, inspected=total,
            defects=found, zero_tolerance=inspection.zero_tolerance, rules=sampling_rules(),
        )
        inspection.units_inspected, inspection.defects = total, found
        inspection.expanded = inspection.expanded or decision.expanded
        inspection.remaining_units = decision.required_units
        inspection.decision_reason = decision.reason[:400]
        inspection.inspector_id = actor.id
        if decision.outcome is not Outcome.PENDING:
            inspection.outcome = decision.outcome.value
            inspection.accepted_quantity = decision.accepted_quantity
            inspection.rejected_quantity = decision.rejected_quantity
            inspection.decided_at = utcnow()
        db.session.flush()
        return inspection


def classify_return(actor: User, receipt_line_id: int, *, resellable: int, damaged: int,
                    missing_parts: int) -> Inspection:
    """R6: the per-unit result of a customer return; resellable to stock, the rest quarantined."""
    require(actor.role, Permission.RECEIPT_INSPECT)
    with transaction():
        inspection = _pending_inspection(receipt_line_id)
        if inspection.document_kind != DocumentKind.CUSTOMER_RETURN:
            raise InspectionInvalid("Only customer returns are classified per unit (R6).")
        counts = (resellable, damaged, missing_parts)
        if min(counts) < 0 or sum(counts) != inspection.lot_quantity:
            raise InspectionInvalid(
                f"Classify each of the {inspection.lot_quantity} returned units exactly once (R6).",
                lot_quantity=inspection.lot_quantity, classified=sum(counts))
        line = inspection.receipt_line
        line.resellable, line.damaged, line.missing_parts = counts
        bad = damaged + missing_parts
        inspection.units_inspected, inspection.defects = inspection.lot_quantity, bad
        inspection.remaining_units = 0
        inspection.outcome = Outcome.ACCEPTED.value if resellable else Outcome.REJECTED.value
        inspection.accepted_quantity, inspection.rejected_quantity = resellable, bad
        inspection.decision_reason = (f"{resellable} resellable to stock, {damaged} damaged and "
                                      f"{missing_parts} missing parts to quarantine (R6)")
        inspection.inspector_id = actor.id
        inspection.decided_at = utcnow()
        db.session.flush()
        return inspection


# --- posting by the ledger clerk (R3, R8, R9) ------------------------------------------------------


_receipt_lines = ReceiptLine.__table__
_RECORD_LINE_OUTCOME = (
    sa.update(_receipt_lines).where(_receipt_lines.c.id == sa.bindparam("b_id"))
    .values(lot_id=sa.bindparam("b_lot_id"), accepted_quantity=sa.bindparam("b_accepted"),
            rejected_quantity=sa.bindparam("b_rejected"))
)


def post_receipt(actor: User, receipt_id: int) -> Receipt:
    """Post a signed, inspected receipt (R3, R9): accepted to receiving, rejected to quarantine."""
    require(actor.role, Permission.RECEIPT_POST)
    with transaction():
        receipt = _receipt(receipt_id, lock=True)
        if receipt.status != ReceiptStatus.SUBMITTED:
            raise ReceiptNotEditable(f"Receipt {receipt.number} is {receipt.status}; only a signed, "
                                     "not yet posted receipt can be posted.", status=receipt.status)
        document = receipt.document
        lines = db.session.execute(
            sa.select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id)
            .options(so.joinedload(ReceiptLine.inspection)).order_by(ReceiptLine.line_no)
        ).scalars().all()
        pending = [line.line_no for line in lines if line.inspection.outcome == Outcome.PENDING]
        if pending:
            raise InspectionPending(f"{len(pending)} line(s) still being inspected.", lines=pending[:50])
        now = utcnow()
        lot_ids = _lots_for(receipt, document, lines, now)
        kind = DocumentKind(document.kind)
        is_return = kind is DocumentKind.CUSTOMER_RETURN
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
        receipt.status = ReceiptStatus.POSTED
        receipt.posted_at, receipt.posted_by = now, actor.id
        db.session.flush()
        _close_if_complete(document)
        return receipt


def _lots_for(receipt: Receipt, document: InboundDocument, lines: list[ReceiptLine], now: datetime) -> dict:
    """One lot per receipt line; its receipt time is the FIFO key (S1), created in bulk."""
    codes = {line.id: (line.item_id, line.batch or f"{receipt.number}-{line.line_no:04d}") for line in lines}
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


def _close_if_complete(document: InboundDocument) -> None:
    # A document whose every line is fully received and posted needs nothing more.
    open_lines = db.session.execute(
        sa.select(sa.func.count()).select_from(lines_t)
        .where(lines_t.c.document_id == document.id, lines_t.c.received < lines_t.c.ordered)
    ).scalar_one()
    if not open_lines and not _unposted_receipts_of(document.id):
        document.status = DocumentStatus.CLOSED
        document.closed_at = utcnow()


def unposted_receipts(actor: User, day: date | None = None, *, warehouse_id: int | None = None) -> list[dict]:
    """R8: receipts of a day not yet posted, with what each is waiting for."""
    require_any(actor.role, Permission.RECEIPT_POST, Permission.REPORT_READ)
    start, end = day_bounds(day or warehouse_today())
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
    result = []
    for row in db.session.execute(stmt):
        waiting = ("signature and submission" if row.status == ReceiptStatus.DRAFT
                   else "inspection" if row.inspection_pending else "posting by the ledger clerk")
        result.append({**row._asdict(), "waiting_for": waiting})
    return result


# --- put-away -----------------------------------------------------------------------------------


def _waiting_in_receiving(lot_code: str, item_code: str | None):
    stmt = (
        sa.select(quants.c.item_id, quants.c.lot_id, quants.c.owner_id, quants.c.location_id,
                  (quants.c.quantity - quants.c.reserved).label("free"), Location.code.label("location_code"),
                  Location.warehouse_id, Owner.kind.label("owner_kind"))
        .join(Lot, Lot.id == quants.c.lot_id)
        .join(Location, Location.id == quants.c.location_id)
        .join(Owner, Owner.id == quants.c.owner_id)
        .where(Lot.code == lot_code.strip(), Location.type == LocationType.RECEIVING.value,
               quants.c.quantity - quants.c.reserved > 0)
        .order_by(quants.c.quantity.desc())
    )
    if item_code:
        stmt = stmt.where(quants.c.item_id == resolve_item_id(item_code))
    rows = db.session.execute(stmt).all()
    if not rows:
        raise NothingToPutAway(f"Nothing of lot {lot_code} waits in receiving.", lot=lot_code)
    if len({r.item_id for r in rows}) > 1:
        raise LotRequired("Several items share this lot code; scan the item too.", lot=lot_code)
    return rows[0]


def suggest_bin(actor: User, lot_code: str, item_code: str | None = None) -> dict:
    """A bin for a lot in receiving: one already holding the item, else the emptiest nearest."""
    require(actor.role, Permission.PUTAWAY)
    waiting = _waiting_in_receiving(lot_code, item_code)
    return _suggest(waiting) | {"lot": lot_code, "quantity": waiting.free,
                                "from_location": waiting.location_code}


def _suggest(waiting) -> dict:
    bin_type = LocationType.CONSIGNMENT if waiting.owner_kind == "consignor" else LocationType.STORAGE
    bins = sa.select(Location.id, Location.code, Location.path_order).where(
        Location.warehouse_id == waiting.warehouse_id, Location.type == bin_type.value, Location.active)
    holding = db.session.execute(
        bins.join(quants, quants.c.location_id == Location.id)
        .where(quants.c.item_id == waiting.item_id, quants.c.owner_id == waiting.owner_id,
               quants.c.quantity > 0)
        .order_by(Location.path_order, Location.code).limit(1)
    ).first()
    if holding is not None:
        return {"bin": holding.code, "reason": "already holds this item"}
    load = (sa.select(quants.c.location_id, sa.func.sum(quants.c.quantity).label("units"))
            .group_by(quants.c.location_id).subquery())
    emptiest = db.session.execute(
        bins.outerjoin(load, load.c.location_id == Location.id)
        .order_by(sa.func.coalesce(load.c.units, 0), Location.path_order, Location.code).limit(1)
    ).first()
    if emptiest is None:
        raise UnknownLocation(f"The warehouse has no {bin_type.value} bin.")
    return {"bin": emptiest.code, "reason": "emptiest bin, nearest first"}


def put_away(actor: User, *, lot_code: str, bin_code: str, item_code: str | None = None,
             quantity: int | None = None) -> MovementResult:
    """Move a received lot from receiving to a bin, as scanned (label, then bin)."""
    require(actor.role, Permission.PUTAWAY)
    with transaction():
        waiting = _waiting_in_receiving(lot_code, item_code)
        target = db.session.execute(sa.select(Location).where(Location.code == bin_code.strip())).scalar()
        if target is None:
            raise UnknownLocation(f"No location has the code '{bin_code}'.", code=bin_code)
        wanted = LocationType.CONSIGNMENT if waiting.owner_kind == "consignor" else LocationType.STORAGE
        if target.type != wanted.value:
            # R7: consignment stock only in consignment locations, own stock never there.
            raise InvalidInput(f"Put this lot away to a {wanted.value} location.", bin=bin_code)
        amount = waiting.free if quantity is None else quantity
        source = Place.of(db.session.get(Location, waiting.location_id))
        return post_movement(
            actor, MovementKind.PUTAWAY,
            [StockChange(waiting.item_id, waiting.lot_id, waiting.owner_id, source, Place.of(target),
                         amount)],
            document_type="putaway", document_id=lot_code.strip(),
        )


# --- supplier quality view (R5) ------------------------------------------------------------------


def supplier_quality(actor: User, supplier_id: int, *, item_id: int | None = None, limit: int = 50) -> dict:
    """A supplier's switching state, defect rates and inspection history (per item if asked)."""
    require_any(actor.role, Permission.RECEIPT_INSPECT, Permission.REPORT_READ, Permission.RECEIPT_POST)
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"No supplier {supplier_id}.", id=supplier_id)
    status = switching_state(supplier_history(supplier_id), sampling_rules())
    decided = sa.select(Inspection).where(Inspection.supplier_id == supplier_id,
                                          Inspection.outcome != Outcome.PENDING.value)
    if item_id is not None:
        decided = decided.where(Inspection.item_id == item_id)
    per_item: dict[int, dict] = {}
    stats = db.session.execute(
        sa.select(Inspection.item_id, Item.sku, sa.func.count().label("lots"),
                  sa.func.sum(sa.case((Inspection.outcome == Outcome.REJECTED.value, 1), else_=0))
                  .label("rejected_lots"),
                  sa.func.sum(Inspection.units_inspected).label("units_inspected"),
                  sa.func.sum(Inspection.defects).label("defects"))
        .join(Item, Item.id == Inspection.item_id)
        .where(Inspection.supplier_id == supplier_id, Inspection.outcome != Outcome.PENDING.value,
               *([Inspection.item_id == item_id] if item_id is not None else []))
        .group_by(Inspection.item_id, Item.sku).order_by(Item.sku)
    ).all()
    for row in stats:
        per_item[row.item_id] = dict(item_id=row.item_id, sku=row.sku, lots=row.lots,
                                     rejected_lots=int(row.rejected_lots or 0),
                                     units_inspected=int(row.units_inspected or 0),
                                     defects=int(row.defects or 0))
    totals = dict(lots=sum(v["lots"] for v in per_item.values()),
                  rejected_lots=sum(v["rejected_lots"] for v in per_item.values()),
                  units_inspected=sum(v["units_inspected"] for v in per_item.values()),
                  defects=sum(v["defects"] for v in per_item.values()))
    for bucket in [totals, *per_item.values()]:
        # Percent with two decimals, as a string: a rate shown, never a float that decides.
        units = bucket["units_inspected"]
        bucket["defect_rate_percent"] = f"{(bucket['defects'] * 10000 // units) / 100:.2f}" if units else None
    history = db.session.execute(
        decided.order_by(Inspection.decided_at.desc(), Inspection.id.desc()).limit(limit)
    ).scalars().all()
    return dict(
        supplier_id=supplier.id, supplier_code=supplier.code, supplier_name=supplier.name,
        state=status.state.value, rate_percent=sampling_rules().rate_of(status.state),
        reason=status.reason, lots_considered=status.lots, totals=totals,
        items=list(per_item.values()), history=history,
    )
