"""Inbound documents (rule R1: the document comes first): created, scanned, listed, closed.

A purchase order, customer return, return to vendor or consignment is received against
only while open; it is closed by the clerk or by itself once every line is received and
posted (R8), or cancelled while nothing was received. Its status changes only through
``wms.domain.receiving.DOCUMENT``; a refusal is ``document_not_open`` (R1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from wms.domain.permissions import Permission, require, require_any
from wms.domain.receiving import DOCUMENT, DocumentAction, DocumentStatus, ReceiptStatus, check_parties, step
from wms.errors import (
    AlreadyExists,
    DocumentHasGoods,
    DocumentNotOpen,
    InvalidInput,
    NoOpenDocument,
    NotFound,
    ReceiptNotEditable,
)
from wms.extensions import db
from wms.models import Customer, Item, ItemBarcode, Owner, Supplier, Warehouse
from wms.models.receiving import InboundDocument, InboundLine, Receipt
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.stock import resolve_item_ids
from wms.services.uow import run_in_transaction

lines_t = InboundLine.__table__

#: The status a clerk may set, and the step that sets it.
_STATUS_ACTIONS = {DocumentStatus.CLOSED: DocumentAction.CLOSE, DocumentStatus.CANCELLED: DocumentAction.CANCEL}


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
    number = number.strip()

    def use_case() -> InboundDocument:
        if db.session.execute(sa.select(InboundDocument.id).where(InboundDocument.number == number)).first():
            raise AlreadyExists(f"Document {number} already exists.", field="number", value=number)
        warehouse_id = _warehouse_id(warehouse)
        supplier_id = _supplier_id(supplier) if supplier else None
        customer_id = _customer_id(customer) if customer else None
        owner_row = _owner(owner)
        kind_ = check_parties(kind, supplier=supplier_id is not None, customer=customer_id is not None,
                              consignor_owner=owner_row.kind == "consignor")
        if not lines:
            raise InvalidInput("A document has at least one line.", field="lines")
        document = InboundDocument(
            number=number, kind=kind_.value, warehouse_id=warehouse_id, supplier_id=supplier_id,
            customer_id=customer_id, owner_id=owner_row.id, external_ref=external_ref,
            expected_date=expected_date, note=note, created_by=actor.id,
        )
        item_ids = resolve_item_ids([line["item"] for line in lines if not line.get("item_id")])
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

    return run_in_transaction(use_case)


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


def document_to_receive(number: str | None) -> InboundDocument:
    """The scanned document, refused unless goods may be received against it (R1)."""
    if not number or not number.strip():
        raise NoOpenDocument("Scan the document first; receiving without a document is refused (R1).")
    document = db.session.execute(
        sa.select(InboundDocument).where(InboundDocument.number == number.strip())
    ).scalar_one_or_none()
    if document is None:
        raise NoOpenDocument(
            f"No document {number}: receive now, order later is refused (R1).", number=number)
    check_receivable(document)
    return document


def check_receivable(document: InboundDocument) -> None:
    """R1: goods are received against an open document only; ``document_not_open`` otherwise."""
    step(DOCUMENT, document.status, DocumentAction.RECEIVE, refuse=_not_open(document))


def _not_open(document: InboundDocument):
    def refuse(details: dict) -> DocumentNotOpen:
        return DocumentNotOpen(f"Document {document.number} is {document.status}.", number=document.number,
                               document_status=document.status, action=details["action"],
                               expected=details["expected"])
    return refuse


#: At most this many open documents are handed to a handheld to keep offline.
OPEN_DOCUMENTS_LIMIT = 200


@dataclass
class LineToReceive:
    """One document line as a handheld receives against it, with every code that scans to its item."""

    id: int
    line_no: int
    item_id: int
    sku: str
    item_name: str
    codes: list[str]
    ordered: int
    received: int

    @property
    def remaining(self) -> int:
        """What may still be received on the line (R2)."""
        return self.ordered - self.received


@dataclass
class DocumentToReceive:
    """An open inbound document (R1) with its party and lines, for the handheld to receive against."""

    id: int
    number: str
    kind: str
    status: str
    warehouse_id: int
    supplier_id: int | None
    customer_id: int | None
    owner_id: int
    party_kind: str
    party_code: str | None
    party_name: str | None
    external_ref: str | None
    expected_date: date | None
    note: str | None
    created_at: datetime
    closed_at: datetime | None
    lines: list[LineToReceive] = field(default_factory=list)


def open_document(actor: User, number: str) -> DocumentToReceive:
    """The document a receiver scanned, refused unless it is open (R1)."""
    require(actor.role, Permission.RECEIPT_RECEIVE)
    return documents_to_receive([document_to_receive(number)])[0]


def open_documents(actor: User) -> list[DocumentToReceive]:
    """The open inbound documents of every kind, newest first, for a handheld to keep offline (R1)."""
    require(actor.role, Permission.RECEIPT_RECEIVE)
    documents = db.session.execute(
        sa.select(InboundDocument).where(InboundDocument.status == DocumentStatus.OPEN.value)
        .order_by(InboundDocument.created_at.desc(), InboundDocument.id.desc()).limit(OPEN_DOCUMENTS_LIMIT)
    ).scalars().all()
    return documents_to_receive(documents)


def documents_to_receive(documents) -> list[DocumentToReceive]:
    """Documents as the handheld receives against them: one query per table, never one per line."""
    ids = [d.id for d in documents]
    lines_by_document: dict[int, list] = {i: [] for i in ids}
    item_ids: set[int] = set()
    if ids:
        for row in db.session.execute(
            sa.select(lines_t.c.id, lines_t.c.document_id, lines_t.c.line_no, lines_t.c.item_id,
                      lines_t.c.ordered, lines_t.c.received)
            .where(lines_t.c.document_id.in_(ids)).order_by(lines_t.c.document_id, lines_t.c.line_no)
        ):
            lines_by_document[row.document_id].append(row)
            item_ids.add(row.item_id)
    codes = item_codes(item_ids)
    items = {row.id: row for row in db.session.execute(
        sa.select(Item.id, Item.sku, Item.name).where(Item.id.in_(item_ids)))} if item_ids else {}
    parties = _parties(documents)
    views = []
    for d in documents:
        party_kind, party_code, party_name = parties[d.id]
        views.append(DocumentToReceive(
            d.id, d.number, d.kind, d.status, d.warehouse_id, d.supplier_id, d.customer_id, d.owner_id,
            party_kind, party_code, party_name, d.external_ref, d.expected_date, d.note, d.created_at,
            d.closed_at,
            [LineToReceive(row.id, row.line_no, row.item_id, items[row.item_id].sku, items[row.item_id].name,
                           codes.get(row.item_id, []), row.ordered, row.received)
             for row in lines_by_document[d.id]],
        ))
    return views


def item_codes(item_ids) -> dict[int, list[str]]:
    """Every stored code that resolves to each item, as ``resolve_item_id`` resolves it.

    Its barcodes (GTINs first, then internal ones, each in the order recorded) and its
    SKU, unless the SKU's text is another item's barcode (a barcode wins over a SKU).
    Two queries whatever the number of items.
    """
    item_ids = list(item_ids)
    if not item_ids:
        return {}
    skus = dict(db.session.execute(sa.select(Item.id, Item.sku).where(Item.id.in_(item_ids))).all())
    barcodes = db.session.execute(
        sa.select(ItemBarcode.item_id, ItemBarcode.code, ItemBarcode.kind)
        .where(sa.or_(ItemBarcode.item_id.in_(item_ids), ItemBarcode.code.in_(list(skus.values()))))
        .order_by(ItemBarcode.kind != "gtin", ItemBarcode.id)
    ).all()
    taken = {row.code for row in barcodes}
    codes: dict[int, list[str]] = {item_id: [] for item_id in item_ids}
    for row in barcodes:
        if row.item_id in codes:
            codes[row.item_id].append(row.code)
    for item_id, sku in skus.items():
        if sku not in taken:
            codes[item_id].append(sku)
    return codes


def _parties(documents) -> dict[int, tuple[str, str | None, str | None]]:
    """Who each document is from: the supplier, the customer (a return) or the consignor."""
    def names(model, wanted):
        wanted = {i for i in wanted if i is not None}
        if not wanted:
            return {}
        return {r.id: (r.code, r.name) for r in db.session.execute(
            sa.select(model.id, model.code, model.name).where(model.id.in_(wanted)))}

    suppliers = names(Supplier, [d.supplier_id for d in documents])
    customers = names(Customer, [d.customer_id for d in documents])
    owners = names(Owner, [d.owner_id for d in documents if d.supplier_id is None and d.customer_id is None])
    parties = {}
    for d in documents:
        if d.supplier_id is not None:
            parties[d.id] = ("supplier", *suppliers[d.supplier_id])
        elif d.customer_id is not None:
            parties[d.id] = ("customer", *customers[d.customer_id])
        else:
            parties[d.id] = ("consignor", *owners.get(d.owner_id, (None, None)))
    return parties


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
    try:
        action = _STATUS_ACTIONS[DocumentStatus(status)]
    except (KeyError, ValueError):
        raise InvalidInput("A document is set to closed or cancelled.", field="status", value=status) from None

    def use_case() -> InboundDocument:
        document = db.session.execute(
            sa.select(InboundDocument).where(InboundDocument.id == document_id).with_for_update()
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(f"No inbound document {document_id}.", id=document_id)
        new_status = step(DOCUMENT, document.status, action, refuse=_not_open(document))
        received = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(lines_t.c.received), 0))
            .where(lines_t.c.document_id == document.id)
        ).scalar_one()
        if action is DocumentAction.CANCEL and received:
            raise DocumentHasGoods(f"Goods were received on document {document.number}; close it instead of "
                                   "cancelling.", number=document.number, received=int(received))
        if action is DocumentAction.CLOSE and unposted_receipts_of(document.id):
            raise ReceiptNotEditable("Post or discard the document's open receipts before closing it (R8).")
        document.status = new_status
        document.closed_at = utcnow()
        return document

    return run_in_transaction(use_case)


def close_if_complete(document: InboundDocument) -> None:
    """R8: a document whose every line is fully received and posted closes by itself."""
    if not DOCUMENT.allows(document.status, DocumentAction.CLOSE):
        return
    open_lines = db.session.execute(
        sa.select(sa.func.count()).select_from(lines_t)
        .where(lines_t.c.document_id == document.id, lines_t.c.received < lines_t.c.ordered)
    ).scalar_one()
    if not open_lines and not unposted_receipts_of(document.id):
        document.status = DOCUMENT.next(document.status, DocumentAction.CLOSE)
        document.closed_at = utcnow()


def unposted_receipts_of(document_id: int) -> list[int]:
    """The ids of a document's receipts not yet posted."""
    return list(db.session.execute(
        sa.select(Receipt.id).where(Receipt.document_id == document_id,
                                    Receipt.status != ReceiptStatus.POSTED)
    ).scalars())
