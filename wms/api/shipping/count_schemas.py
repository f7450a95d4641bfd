"""Schemas of cycle counts (R8): the tasks, the blind count, the day's differences, the plan."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.api.schemas import Code
from wms.api.shipping.schemas import Text, one_of
from wms.domain.counts import CountOrigin, CountScope
from wms.domain.shipping import CycleCountStatus


class CycleCountSchema(Schema):
    """A cycle count; the figures and the people only for stock.adjust (R8: counted blind)."""

    id = fields.Int()
    location = fields.Str()
    sku = fields.Str(allow_none=True, metadata={"description": "None: an empty bin, the item found is counted"})
    item_name = fields.Str(allow_none=True)
    status = fields.Str(validate=one_of(CycleCountStatus))
    origin = fields.Str(validate=one_of(CountOrigin))
    reason = fields.Str()
    created_at = fields.DateTime()
    difference_found = fields.Bool(allow_none=True, metadata={"description": "None until counted"})
    counted_at = fields.DateTime(allow_none=True)
    book_quantity = fields.Int(allow_none=True, metadata={
        "description": "Supervisors only: what the bin should hold at the count (on-hand less picked, not shipped)"})
    counted_quantity = fields.Int(allow_none=True, metadata={"description": "Supervisors only"})
    counted_by = fields.Str(allow_none=True, metadata={"description": "Supervisors only: the counter's user name"})
    difference = fields.Int(allow_none=True, metadata={"description": "Supervisors only: the confirmed difference"})
    first_counted_by = fields.Str(allow_none=True, metadata={"description": "Supervisors only: the count recounted"})
    decided_by = fields.Str(allow_none=True, metadata={
        "description": "Supervisors only: who approved or rejected it; None when it posted by itself"})
    movement_id = fields.Str(allow_none=True, metadata={"description": "Supervisors only: the adjustment posted"})


class CycleCountListArgsSchema(Schema):
    status = fields.Str(load_default=CycleCountStatus.OPEN.value, validate=one_of(CycleCountStatus))
    location = Code(load_default=None, metadata={"description": "Only the counts of this bin"})


class CycleCountCreateSchema(Schema):
    """R8: a supervisor orders a count of a bin, an item or a zone (a bin code's first part)."""

    scope = fields.Str(required=True, validate=one_of(CountScope))
    location = Code(load_default=None, metadata={"description": "The bin, for scope bin"})
    item = Code(load_default=None, metadata={"description": "Barcode, GTIN or SKU, for scope item"})
    zone = Code(load_default=None, metadata={"description": "The zone (as A for bins A-..), for scope zone"})
    reason = Text(200, required=True)
    warehouse = Code(load_default=None)


class CycleCountStartSchema(Schema):
    """The counter at the bin: the bin scanned (checked when given)."""

    location = Code(load_default=None, metadata={"description": "Scanned bin code"})


class BlindCountSchema(Schema):
    """R8: the bin and item scanned, and what is physically there."""

    location = Code(required=True, metadata={"description": "Scanned bin code"})
    item = Code(load_default=None, metadata={
        "description": "Scanned barcode, GTIN or SKU; left out only for an empty bin found empty"})
    counted_quantity = fields.Int(required=True, strict=True, validate=validate.Range(min=0, max=10**9))


class BlindCountResultSchema(Schema):
    """What the counter is told (blind): never the book quantity."""

    id = fields.Int()
    status = fields.Str(validate=one_of(CycleCountStatus))
    difference_found = fields.Bool()


class CountDifferencesArgsSchema(Schema):
    date = fields.Date(load_default=None, metadata={"description": "Warehouse-local day; today if left out"})
    warehouse = Code(load_default=None)


class CycleCountDifferenceSchema(Schema):
    """One count of the day: book (on-hand), picked not shipped, bin card (ledger), physical."""

    task_id = fields.Int()
    location = fields.Str()
    item_sku = fields.Str(allow_none=True)
    item_name = fields.Str(allow_none=True)
    book = fields.Int(metadata={"description": "On-hand (stock_quant) at the count"})
    in_totes = fields.Int(metadata={"description": "Of the book, units picked for orders not yet shipped"})
    bin_card = fields.Int(metadata={"description": "The ledger's sum for the bin and item at the count"})
    counted = fields.Int(metadata={"description": "Physically there"})
    difference = fields.Int(metadata={"description": "counted - (book - in_totes)"})
    status = fields.Str(validate=one_of(CycleCountStatus))
    counted_at = fields.DateTime()
    counted_by = fields.Str(allow_none=True)
    movement_id = fields.Str(allow_none=True)


class PlanResultSchema(Schema):
    warehouse = fields.Str()
    day = fields.Date()
    rule = fields.Str()
    created = fields.Int()
    task_ids = fields.List(fields.Int())
