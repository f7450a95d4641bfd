"""Schemas of inbound documents, receipts, inspections, posting and put-away."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from wms.api.schemas import Code, Quantity, ScannedCode
from wms.domain.putaway import PutawayReason
from wms.domain.receiving import DocumentStatus, ReceiptLineState, ReceiptStatus, WaitingFor
from wms.domain.sampling import DocumentKind, InspectionKind, InspectionState, Outcome, Packaging, ReasonCode

PACKAGING = [p.value for p in Packaging]


def one_of(enum) -> validate.OneOf:
    """The values of a state or kind enum: what a dumped field may hold, listed in OpenAPI."""
    return validate.OneOf([member.value for member in enum])
Count = lambda **kw: fields.Int(strict=True, validate=validate.Range(min=0, max=10**9), **kw)  # noqa: E731


class InboundLineInSchema(Schema):
    item = Code(required=True, metadata={"description": "SKU, GTIN or internal barcode"})
    quantity = Quantity(required=True)


class InboundDocumentInSchema(Schema):
    """A new inbound document (R1): PO, customer return, return to vendor or consignment."""

    number = Code(required=True, metadata={"description": "Document number, printed as its barcode"})
    kind = fields.Str(required=True, validate=one_of(DocumentKind))
    supplier = Code(load_default=None, metadata={"description": "Supplier code (PO, return to vendor)"})
    customer = Code(load_default=None, metadata={"description": "Customer code (customer return)"})
    owner = Code(load_default=None, metadata={"description": "Owner code; a consignor for consignment"})
    warehouse = Code(load_default=None)
    external_ref = fields.Str(load_default=None, validate=validate.Length(max=64))
    expected_date = fields.Date(load_default=None)
    note = fields.Str(load_default=None, validate=validate.Length(max=400))
    lines = fields.List(fields.Nested(InboundLineInSchema), required=True,
                        validate=validate.Length(min=1, max=20_000))


class InboundLineSchema(Schema):
    id = fields.Int()
    line_no = fields.Int()
    item_id = fields.Int()
    sku = fields.Str(attribute="item.sku")
    item_name = fields.Str(attribute="item.name")
    ordered = fields.Int()
    received = fields.Int()
    remaining = fields.Function(lambda line: line.ordered - line.received)


class InboundDocumentSchema(Schema):
    id = fields.Int()
    number = fields.Str()
    kind = fields.Str(validate=one_of(DocumentKind))
    status = fields.Str(validate=one_of(DocumentStatus))
    warehouse_id = fields.Int()
    supplier_id = fields.Int(allow_none=True)
    customer_id = fields.Int(allow_none=True)
    owner_id = fields.Int()
    external_ref = fields.Str(allow_none=True)
    expected_date = fields.Date(allow_none=True)
    note = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(InboundLineSchema))


class InboundLineToReceiveSchema(Schema):
    """A line to receive against; ``codes`` are every code that scans to its item (barcodes, then SKU)."""

    id = fields.Int()
    line_no = fields.Int()
    item_id = fields.Int()
    sku = fields.Str()
    item_name = fields.Str()
    codes = fields.List(fields.Str(), metadata={
        "description": "Every stored code that resolves exactly to the item: GTINs, internal barcodes, SKU"})
    ordered = fields.Int()
    received = fields.Int()
    remaining = fields.Int()


class InboundDocumentToReceiveSchema(InboundDocumentSchema):
    """An open document as a handheld receives against it (and keeps offline)."""

    party_kind = fields.Str(validate=validate.OneOf(["supplier", "customer", "consignor"]),
                            metadata={"description": "Who the goods come from"})
    party_code = fields.Str(allow_none=True)
    party_name = fields.Str(allow_none=True)
    lines = fields.List(fields.Nested(InboundLineToReceiveSchema))


class InboundDocumentListArgsSchema(Schema):
    status = fields.Str(load_default=None, validate=one_of(DocumentStatus))
    kind = fields.Str(load_default=None, validate=one_of(DocumentKind))
    supplier_id = fields.Int(load_default=None)
    number = fields.Str(load_default=None)


class InboundDocumentStatusSchema(Schema):
    status = fields.Str(required=True,
                        validate=validate.OneOf([DocumentStatus.CLOSED.value, DocumentStatus.CANCELLED.value]))


class InboundImportFileSchema(Schema):
    """The ERP export to import: a .csv (UTF-8 or GB18030/GBK) or .xlsx/.xlsm file."""

    file = Upload(required=True)


class InboundDocumentSummarySchema(Schema):
    id = fields.Int()
    number = fields.Str()
    kind = fields.Str(validate=one_of(DocumentKind))
    status = fields.Str(validate=one_of(DocumentStatus))
    supplier_id = fields.Int(allow_none=True)
    expected_date = fields.Date(allow_none=True)


class InboundImportResultSchema(Schema):
    documents = fields.List(fields.Nested(InboundDocumentSummarySchema))
    lines = fields.Int()


class ReceiptInSchema(Schema):
    """Open a receipt by scanning the document's barcode (R1)."""

    document = fields.Str(required=True, allow_none=True, validate=validate.Length(max=64),
                          metadata={"description": "The scanned document number"})
    receiving_location = Code(load_default=None)


class ReceiveScanSchema(Schema):
    """One scan and count on the handheld (R2, R4)."""

    code = ScannedCode(required=True, metadata={"description": "GTIN, internal barcode, SKU or GS1 element string"})
    quantity = Quantity(required=True)
    packaging = fields.Str(load_default="intact", validate=validate.OneOf(PACKAGING))
    packaging_note = fields.Str(load_default=None, validate=validate.Length(max=400))
    batch = fields.Str(load_default=None, validate=validate.Length(min=1, max=64))
    expiry_date = fields.Date(load_default=None)


class HandoverSchema(Schema):
    """R3: the delivery note and both sides' names and signatures (base64 PNG)."""

    delivery_note = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    receiver_name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    deliverer_name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    receiver_signature = fields.Str(required=True, validate=validate.Length(min=1, max=200_000))
    deliverer_signature = fields.Str(required=True, validate=validate.Length(min=1, max=200_000))


class InspectionSchema(Schema):
    id = fields.Int()
    receipt_line_id = fields.Int()
    document_kind = fields.Str(validate=one_of(DocumentKind))
    supplier_id = fields.Int(allow_none=True)
    item_id = fields.Int()
    lot_quantity = fields.Int()
    state = fields.Str(validate=one_of(InspectionState), metadata={"description": "How strictly it is sampled (R5)"})
    kind = fields.Str(validate=one_of(InspectionKind),
                      metadata={"description": "sample, full (every unit) or return_classification (R6)"})
    rate_percent = fields.Int()
    sample_size = fields.Int()
    reason = fields.Str(metadata={"description": "In English; show reasons[reason_code] of the catalogue"})
    reason_code = fields.Str(allow_none=True, validate=one_of(ReasonCode),
                             metadata={"description": "Stable code of the reason (none on older inspections)"})
    reason_params = fields.Dict(keys=fields.Str(), allow_none=True,
                                metadata={"description": "The reason's {placeholders}: whole numbers and words"})
    zero_tolerance = fields.Bool()
    units_inspected = fields.Int()
    defects = fields.Int()
    expanded = fields.Bool()
    required_units = fields.Int(metadata={"description": "Units to inspect in all: the sample, or the expanded one"})
    remaining_units = fields.Int()
    outcome = fields.Str(validate=one_of(Outcome))
    decision_reason = fields.Str(allow_none=True)
    accepted_quantity = fields.Int(allow_none=True)
    rejected_quantity = fields.Int(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class ReceiptLineStandingSchema(Schema):
    """A receipt line as it stands, without its inspection."""

    id = fields.Int()
    line_no = fields.Int()
    inbound_line_id = fields.Int()
    item_id = fields.Int()
    sku = fields.Str(attribute="item.sku")
    item_name = fields.Str(attribute="item.name")
    quantity = fields.Int()
    state = fields.Str(validate=one_of(ReceiptLineState),
                       metadata={"description": "counted, then its inspection's outcome, then posted"})
    batch = fields.Str(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    packaging = fields.Str(validate=validate.OneOf(PACKAGING))
    packaging_replacement_requested = fields.Bool()
    packaging_note = fields.Str(allow_none=True)
    resellable = fields.Int(allow_none=True)
    damaged = fields.Int(allow_none=True)
    missing_parts = fields.Int(allow_none=True)
    lot_id = fields.Int(allow_none=True)
    lot_code = fields.Str(attribute="lot.code", allow_none=True)
    accepted_quantity = fields.Int(allow_none=True)
    rejected_quantity = fields.Int(allow_none=True)


class ReceiptLineSchema(ReceiptLineStandingSchema):
    inspection = fields.Nested(InspectionSchema, allow_none=True)


class InspectionResultSchema(InspectionSchema):
    """An inspection after a round or a classification, with its line as it now stands."""

    receipt_id = fields.Int(attribute="receipt_line.receipt_id")
    receipt_status = fields.Str(attribute="receipt_line.receipt.status", validate=one_of(ReceiptStatus))
    line = fields.Nested(ReceiptLineStandingSchema, attribute="receipt_line")


class ReceiptSchema(Schema):
    id = fields.Int()
    number = fields.Str()
    document_id = fields.Int()
    document_number = fields.Str(attribute="document.number")
    document_kind = fields.Str(attribute="document.kind", validate=one_of(DocumentKind))
    status = fields.Str(validate=one_of(ReceiptStatus))
    receiving_location_id = fields.Int()
    delivery_note = fields.Str(allow_none=True)
    receiver_name = fields.Str(allow_none=True)
    deliverer_name = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    posted_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(ReceiptLineSchema))


class InspectionInSchema(Schema):
    """Units inspected in this round and defects found among them (added to earlier rounds)."""

    units_inspected = Count(required=True)
    defects = Count(load_default=0)


class ReturnClassificationSchema(Schema):
    """R6: every returned unit is resellable, damaged or missing parts."""

    resellable = Count(required=True)
    damaged = Count(load_default=0)
    missing_parts = Count(load_default=0)


class UnpostedArgsSchema(Schema):
    day = fields.Date(load_default=None, metadata={"description": "Warehouse-local date; today if absent"})
    warehouse_id = fields.Int(load_default=None)


class UnpostedReceiptSchema(Schema):
    id = fields.Int()
    number = fields.Str()
    status = fields.Str(validate=one_of(ReceiptStatus))
    created_at = fields.DateTime()
    delivery_note = fields.Str(allow_none=True)
    document_number = fields.Str()
    document_kind = fields.Str(validate=one_of(DocumentKind))
    waiting_for = fields.Str(metadata={"description": "In English; show waiting_for_code in the user's words"})
    waiting_for_code = fields.Str(validate=one_of(WaitingFor))


class PutawayArgsSchema(Schema):
    lot = Code(required=True, metadata={"description": "The scanned lot label"})
    item = Code(load_default=None)


class PutawaySuggestionSchema(Schema):
    """The put-away screen in one call: the lot's item, what waits in receiving, its owner, the bin."""

    lot = fields.Str()
    item_id = fields.Int()
    sku = fields.Str()
    item_name = fields.Str()
    quantity = fields.Int(metadata={"description": "Units of the lot waiting in receiving (not reserved)"})
    from_location = fields.Str(metadata={"description": "The receiving location they wait in"})
    owner_code = fields.Str()
    owner_name = fields.Str()
    owner_kind = fields.Str(validate=validate.OneOf(["own", "consignor"]))
    bin = fields.Str(metadata={"description": "The suggested bin"})
    reason = fields.Str(metadata={"description": "In English; show reason_code in the user's words"})
    reason_code = fields.Str(validate=one_of(PutawayReason))


class LotLabelPrintSchema(Schema):
    """Print a lot's label at a station; the label is made from the lot's own data."""

    station = fields.Str(required=True, validate=validate.Length(min=1, max=32))
    copies = fields.Int(load_default=1, strict=True, validate=validate.Range(min=1, max=10))
    item = Code(load_default=None, metadata={"description": "The item, when several items have lots of this code"})


class PutawayInSchema(Schema):
    lot = Code(required=True, metadata={"description": "The scanned lot label"})
    bin = Code(required=True, metadata={"description": "The scanned bin"})
    item = Code(load_default=None)
    quantity = Quantity(load_default=None)


class SupplierQualityArgsSchema(Schema):
    item_id = fields.Int(load_default=None)


class SupplierQualityTotalsSchema(Schema):
    lots = fields.Int()
    rejected_lots = fields.Int()
    units_inspected = fields.Int()
    defects = fields.Int()
    defect_rate_percent = fields.Str(allow_none=True)


class SupplierQualityBucketSchema(SupplierQualityTotalsSchema):
    item_id = fields.Int()
    sku = fields.Str()


class SupplierQualitySchema(Schema):
    supplier_id = fields.Int()
    supplier_code = fields.Str()
    supplier_name = fields.Str()
    state = fields.Str(validate=one_of(InspectionState))
    rate_percent = fields.Int()
    reason = fields.Str()
    reason_code = fields.Str(validate=one_of(ReasonCode))
    reason_params = fields.Dict(keys=fields.Str())
    lots_considered = fields.Int()
    totals = fields.Nested(SupplierQualityTotalsSchema)
    items = fields.List(fields.Nested(SupplierQualityBucketSchema))
    history = fields.List(fields.Nested(InspectionSchema))
