"""Schemas of outbound: shipping documents, the four steps, holds, exchanges, labels.

The cycle counts' schemas (R8) are ``count_schemas``."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.api.devices.schemas import PrintJobSchema
from wms.api.guards import magnitude_at_most
from wms.api.schemas import Code, Quantity
from wms.domain.parcel_weight import WeightCheck
from wms.domain.shipping import (
    COUNT_NOTE_MAX,
    WEIGHT_UNITS,
    CountReason,
    ExchangeStatus,
    HandoverMode,
    HoldScope,
    ManifestStatus,
    OrderKind,
    OrderStatus,
    PickTaskStatus,
    Stage,
    Step,
    WaveStatus,
    WeightSource,
)


def one_of(enum) -> validate.OneOf:
    """The values of a state or kind enum: what a field may hold, listed in OpenAPI."""
    return validate.OneOf([member.value for member in enum])


Text = lambda max_length, **kw: fields.Str(validate=validate.Length(min=1, max=max_length), **kw)  # noqa: E731


# --- documents ------------------------------------------------------------------------


class OrderLineInSchema(Schema):
    item = Code(required=True, metadata={"description": "SKU, GTIN or internal barcode"})
    quantity = Quantity(required=True)


class OrderCreateSchema(Schema):
    """A shop order as the shop's export gives it: number, recipient, lines."""

    number = Code(required=True)
    recipient_name = Text(100, required=True)
    recipient_phone = fields.Str(load_default=None, validate=validate.Length(max=40))
    recipient_address = fields.Str(load_default=None, validate=validate.Length(max=400))
    customer_code = Code(load_default=None)
    owner_code = Code(load_default=None, metadata={"description": "A consignor whose stock ships (R7)"})
    warehouse_code = Code(load_default=None)
    lines = fields.List(fields.Nested(OrderLineInSchema), required=True,
                        validate=validate.Length(min=1, max=10_000))


class OrderListArgsSchema(Schema):
    status = fields.Str(load_default=None, validate=one_of(OrderStatus))
    stage = fields.Str(load_default=None, validate=one_of(Stage))
    kind = fields.Str(load_default=None, validate=one_of(OrderKind))


class OrderRowSchema(Schema):
    number = fields.Str()
    kind = fields.Str(validate=one_of(OrderKind))
    status = fields.Str(validate=one_of(OrderStatus))
    stage = fields.Str(validate=one_of(Stage))
    recipient_name = fields.Str(metadata={"description": "Masked"})
    created_at = fields.DateTime()


class OrderLineSchema(Schema):
    line_no = fields.Int()
    item_id = fields.Int()
    sku = fields.Str()
    item_name = fields.Str()
    quantity = fields.Int()
    allocated = fields.Int()


class PickTaskSchema(Schema):
    """One task of a pick list: go to the bin, take this lot of this item, this many."""

    task_id = fields.Int()
    order_number = fields.Str()
    location = fields.Str()
    path_order = fields.Int()
    item_id = fields.Int()
    sku = fields.Str()
    item_name = fields.Str()
    barcode = fields.Str(allow_none=True)
    lot = fields.Str()
    expiry_date = fields.Date(allow_none=True)
    quantity = fields.Int()
    status = fields.Str(validate=one_of(PickTaskStatus))
    counted_quantity = fields.Int(allow_none=True)
    holds = fields.List(fields.Str(), metadata={"description": "Hold notices stopping this order (S4)"})


class ShippingStepRecordSchema(Schema):
    step = fields.Str(validate=one_of(Step))
    user = fields.Str()
    at = fields.DateTime()
    detail = fields.Str(allow_none=True)


class ParcelHandoverSchema(Schema):
    carrier = fields.Str()
    tracking_number = fields.Str()
    weight_grams = fields.Int()
    weight_kg = fields.Str()
    weight_source = fields.Str(validate=one_of(WeightSource))
    shipped_at = fields.DateTime()
    movement_id = fields.Str(allow_none=True)
    handover_mode = fields.Str(validate=one_of(HandoverMode), metadata={
        "description": "in_person: the courier signed at the ship step; manifest: the driver signs its manifest"})


class OrderSchema(Schema):
    number = fields.Str()
    kind = fields.Str(validate=one_of(OrderKind))
    status = fields.Str(validate=one_of(OrderStatus))
    stage = fields.Str(validate=one_of(Stage))
    customer_code = fields.Str(allow_none=True)
    recipient_name = fields.Str()
    recipient_phone = fields.Str(allow_none=True)
    recipient_address = fields.Str(allow_none=True)
    exchange_notice = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema))
    tasks = fields.List(fields.Nested(PickTaskSchema))
    steps = fields.List(fields.Nested(ShippingStepRecordSchema))
    handover = fields.Nested(ParcelHandoverSchema, allow_none=True)
    holds = fields.List(fields.Str())


class OrderRefSchema(Schema):
    number = fields.Str()
    status = fields.Str(validate=one_of(OrderStatus))
    stage = fields.Str(validate=one_of(Stage))


class OrderCancelSchema(Schema):
    reason = Text(400, required=True)


class HoldInForceSchema(Schema):
    number = fields.Str()
    scope = fields.Str()
    reason = fields.Str()
    issued_at = fields.DateTime()


class OrderValiditySchema(Schema):
    number = fields.Str()
    valid = fields.Bool()
    code = fields.Str(allow_none=True)
    message = fields.Str()
    details = fields.Dict()
    holds = fields.List(fields.Nested(HoldInForceSchema), metadata={
        "description": "The holds in force on the document (S4), with their reasons"})
    weight_override = fields.Nested(lambda: WeightOverrideViewSchema(), allow_none=True, metadata={
        "description": "A supervisor's acceptance of the parcel's weight, waiting for the next ship step"})


class OrderImportArgsSchema(Schema):
    approve = fields.Bool(load_default=False)
    warehouse_code = Code(load_default=None)


class OrderImportFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class OrderImportResultSchema(Schema):
    created = fields.List(fields.Str())
    orders = fields.Int()
    lines = fields.Int()


# --- allocation, waves, the four steps -----------------------------------------------------


class LineAllocationSchema(Schema):
    line_no = fields.Int()
    item_id = fields.Int()
    sku = fields.Str()
    requested = fields.Int()
    allocated = fields.Int()
    short = fields.Int()


class AllocationReportSchema(Schema):
    order_number = fields.Str()
    lines = fields.List(fields.Nested(LineAllocationSchema))
    tasks_created = fields.Int()
    shortage = fields.Int(metadata={"description": "Units that could not be reserved (S1)"})
    fully_allocated = fields.Bool()


class WaveCreateSchema(Schema):
    orders = fields.List(Code(), required=True, validate=validate.Length(min=1, max=500))
    picker = Code(load_default=None, metadata={"description": "User name of the picker"})


class WaveSchema(Schema):
    number = fields.Str()
    status = fields.Str(validate=one_of(WaveStatus))
    orders = fields.List(fields.Str())
    picker = fields.Str(allow_none=True)
    created_at = fields.DateTime()


class WaveListArgsSchema(Schema):
    status = fields.List(fields.Str(validate=one_of(WaveStatus)), load_default=None, metadata={
        "description": "One state or several (status=released&status=picking: the waves still to pick)"})
    picker = Code(load_default=None, metadata={"description": "User name of the picker"})


class PickCountSchema(Schema):
    """Step 1 at the bin: scanned bin, scanned item (and lot), the quantity there."""

    location = Code(required=True, metadata={"description": "Scanned bin code"})
    item = Code(required=True, metadata={"description": "Scanned barcode, GTIN or SKU"})
    lot = Code(load_default=None)
    counted_quantity = fields.Int(required=True, strict=True, validate=validate.Range(min=0, max=10**9))
    reason = fields.Str(load_default=CountReason.SHORT.value, validate=one_of(CountReason), metadata={
        "description": "Why the bin holds less than the books: short (missing, the default) or damaged"})
    note = fields.Str(load_default=None, validate=validate.Length(max=COUNT_NOTE_MAX),
                      metadata={"description": "The picker's own words, kept with the difference"})


class ScanCheckArgsSchema(Schema):
    """Scans at the bin to check before the count; each optional, only those given are checked."""

    location = Code(load_default=None, metadata={"description": "Scanned bin code"})
    item = Code(load_default=None, metadata={"description": "Scanned barcode, GTIN or SKU"})
    lot = Code(load_default=None, metadata={"description": "Scanned lot code"})


class ScanCheckSchema(Schema):
    task_id = fields.Int()
    checked = fields.List(fields.Str(validate=validate.OneOf(["location", "item", "lot"])),
                          metadata={"description": "The scans given, all matching the task"})


class PickCountResultSchema(Schema):
    task_id = fields.Int()
    status = fields.Str()
    book_quantity = fields.Int(allow_none=True, metadata={
        "description": "Only for callers who may adjust stock; null for a picker: the count is blind (R8)"})
    counted_quantity = fields.Int()
    count_exception_id = fields.Int(allow_none=True, metadata={"description": "Set when the count differs"})
    resolution = fields.Str(allow_none=True, metadata={"description": "reallocated or held, after a difference"})
    short = fields.Int(allow_none=True)
    reason = fields.Str(allow_none=True, validate=one_of(CountReason),
                        metadata={"description": "short or damaged, after a difference"})
    count_complete = fields.Bool()
    stage = fields.Str(validate=one_of(Stage))


class VerifyScanSchema(Schema):
    item = Code(required=True)
    lot = Code(load_default=None)
    quantity = Quantity(load_default=1)


class VerifyBatchSchema(Schema):
    """A packing station's scans of one parcel, accepted all together or not at all."""

    scans = fields.List(fields.Nested(VerifyScanSchema), required=True, validate=validate.Length(min=1, max=20_000))


class VerifyLineSchema(Schema):
    sku = fields.Str()
    item_name = fields.Str()
    lot = fields.Str()
    quantity = fields.Int(metadata={"description": "Units counted to the parcel (its pick tasks)"})
    scanned = fields.Int()
    missing = fields.Int()


class VerifyResultSchema(Schema):
    number = fields.Str()
    complete = fields.Bool()
    stage = fields.Str(validate=one_of(Stage))
    remaining = fields.Int()
    lines = fields.List(fields.Nested(VerifyLineSchema), metadata={
        "description": "Per item and lot: units scanned and still missing"})


class ShipSchema(Schema):
    """Steps 3 and 4: handover with both signatures; the ledger is reduced with it."""

    carrier = Text(64, load_default=None, metadata={
        "description": "An active courier's code (GET /couriers); leave out when the order has a waybill"})
    tracking_number = Text(64, load_default=None, metadata={
        "description": "Fits the courier's pattern; leave out when the order has a waybill"})
    # At most 100,000 in any unit: 100 t in kg still fits the grams column.
    weight = fields.Decimal(load_default=None, allow_nan=False, validate=magnitude_at_most(100_000),
                            metadata={"description": "In weight_unit; leave out to weigh on the station's scale"})
    weight_unit = fields.Str(load_default="kg", validate=validate.OneOf(sorted(WEIGHT_UNITS)))
    weight_source = fields.Str(load_default="manual", validate=one_of(WeightSource))
    station = fields.Str(load_default=None, validate=validate.Length(min=1, max=32),
                         metadata={"description": "Packing station: its scale weighs the parcel when no "
                                                  "weight is given, its printer prints the label"})
    shipper_signature = Text(200, required=True)
    handover = fields.Str(load_default=HandoverMode.IN_PERSON.value, validate=one_of(HandoverMode), metadata={
        "description": "in_person (default): the courier takes this parcel and signs for it here; "
                       "manifest: it goes onto the courier's handover manifest, whose driver signs for the batch"})
    carrier_signature = Text(200, load_default=None, metadata={
        "description": "The courier's signature: required with handover in_person, not asked with manifest"})
    packaging = fields.Str(load_default=None, validate=validate.Length(min=1, max=32), metadata={
        "description": "Packaging type code: its tare counts in the weight check (else the warehouse's default)"})


class LabelPrintSchema(Schema):
    """Print the parcel's shipping label at a packing station."""

    station = fields.Str(required=True, validate=validate.Length(min=1, max=32))
    copies = fields.Int(load_default=1, strict=True, validate=validate.Range(min=1, max=10))


class ShipResultSchema(Schema):
    number = fields.Str()
    status = fields.Str()
    stage = fields.Str(validate=one_of(Stage))
    movement_id = fields.Str()
    shipped_at = fields.DateTime()
    weight_grams = fields.Int()
    weight_source = fields.Str(validate=one_of(WeightSource))
    weighed_at = fields.DateTime(metadata={"description": "When the weight was read (before the ship step)"})
    station = fields.Str(allow_none=True)
    label_job = fields.Nested(PrintJobSchema, allow_none=True, metadata={
        "description": "The label queued for the station's printer: sent after the commit; "
                       "GET /print-jobs/<id> tells whether it printed"})
    weight_check = fields.Str(allow_none=True, validate=one_of(WeightCheck), metadata={
        "description": "passed, overridden (a supervisor accepted the weight) or unchecked (an item has no weight)"})
    expected_weight_grams = fields.Int(allow_none=True)
    weight_tolerance_grams = fields.Int(allow_none=True)
    packaging = fields.Str(allow_none=True)
    weight_override_id = fields.Int(allow_none=True)


class ParcelWeightSchema(Schema):
    grams = fields.Int()
    kg = fields.Str()
    unit = fields.Str()


class ShippingLabelDataSchema(Schema):
    """Shipping label data; the recipient's name, phone and address are masked."""

    order_number = fields.Str()
    carrier = fields.Str()
    tracking_number = fields.Str()
    recipient_name = fields.Str()
    recipient_phone = fields.Str()
    recipient_address = fields.Str()
    weight = fields.Nested(ParcelWeightSchema)
    weight_source = fields.Str(validate=one_of(WeightSource))
    shipped_at = fields.DateTime()


# --- holds and releases (S4) ------------------------------------------------------------


class HoldCreateSchema(Schema):
    scope = fields.Str(required=True, validate=one_of(HoldScope))
    reason = Text(400, required=True)
    order_number = Code(load_default=None)
    customer_code = Code(load_default=None)
    item = Code(load_default=None, metadata={"description": "SKU or barcode of the held item"})


class HoldSchema(Schema):
    number = fields.Str()
    scope = fields.Str(validate=one_of(HoldScope))
    reason = fields.Str()
    issued_by = fields.Str()
    issued_at = fields.DateTime()
    active = fields.Bool()
    released_at = fields.DateTime(allow_none=True)
    order_number = fields.Str(allow_none=True)
    customer_code = fields.Str(allow_none=True)
    item_sku = fields.Str(allow_none=True)
    release_numbers = fields.List(fields.Str())
    affected_orders = fields.List(fields.Str())
    releases = fields.List(fields.Nested(lambda: ReleaseSchema()), metadata={
        "description": "Release notices referencing the hold, written and confirmed"})


class HoldListArgsSchema(Schema):
    active_only = fields.Bool(load_default=True)


class MyHoldsArgsSchema(Schema):
    wave = Code(load_default=None)


class ReleaseCreateSchema(Schema):
    hold = Code(required=True, metadata={"description": "Number of the hold notice released"})
    reason = Text(400, required=True)


class ReleaseSchema(Schema):
    number = fields.Str()
    hold = fields.Str()
    reason = fields.Str()
    issued_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    issued_by = fields.Str(metadata={"description": "User name of the writer"})
    confirmed_by = fields.Str(allow_none=True,
                              metadata={"description": "User name of the confirmer (S4: a second person)"})


# --- exchanges (S6), same-day clearing (S7) --------------------------------------------


class ExchangeCreateSchema(Schema):
    original_order = Code(required=True)
    reason = Text(400, required=True)
    lines = fields.List(fields.Nested(OrderLineInSchema), required=True, validate=validate.Length(min=1))


class ExchangeNoticeSchema(Schema):
    number = fields.Str()
    status = fields.Str(validate=one_of(ExchangeStatus))
    reason = fields.Str()
    original_order = fields.Str()
    exchange_order = fields.Str()
    issued_at = fields.DateTime()
    return_reference = fields.Str()


class OpenDocumentsArgsSchema(Schema):
    day = fields.Date(load_default=None, metadata={"description": "Warehouse-local day; today if left out"})


class OpenDocumentSchema(Schema):
    number = fields.Str()
    kind = fields.Str(validate=one_of(OrderKind))
    status = fields.Str(validate=one_of(OrderStatus))
    stage = fields.Str(validate=one_of(Stage))
    created_at = fields.DateTime()
    recipient_name = fields.Str()
    holds = fields.List(fields.Str())


# --- the parcel's weight check and handover manifests ------------------------------------


class WeightOverrideSchema(Schema):
    """A supervisor accepts the measured weight at the order's next ship step."""

    reason = Text(400, required=True)


class WeightOverrideViewSchema(Schema):
    id = fields.Int()
    order_number = fields.Str()
    reason = fields.Str()
    approved_by = fields.Str()
    approved_at = fields.DateTime()
    approved_by_name = fields.Str(allow_none=True, metadata={"description": "The supervisor's display name"})


class ManifestCreateSchema(Schema):
    courier = Code(required=True, metadata={"description": "Courier code, e.g. SF"})


class ManifestParcelAddSchema(Schema):
    tracking_number = Text(64, required=True)


class ManifestCloseSchema(Schema):
    """The driver and the shipper sign once for the whole batch (base64 PNG, like a receipt's)."""

    driver_name = Text(100, required=True)
    driver_signature = fields.Str(required=True, validate=validate.Length(min=1, max=200_000))
    shipper_signature = fields.Str(required=True, validate=validate.Length(min=1, max=200_000))


class ManifestParcelSchema(Schema):
    """A parcel on a manifest; the recipient is masked."""

    tracking_number = fields.Str()
    order_number = fields.Str()
    recipient_name = fields.Str()
    recipient_phone = fields.Str()
    recipient_address = fields.Str()
    weight_grams = fields.Int()
    shipped_at = fields.DateTime()
    added_at = fields.DateTime()


class ManifestSchema(Schema):
    number = fields.Str()
    courier = fields.Str()
    status = fields.Str(validate=one_of(ManifestStatus))
    created_by = fields.Str()
    created_at = fields.DateTime()
    driver_name = fields.Str(allow_none=True)
    closed_by = fields.Str(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    parcel_count = fields.Int()
    total_weight_grams = fields.Int()
    parcels = fields.List(fields.Nested(ManifestParcelSchema))


class ManifestExportArgsSchema(Schema):
    format = fields.Str(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class ManifestPrintSchema(Schema):
    station = fields.Str(required=True, validate=validate.Length(min=1, max=32))


class PackagingTypeSchema(Schema):
    code = fields.Str()
    name = fields.Str(metadata={"description": "The name in Chinese"})
    name_en = fields.Str(allow_none=True, metadata={"description": "The name in English (null: not named)"})
    tare_grams = fields.Int()


class ExpectedWeightArgsSchema(Schema):
    packaging = fields.Str(load_default=None, validate=validate.Length(min=1, max=32))


class ExpectedWeightSchema(Schema):
    """What the parcel should weigh; null figures when an item has no weight (listed in unweighed)."""

    number = fields.Str()
    packaging = fields.Str(allow_none=True)
    expected_grams = fields.Int(allow_none=True)
    tolerance_grams = fields.Int(allow_none=True)
    unweighed = fields.List(fields.Str())
