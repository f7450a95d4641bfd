"""Schemas of the end-of-day report's API (rule L2)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.services.reports.day_report import SECTIONS
from wms.services.reports.exports import FORMATS

DIRECTIONS = ("in", "out", "all")


class DayArgsSchema(Schema):
    warehouse = fields.Str(load_default=None, validate=validate.Length(min=1, max=32),
                           metadata={"description": "The warehouse's code; optional when there is only one"})
    date = fields.Date(load_default=None, metadata={"description": "The warehouse's day (its time zone); "
                                                                   "today if absent"})


class EntriesArgsSchema(DayArgsSchema):
    item = fields.Str(load_default=None, validate=validate.Length(min=1, max=64),
                      metadata={"description": "The item's SKU"})
    owner = fields.Str(load_default=None, validate=validate.Length(min=1, max=32),
                       metadata={"description": "The owner's code"})
    direction = fields.Str(load_default="all", validate=validate.OneOf(DIRECTIONS),
                           metadata={"description": "in: the entries of the 'in' figure, out: of 'out', all: both"})
    hour = fields.Int(load_default=None, validate=validate.Range(min=0, max=23),
                      metadata={"description": "Only this hour (0-23) of the warehouse's day"})
    limit = fields.Int(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Int(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))


class ExportArgsSchema(DayArgsSchema):
    format = fields.Str(load_default="pdf", validate=validate.OneOf(FORMATS))
    lang = fields.Str(load_default=None, validate=validate.OneOf(["zh-CN", "en"]),
                      metadata={"description": "The file's language; the user's (else zh-CN) if absent"})
    section = fields.Str(load_default=None, validate=validate.OneOf(SECTIONS),
                         metadata={"description": "One section only (CSV: stock by default)"})


class WarehouseInfoSchema(Schema):
    code = fields.Str()
    name = fields.Str()
    time_zone = fields.Str()


class ClosedSchema(Schema):
    at = fields.DateTime()
    by = fields.Str()


class StockLineSchema(Schema):
    item_sku = fields.Str()
    item_name = fields.Str()
    owner_code = fields.Str()
    owner_name = fields.Str()
    opening = fields.Int()
    received_in = fields.Int(data_key="in")
    shipped_out = fields.Int(data_key="out")
    closing = fields.Int()


class TotalsSchema(Schema):
    opening = fields.Int()
    received_in = fields.Int(data_key="in")
    shipped_out = fields.Int(data_key="out")
    closing = fields.Int()


class HourSchema(Schema):
    hour = fields.Int()
    received_in = fields.Int(data_key="in")
    shipped_out = fields.Int(data_key="out")


class DocumentCountSchema(Schema):
    type = fields.Str()
    count = fields.Int()


class UnclearedSchema(Schema):
    type = fields.Str(metadata={"description": "receipt (R8) or sales_order (S7)"})
    number = fields.Str()
    day = fields.Date(metadata={"description": "The document's own day"})
    age_days = fields.Int()
    waiting_for_code = fields.Str()


class SupplierInspectionsSchema(Schema):
    supplier_code = fields.Str()
    supplier_name = fields.Str()
    lots = fields.Int()
    inspected_units = fields.Int()
    defects = fields.Int()
    defect_rate = fields.Str(allow_none=True, metadata={"description": "Percent with two decimals, as text"})
    rejected = fields.Int()


class SwitchingSchema(Schema):
    supplier_code = fields.Str()
    supplier_name = fields.Str()
    from_level = fields.Str()
    to_level = fields.Str()
    at = fields.DateTime()


class InspectionsSchema(Schema):
    lots = fields.Int()
    accepted = fields.Int()
    rejected = fields.Int()
    by_supplier = fields.List(fields.Nested(SupplierInspectionsSchema))
    switching = fields.List(fields.Nested(SwitchingSchema))


class HoldIssuedSchema(Schema):
    number = fields.Str()
    scope = fields.Str()
    target = fields.Str(metadata={"description": "The order, the customer (masked) or the item"})
    reason = fields.Str(metadata={"description": "Personal data in it masked"})
    issued_at = fields.DateTime()
    issued_by = fields.Str()


class HoldReleasedSchema(Schema):
    number = fields.Str()
    release_number = fields.Str()
    scope = fields.Str()
    target = fields.Str()
    reason = fields.Str()
    released_at = fields.DateTime()
    released_by = fields.Str()
    confirmed_by = fields.Str()


class HoldsSchema(Schema):
    issued = fields.List(fields.Nested(HoldIssuedSchema))
    released = fields.List(fields.Nested(HoldReleasedSchema))


class CountDifferenceSchema(Schema):
    task_id = fields.Int()
    location = fields.Str()
    item_sku = fields.Str()
    item_name = fields.Str()
    book = fields.Int(metadata={"description": "On-hand in the bin and item when counted"})
    in_totes = fields.Int(metadata={"description": "Units of the book picked but not shipped (in a tote)"})
    bin_card = fields.Int(metadata={"description": "The ledger's sum for the bin and item"})
    counted = fields.Int(metadata={"description": "The physical count"})
    difference = fields.Int(metadata={"description": "counted - (book - in_totes)"})
    status = fields.Str(metadata={"description": "started, recount, counted (waiting for approval), done or "
                                                 "rejected"})
    counted_at = fields.DateTime()


class ReconciliationSchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "courier, returns, outbound or payments"})
    type = fields.Str()
    courier = fields.Str(metadata={"description": "The courier's code, or the platform's"})
    reference = fields.Str(metadata={"description": "The tracking number or order number it is keyed on"})
    order_number = fields.Str()
    amount = fields.Decimal(as_string=True, allow_none=True)
    status = fields.Str(metadata={"description": "open, explained or claimed"})
    age_days = fields.Int()


class DayReportSchema(Schema):
    warehouse = fields.Nested(WarehouseInfoSchema)
    date = fields.Date(attribute="day")
    closed = fields.Nested(ClosedSchema, allow_none=True)
    generated_at = fields.DateTime()
    stock = fields.List(fields.Nested(StockLineSchema))
    totals = fields.Nested(TotalsSchema)
    movements_by_hour = fields.List(fields.Nested(HourSchema))
    documents = fields.List(fields.Nested(DocumentCountSchema))
    uncleared = fields.List(fields.Nested(UnclearedSchema))
    inspections = fields.Nested(InspectionsSchema)
    holds = fields.Nested(HoldsSchema)
    count_differences = fields.List(fields.Nested(CountDifferenceSchema))
    reconciliation = fields.List(fields.Nested(ReconciliationSchema),
                                 metadata={"description": "Reconciliation differences (rule L3) not resolved "
                                                          "at the day's end"})


class DayEntrySchema(Schema):
    id = fields.Int()
    created_at = fields.DateTime()
    business_day = fields.Date()
    kind = fields.Str()
    movement_id = fields.Str()
    item_sku = fields.Str()
    owner_code = fields.Str()
    location = fields.Str()
    lot = fields.Str()
    quantity = fields.Int()
    document_type = fields.Str(allow_none=True)
    document_id = fields.Str(allow_none=True)
    user = fields.Str()


class DayEntriesSchema(Schema):
    total = fields.Int(metadata={"description": "Entries matching, over all pages"})
    quantity = fields.Int(metadata={"description": "Their quantities summed (the figure drilled into)"})
    limit = fields.Int()
    offset = fields.Int()
    entries = fields.List(fields.Nested(DayEntrySchema))
