"""Receiving: inbound documents, receipts (handovers), their lines and inspections (R1-R9).

Statuses are stored as text; their enums and transition tables are in
``wms.domain.receiving`` (re-exported here for the code that reads the models).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.domain.receiving import DocumentStatus, ReceiptLineState, ReceiptStatus, receipt_line_state
from wms.domain.sampling import DocumentKind, InspectionState, Outcome, Packaging, inspection_kind
from wms.extensions import db
from wms.models.types import UTCDateTime, utcnow


def _one_of(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class InboundDocument(db.Model):
    """A document goods are received against (R1): PO, RMA, return-to-vendor or consignment."""

    __tablename__ = "inbound_document"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)  # printed as its barcode
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default=DocumentStatus.OPEN)
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouse.id"))
    supplier_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("supplier.id"), default=None)
    customer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("customer.id"), default=None)
    # Who will own the stock: the own company, or the consignor (R7).
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("owner.id"))
    external_ref: so.Mapped[str | None] = so.mapped_column(sa.String(64), default=None)
    expected_date: so.Mapped[date | None] = so.mapped_column(default=None)
    note: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    created_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)

    lines: so.Mapped[list[InboundLine]] = so.relationship(
        back_populates="document", order_by="InboundLine.line_no", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(_one_of("kind", [k.value for k in DocumentKind]), name="kind"),
        sa.CheckConstraint(_one_of("status", [s.value for s in DocumentStatus]), name="status"),
        sa.Index("ix_inbound_document_supplier", "supplier_id", "created_at"),
    )


class InboundLine(db.Model):
    """One item and quantity ordered; ``received`` is summed over all receipts (R2)."""

    __tablename__ = "inbound_line"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    document_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("inbound_document.id"))
    line_no: so.Mapped[int]
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    ordered: so.Mapped[int]
    received: so.Mapped[int] = so.mapped_column(default=0)

    document: so.Mapped[InboundDocument] = so.relationship(back_populates="lines")
    item = so.relationship("Item")

    __table_args__ = (
        sa.UniqueConstraint("document_id", "line_no"),
        sa.Index("ix_inbound_line_document_item", "document_id", "item_id"),
        sa.CheckConstraint("ordered > 0", name="ordered_positive"),
        # R2 in the database too: the guarded UPDATE is the first line, this the last.
        sa.CheckConstraint("received >= 0 AND received <= ordered", name="received_within_ordered"),
    )


class Receipt(db.Model):
    """One handover of goods against a document (R3): counted, signed, then posted (R8)."""

    __tablename__ = "receipt"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str | None] = so.mapped_column(sa.String(32), unique=True, default=None)
    document_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("inbound_document.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default=ReceiptStatus.DRAFT)
    receiving_location_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("location.id"))
    delivery_note: so.Mapped[str | None] = so.mapped_column(sa.String(64), default=None)  # 送货单 (R3)
    receiver_name: so.Mapped[str | None] = so.mapped_column(sa.String(100), default=None)
    deliverer_name: so.Mapped[str | None] = so.mapped_column(sa.String(100), default=None)
    receiver_signature: so.Mapped[str | None] = so.mapped_column(sa.Text, default=None)  # base64 PNG
    deliverer_signature: so.Mapped[str | None] = so.mapped_column(sa.Text, default=None)
    created_by: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    posted_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    posted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)

    document: so.Mapped[InboundDocument] = so.relationship()
    lines: so.Mapped[list[ReceiptLine]] = so.relationship(
        back_populates="receipt", order_by="ReceiptLine.line_no", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint(_one_of("status", [s.value for s in ReceiptStatus]), name="status"),)


class ReceiptLine(db.Model):
    """A counted quantity of one document line in one receipt, with its packaging state (R4)."""

    __tablename__ = "receipt_line"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    receipt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("receipt.id"), index=True)
    line_no: so.Mapped[int]
    inbound_line_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("inbound_line.id"), index=True)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    quantity: so.Mapped[int]
    scanned_code: so.Mapped[str | None] = so.mapped_column(sa.String(200), default=None)
    batch: so.Mapped[str | None] = so.mapped_column(sa.String(64), default=None)  # supplier's lot (GS1 10)
    expiry_date: so.Mapped[date | None] = so.mapped_column(default=None)
    packaging: so.Mapped[str] = so.mapped_column(sa.String(12), default=Packaging.INTACT.value)
    # R4: anything but intact records a request to the supplier to replace the packaging.
    packaging_replacement_requested: so.Mapped[bool] = so.mapped_column(default=False)
    packaging_note: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    # R6: per-unit result of a customer return.
    resellable: so.Mapped[int | None] = so.mapped_column(default=None)
    damaged: so.Mapped[int | None] = so.mapped_column(default=None)
    missing_parts: so.Mapped[int | None] = so.mapped_column(default=None)
    # Filled when posted: the lot, and how much went to stock and to quarantine.
    lot_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("lot.id"), default=None)
    accepted_quantity: so.Mapped[int | None] = so.mapped_column(default=None)
    rejected_quantity: so.Mapped[int | None] = so.mapped_column(default=None)

    receipt: so.Mapped[Receipt] = so.relationship(back_populates="lines")
    lot = so.relationship("Lot")
    inspection: so.Mapped[Inspection | None] = so.relationship(back_populates="receipt_line", uselist=False)
    item = so.relationship("Item")

    @property
    def state(self) -> ReceiptLineState:
        """Counted, pending inspection, accepted, rejected or posted: from the receipt and the inspection."""
        return receipt_line_state(self.receipt.status, self.inspection.outcome if self.inspection else None)

    __table_args__ = (
        sa.UniqueConstraint("receipt_id", "line_no"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(_one_of("packaging", [p.value for p in Packaging]), name="packaging"),
    )


class Inspection(db.Model):
    """The sampling decision of one received lot, stored and shown with its reasons (R5)."""

    __tablename__ = "inspection"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    receipt_line_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("receipt_line.id"), unique=True)
    document_kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    supplier_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("supplier.id"), default=None)
    item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("item.id"))
    lot_quantity: so.Mapped[int]
    state: so.Mapped[str] = so.mapped_column(sa.String(12))
    rate_percent: so.Mapped[int]
    sample_size: so.Mapped[int]
    reason: so.Mapped[str] = so.mapped_column(sa.String(400))
    # The reason as a stable code and its parameters, worded by the catalogues' ``reasons``.
    reason_code: so.Mapped[str | None] = so.mapped_column(sa.String(40), default=None)
    reason_params: so.Mapped[dict | None] = so.mapped_column(sa.JSON, default=None)
    zero_tolerance: so.Mapped[bool] = so.mapped_column(default=False)
    units_inspected: so.Mapped[int] = so.mapped_column(default=0)
    defects: so.Mapped[int] = so.mapped_column(default=0)
    expanded: so.Mapped[bool] = so.mapped_column(default=False)
    remaining_units: so.Mapped[int] = so.mapped_column(default=0)
    # Units to inspect before deciding: the sample, or the expanded sample after a defect.
    required_units: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    outcome: so.Mapped[str] = so.mapped_column(sa.String(12), default=Outcome.PENDING.value)
    decision_reason: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    accepted_quantity: so.Mapped[int | None] = so.mapped_column(default=None)
    rejected_quantity: so.Mapped[int | None] = so.mapped_column(default=None)
    inspector_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)

    receipt_line: so.Mapped[ReceiptLine] = so.relationship(back_populates="inspection")

    @property
    def kind(self) -> str:
        """A sample, every unit, or a customer return's classification unit by unit."""
        return inspection_kind(self.document_kind, self.state).value

    __table_args__ = (
        sa.CheckConstraint(_one_of("state", [s.value for s in InspectionState]), name="state"),
        sa.CheckConstraint(_one_of("outcome", [o.value for o in Outcome]), name="outcome"),
        sa.CheckConstraint("defects >= 0 AND defects <= units_inspected AND units_inspected <= lot_quantity",
                           name="counts"),
        # The switching history of a supplier is read in decision order (R5).
        sa.Index("ix_inspection_supplier_history", "supplier_id", "decided_at"),
    )
