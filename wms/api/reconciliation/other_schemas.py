"""Schemas of the returns, outbound and payment reconciliation endpoints (``other_routes``)."""

from __future__ import annotations

import json

from marshmallow import Schema, ValidationError, fields, validate

from wms.api.reconciliation.schemas import Cycle, RunSchema
from wms.api.schemas import Code
from wms.domain.reconciliation_files import SETTLEMENT_PRESETS

_FILE = {"type": "string", "format": "binary"}


class _FieldCount(validate.Length):
    """At most so many fields in a mapping; an empty form field (no mapping) passes."""

    def __call__(self, value):
        return value if value is None else super().__call__(value)


class Mapping(fields.Str):
    """A column mapping sent as a JSON object in a form field: {"tracking_number": "单号"}.
    At most 20 fields (the ``Length`` bound, on the object), its text at most 4,000 characters."""

    def __init__(self, **kwargs):
        super().__init__(validate=_FieldCount(max=20), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            return None
        if len(text) > 4000:
            raise ValidationError("A column mapping is at most 4,000 characters.")
        try:
            mapping = json.loads(text)
        except ValueError:
            raise ValidationError("Not a JSON object.") from None
        if (not isinstance(mapping, dict) or len(mapping) > 20
                or not all(isinstance(k, str) and isinstance(v, str) and 0 < len(v) <= 100
                           for k, v in mapping.items())):
            raise ValidationError("A JSON object of at most 20 field names to header names (1-100 characters).")
        return mapping


_MAPPING = {"description": 'optional JSON object: field -> the file\'s own header, e.g. {"tracking_number": "单号"}'}
_CYCLE = {"description": "2026-11 (a month), 2026-W48 (a week) or 2026-11-30 (a day)"}


class ReturnsFormSchema(Schema):
    """The courier, the cycle, the courier's return records (field ``file``) and an optional mapping."""

    courier = Code(required=True)
    cycle = Cycle(required=True, metadata=_CYCLE)
    mapping = Mapping(load_default=None, metadata=_MAPPING)
    file = fields.Raw(load_default=None, metadata={**_FILE, "description": "the return records, CSV or XLSX"})


class OutboundFormSchema(Schema):
    """The cycle and, optionally, the shop's order export (field ``orders``)."""

    cycle = Cycle(required=True, metadata=_CYCLE)
    mapping = Mapping(load_default=None, metadata=_MAPPING)
    orders = fields.Raw(load_default=None, metadata={
        **_FILE, "description": "optional: the shop's order export (the order import's format, with an amount)"})


class PaymentsFormSchema(Schema):
    """The platform, the cycle, the settlement statement (``file``), optionally the shop's orders with amounts."""

    platform = fields.Str(required=True, validate=validate.OneOf(sorted(SETTLEMENT_PRESETS)))
    cycle = Cycle(required=True, metadata=_CYCLE)
    mapping = Mapping(load_default=None, metadata=_MAPPING)
    file = fields.Raw(load_default=None, metadata={**_FILE, "description": "the settlement statement, CSV or XLSX"})
    orders = fields.Raw(load_default=None, metadata={
        **_FILE, "description": "optional: the shop's order export with each order's amount (for short payments)"})


class OutboundRunsSchema(Schema):
    ledger = fields.Nested(RunSchema, metadata={"description": "shipments against ledger deductions"})
    shop = fields.Nested(RunSchema, allow_none=True,
                         metadata={"description": "the shop's orders against shipments (with an export only)"})


class PresetSchema(Schema):
    code = fields.Str()
    columns = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()))


class PresetsSchema(Schema):
    types = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()),
                        metadata={"description": "the difference types of each kind"})
    statuses = fields.List(fields.Str())
    returns = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()),
                          metadata={"description": "the headers each field of return records is found under"})
    payments = fields.List(fields.Nested(PresetSchema),
                           metadata={"description": "per platform: typical headers, not an official format"})
    shop_orders = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()))
