"""Schemas of master data; one for reading and creating, a partial one for changes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.domain.locations import LocationType

Name = lambda **kw: fields.Str(validate=validate.Length(min=1, max=200), **kw)  # noqa: E731
Code = lambda **kw: fields.Str(validate=validate.Length(min=1, max=64), **kw)  # noqa: E731


class BarcodeSchema(Schema):
    code = Code(required=True)
    kind = fields.Str(load_default="internal", validate=validate.OneOf(["gtin", "internal"]))


class ItemSchema(Schema):
    id = fields.Int(dump_only=True)
    sku = Code(required=True)
    name = Name(required=True)
    base_unit = fields.Str(load_default="pcs", validate=validate.Length(min=1, max=16))
    lot_tracked = fields.Bool(load_default=False)
    expiry_tracked = fields.Bool(load_default=False)
    fefo = fields.Bool(load_default=False)
    weight_grams = fields.Int(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=0))
    active = fields.Bool(load_default=True)
    barcodes = fields.List(fields.Nested(BarcodeSchema), load_default=list)


class WarehouseSchema(Schema):
    id = fields.Int(dump_only=True)
    code = Code(required=True)
    name = Name(required=True)


class LocationSchema(Schema):
    id = fields.Int(dump_only=True)
    warehouse_id = fields.Int(required=True, strict=True)
    code = Code(required=True)
    name = Name(required=True)
    type = fields.Str(required=True, validate=validate.OneOf([t.value for t in LocationType]))
    path_order = fields.Int(strict=True, load_default=0)
    active = fields.Bool(load_default=True)
    holds_stock = fields.Bool(dump_only=True)


class PartnerSchema(Schema):
    id = fields.Int(dump_only=True)
    code = Code(required=True)
    name = Name(required=True)
    phone = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=40))
    active = fields.Bool(load_default=True)


class SupplierSchema(PartnerSchema):
    contact = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=200))


class CustomerSchema(PartnerSchema):
    address = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=400))


class OwnerSchema(Schema):
    id = fields.Int(dump_only=True)
    code = Code(required=True)
    name = Name(required=True)
    kind = fields.Str(load_default="own", validate=validate.OneOf(["own", "consignor"]))


class ListArgsSchema(Schema):
    q = fields.Str(load_default=None, metadata={"description": "Code or name contains"})


class ActiveListArgsSchema(ListArgsSchema):
    active = fields.Bool(load_default=None)


class LocationListArgsSchema(ActiveListArgsSchema):
    type = fields.Str(load_default=None, validate=validate.OneOf([t.value for t in LocationType]))
    warehouse_id = fields.Int(load_default=None)
