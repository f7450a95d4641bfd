"""Schemas of stock queries and stock movements."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.api.schemas import Code, Quantity


class StockArgsSchema(Schema):
    item = fields.Str(load_default=None, metadata={"description": "Barcode, GTIN or SKU"})
    location = fields.Str(load_default=None, metadata={"description": "Location code"})
    lot = fields.Str(load_default=None, metadata={"description": "Lot code"})
    owner = fields.Str(load_default=None, metadata={"description": "Owner code"})
    item_id = fields.Int(load_default=None)
    lot_id = fields.Int(load_default=None)
    location_id = fields.Int(load_default=None)
    owner_id = fields.Int(load_default=None)
    include_empty = fields.Bool(load_default=False)


class StockRowSchema(Schema):
    item_id = fields.Int()
    sku = fields.Str()
    item_name = fields.Str()
    lot_id = fields.Int()
    lot_code = fields.Str()
    received_at = fields.DateTime()
    expiry_date = fields.Date(allow_none=True)
    location_id = fields.Int()
    location_code = fields.Str()
    owner_id = fields.Int()
    owner_code = fields.Str()
    quantity = fields.Int()
    reserved = fields.Int()
    available = fields.Int()


class ScanMoveSchema(Schema):
    """A move as scanned on a handheld: item, from, to, quantity; lot when several are there."""

    item = Code(required=True, metadata={"description": "Scanned barcode, GTIN or SKU"})
    from_location = Code(required=True)
    to_location = Code(required=True)
    quantity = Quantity(required=True)
    lot = Code(load_default=None)
    owner = Code(load_default=None)


class AdjustmentSchema(Schema):
    item_id = fields.Int(required=True, strict=True)
    lot_id = fields.Int(required=True, strict=True)
    location_id = fields.Int(required=True, strict=True)
    owner_id = fields.Int(required=True, strict=True)
    quantity_change = fields.Int(required=True, strict=True, validate=validate.Range(min=-10**9, max=10**9))
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=400))
    kind = fields.Str(load_default="adjustment", validate=validate.OneOf(["adjustment", "count_difference"]))
    business_day = fields.Date(load_default=None, metadata={
        "description": "The warehouse day to date the correction into (L2); default the open day. "
                       "A closed day refuses it (409 day_closed), a day still to come too (422)."})


class LotSchema(Schema):
    id = fields.Int()
    item_id = fields.Int()
    code = fields.Str()
    received_at = fields.DateTime()
    expiry_date = fields.Date(allow_none=True)
    supplier_id = fields.Int(allow_none=True)


class LotArgsSchema(Schema):
    item_id = fields.Int(load_default=None)
